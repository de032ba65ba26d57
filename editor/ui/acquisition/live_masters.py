"""The live stack's calibration row in the Live view box: master dark / flat files picked by
hand, or this session's masters (found in ``<session>/masters``, else built from the session's
darks, flats and bias and saved there). Reading or building masters runs as a job; the
controller (:meth:`AcquisitionController.set_live_masters`) applies them from the next frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PyQt6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from editor.ui.common.i18n import tr
from editor.ui.common.job_runner import run_job

KINDS = ("dark", "flat", "bias")


class LiveMastersBox(QWidget):
    """Buttons "Master dark…", "Master flat…", "This session's masters", "No calibration" and a
    line saying what calibrates the live stack (or why a file was refused)."""

    def __init__(self, parent: QWidget | None = None,
                 session_folder: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.session_folder = session_folder
        self.paths: dict[str, str] = {}
        self.job: Any = None
        self._controller: Any = None
        self.dark_btn = QPushButton(tr("Master dark…"))
        self.flat_btn = QPushButton(tr("Master flat…"))
        self.session_btn = QPushButton(tr("This session's masters"))
        self.session_btn.setToolTip(tr("Use the masters in the session folder's 'masters' "
                                       "folder; missing ones are built from its darks, flats "
                                       "and bias"))
        self.clear_btn = QPushButton(tr("No calibration"))
        self.label = QLabel(tr("Live stack calibration: none"))
        self.label.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.dark_btn, self.flat_btn, self.session_btn, self.clear_btn):
            row.addWidget(w)
        self.dark_btn.clicked.connect(lambda: self.choose("dark"))
        self.flat_btn.clicked.connect(lambda: self.choose("flat"))
        self.session_btn.clicked.connect(self.use_session)
        self.clear_btn.clicked.connect(lambda: self.apply({}))

    def attach(self, controller: Any) -> None:
        self._controller = controller

    def _start_folder(self) -> str:
        if self.paths:
            return str(Path(next(iter(self.paths.values()))).parent)
        return self.session_folder() if self.session_folder else ""

    def choose(self, kind: str) -> None:
        title = tr("Master dark") if kind == "dark" else tr("Master flat")
        path, _ = QFileDialog.getOpenFileName(self, title, self._start_folder(),
                                              tr("FITS files (*.fits *.fit *.fts)"))
        if path:
            self.apply({**self.paths, kind: path})

    def apply(self, paths: dict[str, str]):
        """Hand ``paths`` (kind -> master file) to the controller as a job; the line shows
        what is in use, or the one-line reason a file was refused (the old masters stay)."""
        if self._controller is None:
            return None
        controller = self._controller

        def done(text: str) -> None:
            self.paths = dict(paths)
            self.label.setText(tr("Live stack calibration: {0}").format(text))

        return self._run(tr("Reading masters"),
                         lambda progress: controller.set_live_masters(**paths), done)

    def use_session(self):
        """Find or build this session's masters (a job), then use them."""
        folder = self.session_folder() if self.session_folder else ""
        if not folder:
            self.label.setText(tr("No session folder"))
            return None
        from editor.stacking.session import session_masters

        def found(masters: dict) -> None:
            self.apply({k: str(v) for k, v in masters.items() if k in KINDS})

        return self._run(tr("Session masters"),
                         lambda progress: session_masters(folder, progress=progress), found)

    def _run(self, title: str, fn: Callable, on_done: Callable) -> Any:
        self._set_enabled(False)

        def finished(result: Any) -> None:
            self._set_enabled(True)
            on_done(result)

        def failed(message: str) -> None:
            self._set_enabled(True)
            self.label.setText(message)

        self.job = run_job(self, title, fn, finished, failed)
        return self.job

    def _set_enabled(self, on: bool) -> None:
        for w in (self.dark_btn, self.flat_btn, self.session_btn, self.clear_btn):
            w.setEnabled(on)
