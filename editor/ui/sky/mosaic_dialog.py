"""File > New Mosaic from Files…: choose the panels and how to join them; the registration and
balance fit run as a job (progress + Cancel) and give a new document with one mosaic layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                             QFormLayout, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout,
                             QWidget)

from editor.ui.common.i18n import tr
from editor.ui.common.job_runner import Job, run_job

ALIGN = {"By WCS when every panel has one, else by stars": "auto", "By WCS (plate solutions)": "wcs",
         "By stars": "stars"}
BLEND = {"Feather (distance-weighted)": "feather", "Multi-band (different sharpness)": "multiband"}


class NewMosaicDialog(QDialog):
    """Panels (in order, bottom to top) and the options of ``nebulayer mosaic``."""

    def __init__(self, parent: QWidget | None = None, paths: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New Mosaic from Files"))
        self.files = QListWidget()
        self.files.setMinimumWidth(460)
        add, remove = QPushButton(tr("Add…")), QPushButton(tr("Remove"))
        up, down = QPushButton(tr("Up")), QPushButton(tr("Down"))
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        buttons_col = QVBoxLayout()
        for b in (add, remove, up, down):
            buttons_col.addWidget(b)
        buttons_col.addStretch(1)
        files_row = QHBoxLayout()
        files_row.addWidget(self.files, 1)
        files_row.addLayout(buttons_col)
        self.align = QComboBox()
        for label, value in ALIGN.items():
            self.align.addItem(tr(label), value)
        self.balance = QCheckBox(tr("Match brightness (gain and offset per panel)"))
        self.balance.setChecked(True)
        self.gradient = QCheckBox(tr("Also fit a gradient per panel"))
        self.balance.toggled.connect(self.gradient.setEnabled)
        self.blend = QComboBox()
        for label, value in BLEND.items():
            self.blend.addItem(tr(label), value)
        self.reference = QComboBox()
        form = QFormLayout()
        form.addRow(tr("Align"), self.align)
        form.addRow("", self.balance)
        form.addRow("", self.gradient)
        form.addRow(tr("Blend"), self.blend)
        form.addRow(tr("Reference panel"), self.reference)
        self.ok_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_box.accepted.connect(self.accept)
        self.ok_box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(files_row)
        lay.addLayout(form)
        lay.addWidget(self.ok_box)
        for p in paths or []:
            self.files.addItem(str(p))
        self._sync()

    def _add(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Mosaic panels"), "",
                                                tr("Images (*.fits *.fit *.fts *.tif *.tiff *.xisf *.png);;All files (*)"))
        for p in paths:
            self.files.addItem(p)
        self._sync()

    def _remove(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self._sync()

    def _move(self, step: int) -> None:
        row = self.files.currentRow()
        if row < 0 or not 0 <= row + step < self.files.count():
            return
        item = self.files.takeItem(row)
        self.files.insertItem(row + step, item)
        self.files.setCurrentRow(row + step)
        self._sync()

    def _sync(self) -> None:
        keep = self.reference.currentIndex()
        self.reference.clear()
        for p in self.paths():
            self.reference.addItem(Path(p).name)
        if 0 <= keep < self.reference.count():
            self.reference.setCurrentIndex(keep)
        self.ok_box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(len(self.paths()) >= 2)

    def paths(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())]

    def options(self) -> dict[str, Any]:
        return {"align": self.align.currentData(), "balance": self.balance.isChecked(),
                "gradient": self.gradient.isChecked() and self.balance.isChecked(),
                "blend": self.blend.currentData(), "reference": max(0, self.reference.currentIndex())}


def build_mosaic(paths: list[str], options: dict[str, Any], progress: Callable[[float], None]) -> Any:
    """Open the panels, fit the plan, make a document with the mosaic layer (worker thread)."""
    from editor.core.document import Document
    from editor.errors import NebulayerError
    from editor.io import open_image
    from editor.jobs.progress import scaled_progress
    from editor.mosaic.build import plan_mosaic
    from editor.mosaic.layer import add_mosaic_layer

    images = []
    for k, p in enumerate(paths):
        images.append(open_image(p))
        progress(0.15 * (k + 1) / len(paths))
    names = [Path(p).name for p in paths]
    try:
        plan = plan_mosaic([(im.data, im.meta.header or None) for im in images], names=names,
                           progress=scaled_progress(progress, 0.15, 1.0), **options)
    except ValueError as exc:
        raise NebulayerError(f"mosaic: {exc}") from None
    doc = Document.new(plan.shape[1], plan.shape[0])
    add_mosaic_layer(doc, images, plan.to_dict(), names=names)
    return doc


def start_new_mosaic(parent: QWidget, paths: list[str], options: dict[str, Any],
                     on_done: Callable[[Any], None], on_failed: Callable[[str], None]) -> Job:
    return run_job(parent, tr("Building the mosaic…"),
                   lambda progress: build_mosaic(paths, options, progress), on_done, on_failed)
