"""The "Stack this session" box of the Acquisition tab: lights, darks, flats and bias frames of
a session folder calibrated, registered and integrated into a master (editor.stacking), as a
job with progress and Cancel; the master is saved in the folder and opened in the editor."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout,
                             QLabel, QLineEdit, QPushButton, QWidget)

from editor.locale import localise, ngettext
from editor.ui.common.i18n import tr
from editor.errors import NebulayerError
from editor.ui.common.job_runner import Job, run_job

REJECTIONS = (("Auto (by frame count)", "auto"), ("Winsorized sigma", "winsorized"),
              ("Sigma clipping", "sigma"), ("Linear fit", "linear-fit"), ("None", "none"))


class StackPanel(QGroupBox):
    """Folder, filter and rejection choice, "Stack" button. Emits :attr:`stacked` with
    ``(float32 pixels, ImageMeta, name)`` when a master is ready (the tab opens it)."""

    stacked = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None, *,
                 default_folder: Callable[[], str] | None = None) -> None:
        super().__init__(tr("Stack this session"), parent)
        self._default_folder = default_folder
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(tr("session folder (lights, darks, flats, bias)"))
        self.browse_btn = QPushButton("…")
        self.browse_btn.setFixedWidth(28)
        self.filter_combo = QComboBox()
        self.rejection = QComboBox()
        for label, value in REJECTIONS:
            self.rejection.addItem(tr(label), value)
        self.scan_label = QLabel("")
        self.scan_label.setWordWrap(True)
        self.stack_btn = QPushButton(tr("Stack"))
        self.stack_btn.setToolTip(tr("Calibrate (masters from the darks, flats and bias found), "
                                  "register with rotation, integrate; open the master"))
        self.job: Job | None = None
        self.last_output: Path | None = None
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse_btn)
        g = QGridLayout(self)
        g.addWidget(QLabel(tr("Folder")), 0, 0)
        g.addLayout(row, 0, 1, 1, 2)
        g.addWidget(QLabel(tr("Lights")), 1, 0)
        g.addWidget(self.filter_combo, 1, 1)
        g.addWidget(self.stack_btn, 1, 2)
        g.addWidget(QLabel(tr("Rejection")), 2, 0)
        g.addWidget(self.rejection, 2, 1, 1, 2)
        g.addWidget(self.scan_label, 3, 0, 1, 3)
        self.browse_btn.clicked.connect(self._browse)
        self.folder.editingFinished.connect(self.rescan)
        self.stack_btn.clicked.connect(self.start)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        if not self.folder.text() and self._default_folder is not None:
            self.set_folder(self._default_folder())
        super().showEvent(event)

    def set_folder(self, folder: str | Path) -> None:
        self.folder.setText(str(folder))
        self.rescan()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Session folder"), self.folder.text())
        if folder:
            self.set_folder(folder)

    def rescan(self):
        """Sort the folder's frames; fill the filter list. Returns the SessionFrames or None."""
        from editor.stacking.session import scan_session

        self.filter_combo.clear()
        text = self.folder.text().strip()
        if not text or not Path(text).is_dir():
            self.scan_label.setText(tr("Choose the folder a session's frames were saved in."))
            self.stack_btn.setEnabled(False)
            return None
        frames = scan_session(text)
        for name in frames.filters:
            self.filter_combo.addItem(f"{name or 'no filter'} ({len(frames.lights[name])})", name)
        self.scan_label.setText(frames.describe() if frames.lights else tr("No light frames here."))
        self.stack_btn.setEnabled(bool(frames.lights))
        return frames

    def start(self) -> Job | None:
        """Start stacking the chosen filter's lights as a job (progress dialog, Cancel)."""
        from editor.stacking.session import request_for

        frames = self.rescan()
        if frames is None or not frames.lights or self.filter_combo.currentIndex() < 0:
            return None
        name = self.filter_combo.currentData() or ""
        output = frames.folder / (f"Master_{name}.fits" if name else "Master.fits")
        try:
            request = request_for(frames, name, output, rejection=self.rejection.currentData())
        except NebulayerError as exc:
            self.scan_label.setText(str(exc))
            return None
        self.stack_btn.setEnabled(False)
        self.scan_label.setText(tr('Stacking {0} lights…').format(len(request.lights)))

        def work(progress):
            from editor.stacking.pipeline import run_stack

            return run_stack(request, progress=progress)

        self.job = run_job(self, tr("Stacking"), work, self._finished, self._failed)
        self.job.cancelled.connect(self._cancelled)
        return self.job

    def _finished(self, result: Any) -> None:
        from editor.io.image import ImageMeta

        self.stack_btn.setEnabled(True)
        self.last_output = result.output
        skipped = [f for f in result.frames if not f.accepted]
        text = ngettext("{n} of {m} light stacked into {name}", "{n} of {m} lights stacked into {name}",
                        len(result.frames)).format(n=len(result.accepted), m=len(result.frames),
                                                   name=result.output.name)
        if skipped:  # the frames' lines are English data (FITS HISTORY): shown translated
            text += tr("; skipped: {frames}").format(frames="; ".join(localise(f.line()) for f in skipped[:3]))
        self.scan_label.setText(text)
        meta = ImageMeta(path=str(result.output), format="FITS", original_dtype="float32",
                         header=dict(result.header),
                         notes=[h.removeprefix("Nebulayer: ") for h in result.history[:2]])
        self.stacked.emit((result.image, meta, result.output.stem))

    def _failed(self, message: str) -> None:
        self.stack_btn.setEnabled(True)
        self.scan_label.setText(message)

    def _cancelled(self) -> None:
        self.stack_btn.setEnabled(True)
        self.scan_label.setText(tr("Stacking cancelled."))
