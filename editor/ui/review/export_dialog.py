"""File > Export Review Page: choose the two states, other members' projects and a folder, then
build the page as a job (progress, Cancel) and offer to open it in the browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QUrl
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                             QHBoxLayout, QLineEdit, QListWidget, QMessageBox, QPushButton,
                             QVBoxLayout, QWidget)

from editor.ui.common.i18n import tr
from editor.render.comparison import CURRENT_LABEL, ORIGINAL_NAME
from editor.ui.common.job_runner import Job, run_job

STRETCHES = {"Automatic (linear states get a screen stretch)": "auto",
             "As exported (no stretch)": "none",
             "One stretch measured on 'before'": "shared"}


@dataclass
class ReviewRequest:
    out_dir: Path
    before: str | None
    after: str | None
    title: str | None
    stretch: str
    others: list[str] = field(default_factory=list)


def default_folder(doc: Any) -> Path:
    if doc.path:
        p = Path(doc.path)
        return p.with_name(f"{p.stem}_review")
    return Path.home() / "nebulayer_review"


class ReviewExportDialog(QDialog):
    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export Review Page"))
        self.doc = doc
        names = [name for _sid, name in doc.snapshots]
        self.before = QComboBox()
        for n in names:  # snapshot names as typed; the automatic "Original" translated
            self.before.addItem(tr(n) if n == ORIGINAL_NAME else n, n)
        self.before.addItem(tr(CURRENT_LABEL), CURRENT_LABEL)
        if ORIGINAL_NAME in names:
            self.before.setCurrentIndex(self.before.findData(ORIGINAL_NAME))
        self.after = QComboBox()
        self.after.addItem(tr(CURRENT_LABEL), CURRENT_LABEL)
        for n in names:
            self.after.addItem(tr(n) if n == ORIGINAL_NAME else n, n)
        self.title = QLineEdit()
        self.title.setPlaceholderText(tr("default: Review: <object from the headers>"))
        self.stretch = QComboBox()
        for label, key in STRETCHES.items():
            self.stretch.addItem(tr(label), key)
        self.others = QListWidget()
        self.others.setToolTip(tr("Other members' projects of the same target: the page compares "
                               "every note's place across all versions"))
        self.others.setMaximumHeight(90)
        add = QPushButton(tr("Add project…"))
        remove = QPushButton(tr("Remove"))
        add.clicked.connect(self._add_projects)
        remove.clicked.connect(lambda: [self.others.takeItem(self.others.row(i))
                                        for i in self.others.selectedItems()])
        self.folder = QLineEdit(str(default_folder(doc)))
        choose = QPushButton(tr("Choose…"))
        choose.clicked.connect(self._choose_folder)

        form = QFormLayout()
        form.addRow(tr("Before"), self.before)
        form.addRow(tr("After"), self.after)
        form.addRow(tr("Title"), self.title)
        form.addRow(tr("Display"), self.stretch)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(add)
        buttons_row.addWidget(remove)
        others = QVBoxLayout()
        others.addWidget(self.others)
        others.addLayout(buttons_row)
        form.addRow(tr("Other versions"), others)
        folder = QHBoxLayout()
        folder.addWidget(self.folder, 1)
        folder.addWidget(choose)
        form.addRow(tr("Folder"), folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _add_projects(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Other versions"), "", tr("Nebulayer projects (*.nebula)"))
        for p in paths:
            self.others.addItem(p)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Folder for the review page"), self.folder.text())
        if path:
            self.folder.setText(path)

    def request(self) -> ReviewRequest:
        def state(box: QComboBox) -> str | None:
            return None if box.currentData() == CURRENT_LABEL else box.currentData()

        return ReviewRequest(Path(self.folder.text()).expanduser(), state(self.before), state(self.after),
                             self.title.text().strip() or None, self.stretch.currentData(),
                             [self.others.item(i).text() for i in range(self.others.count())])


def start_export(parent: QWidget | None, doc: Any, req: ReviewRequest, open_when_done: bool = True) -> Job:
    """Build the page off the UI thread (progress dialog with Cancel)."""
    from editor.review import export_review

    def work(progress: Any) -> Path:
        return export_review([doc, *req.others], req.out_dir, before=req.before or CURRENT_LABEL,
                             after=req.after, title=req.title, stretch=req.stretch, progress=progress)

    def done(index: Path) -> None:
        if not open_when_done:
            return
        box = QMessageBox(QMessageBox.Icon.Information, "Review page",
                          f"The review page is in\n{index.parent}\n\nOpen index.html in any browser, "
                          "or zip the folder to send it.", QMessageBox.StandardButton.Close, parent)
        open_button = box.addButton(tr("Open in Browser"), QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is open_button:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(index)))

    def failed(message: str) -> None:
        QMessageBox.warning(parent, tr("Review page"), message)

    return run_job(parent, tr("Exporting the review page…"), work, done, failed)


def export_review_page(parent: QWidget | None, model: Any) -> Job | None:
    """File > Export Review Page."""
    doc = model.doc
    if doc is None:
        return None
    dialog = ReviewExportDialog(doc, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return start_export(parent, doc, dialog.request())
