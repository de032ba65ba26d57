"""Start the editor window: ``run_app(files)`` is what ``nebulayer`` (no sub-command) calls.

Without files it opens the bundled sample project (or an empty window saying where it should
be). After a crash it offers the autosaved recovery file first.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

from PyQt6.QtWidgets import QApplication, QMessageBox

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROJECT = REPO_ROOT / "samples" / "sample_project.nebula"

log = logging.getLogger(__name__)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with Nebulayer's names, dark theme and exception hook (idempotent)."""
    import pyqtgraph as pg

    from editor.ui.error_dialogs import install_excepthook
    from editor.ui.theme import apply_dark_theme

    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Nebulayer")
    app.setOrganizationName("Nebulayer")
    apply_dark_theme(app)  # type: ignore[arg-type]
    install_excepthook()
    return app  # type: ignore[return-value]


def create_window(files: Sequence[str] = (), offer_recovery: bool = True, open_sample: bool = True):
    """The main window, opening ``files`` (or the sample project, or a recovery file)."""
    from editor.ui.main_window import MainWindow
    from editor.ui.recovery import discard_recovery, pending_recovery

    win = MainWindow()
    recovered = pending_recovery() if offer_recovery else None
    if recovered is not None:
        answer = QMessageBox.question(
            win, "Recover unsaved work?",
            "Nebulayer did not close cleanly last time. Restore the autosaved document?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            win.files.open_paths([str(recovered)], remember=False)
            return win
        discard_recovery()
    if files:
        win.files.open_paths(list(files))
    elif open_sample and SAMPLE_PROJECT.is_file():
        win.files.open_paths([str(SAMPLE_PROJECT)])
    elif open_sample:
        win.statusBar().showMessage(
            f"No sample project at {SAMPLE_PROJECT}: open an image with File > Open (Ctrl+O) "
            "or drop files on the window.")
    return win


def run_app(files: list[str]) -> int:
    """Run the editor until its window closes; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    win = create_window(files)
    win.show()
    return int(app.exec())
