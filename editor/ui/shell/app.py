"""Start the editor window: ``run_app(files)`` is what ``nebulayer`` (no sub-command) calls.

Without files it opens the bundled sample project (or an empty window saying where it should
be). After a crash it first offers the recovery files left by editors no longer running.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Sequence

from PyQt6.QtWidgets import QApplication, QMessageBox
from editor.ui.common.i18n import tr

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_PROJECT = REPO_ROOT / "samples" / "sample_project.nebula"
GIL_SWITCH_S = 0.001

log = logging.getLogger(__name__)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with Nebulayer's names, dark theme and exception hook (idempotent)."""
    import pyqtgraph as pg

    from editor.ui.common.error_dialogs import install_excepthook
    from editor.ui.shell.theme import apply_dark_theme

    pg.setConfigOptions(imageAxisOrder="row-major")
    # A worker running Python keeps the GIL up to this long before the UI thread may take it
    # back; the default 5 ms, paid at each hand-over, added up to tens of ms per repaint.
    sys.setswitchinterval(GIL_SWITCH_S)
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Nebulayer")
    app.setOrganizationName("Nebulayer")
    apply_dark_theme(app)  # type: ignore[arg-type]
    from editor.ui.common.i18n import install as install_language

    install_language(app)  # type: ignore[arg-type]
    install_excepthook()
    return app  # type: ignore[return-value]


def create_window(files: Sequence[str] = (), offer_recovery: bool = True, open_sample: bool = True,
                  open_options: dict | None = None):
    """The main window, opening ``files`` (or the sample project, or a recovery file);
    ``open_options``: the command line's --hdu/--plane/--debayer for those files."""
    from editor.ui.shell.main_window import MainWindow

    win = MainWindow()
    from editor.ui.common.thread_priority import lower_worker_threads

    lower_worker_threads()  # the render/tile workers the window started give way to the UI
    start_preload()
    win.files.open_options = dict(open_options or {})
    _sweep_interrupted_saves()
    if offer_recovery and offer_leftovers(win):
        return win
    if files:
        win.files.open_paths(list(files))
    elif open_sample and SAMPLE_PROJECT.is_file():
        win.files.open_paths([str(SAMPLE_PROJECT)])
    elif open_sample and _installed_sample() is not None:
        open_installed_sample(win)
    elif open_sample:
        win.statusBar().showMessage(
            tr('No sample project at {SAMPLE_PROJECT}: open an image with File > Open (Ctrl+O) or drop files on the window.').format(SAMPLE_PROJECT=SAMPLE_PROJECT))
    return win


#: What the first open and render import (~0.5 s, mostly astropy). Imported by the open job
#: itself, they held the GIL (and import locks the UI thread then also needed) for up to
#: ~150 ms at a time while the window was on screen (bench_ui_pauses.py, open phase), so a
#: low-priority thread imports them while the new window waits for the user's first action.
PRELOAD = ("editor.core.document", "editor.io.api", "editor.io.choices", "editor.io.fits_read",
           "editor.render.document_render", "editor.render.sky", "editor.astrometry.overlay",
           "editor.ui.shell.open_choice", "editor.ui.shell.trust_dialogs")
PRELOADED = threading.Event()


def start_preload() -> None:
    """Import :data:`PRELOAD` in the background (once); sets :data:`PRELOADED` when done."""
    global _preload_started
    if _preload_started:
        return
    _preload_started = True
    threading.Thread(target=_preload_modules, name="preload modules", daemon=True).start()


_preload_started = False


def _preload_modules() -> None:
    import importlib

    from editor.ui.common.thread_priority import lower_thread_priority

    lower_thread_priority()
    try:
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except ImportError as exc:  # an optional part missing: it says so when used
                log.info("not preloaded: %s (%s)", name, exc)
    finally:
        PRELOADED.set()


def _installed_sample() -> Path | None:
    """Where an installed Nebulayer (no repository checkout beside the package) keeps its own
    self-contained sample project, in the user's data folder; None in a checkout."""
    if (REPO_ROOT / "samples" / "generate_samples.py").is_file():
        return None  # a checkout: its samples/ folder is the sample
    from editor.sample_data import user_sample_path

    return user_sample_path()


def open_installed_sample(win):
    """Open the installed sample; on the first start it is built first (~3 s) as a job with
    progress and Cancel, so the new window never freezes. Returns the job (None: opened)."""
    from editor.sample_data import user_sample_project
    from editor.ui.common.job_runner import run_job

    path = _installed_sample()
    if path is None:
        return None
    if path.is_file():
        win.files.open_paths([str(path)])
        return None

    def built(made: Path) -> None:
        if win.model.doc is None:  # the user did not open something else meanwhile
            win.files.open_paths([str(made)])

    def failed(message: str) -> None:
        log.warning("could not make the sample project: %s", message)
        win.statusBar().showMessage(tr("Could not make the sample project ({message}): open an image "
                                       "with File > Open (Ctrl+O).").format(message=message))

    win.sample_job = run_job(win, tr("Preparing the sample project (first start)…"),
                             lambda progress: _build_sample(user_sample_project, progress),
                             built, failed)
    return win.sample_job


def _build_sample(make, progress) -> Path:
    try:
        return make(progress)
    except OSError as exc:  # a read-only or full data folder: one line, no traceback
        from editor.errors import NebulayerError

        raise NebulayerError(str(exc)) from None


def _sweep_interrupted_saves() -> None:
    """Temp files of saves killed mid-write (their writer is gone) in the folders of recent
    files and of recovery copies: removed at the next start, in the background."""
    from editor.io.atomic import sweep_in_background
    from editor.project.recovery import recovery_dir
    from editor.ui.shell.recent_files import recent_files

    sweep_in_background([recovery_dir(), *(Path(p).parent for p in recent_files())])


def offer_leftovers(win) -> bool:
    """Offer, newest first, the autosaves of editors that did not exit cleanly; True when one
    was restored into ``win``.

    Each is restored, kept for a later start, or discarded. Restoring stops the questions: the
    window holds one document, and the others stay on disk for the next start.
    """
    from editor.project.recovery import discard_leftover, pending_recoveries
    from editor.ui.shell.recovery import adopt_leftover

    SB = QMessageBox.StandardButton
    leftovers = pending_recoveries()
    for i, left in enumerate(leftovers):
        more = len(leftovers) - i - 1
        answer = QMessageBox.question(
            win, tr("Recover unsaved work?"),
            _describe_leftover(left)
            + (tr("\n{more} older autosave(s) follow; restoring this one keeps them for the "
                  "next start.").format(more=more) if more else ""),
            SB.Yes | SB.No | SB.Discard, SB.Yes)
        if answer == SB.Yes:
            try:
                path = adopt_leftover(left, win.autosaver)
            except OSError as exc:
                log.warning("could not take over %s: %s", left.path, exc)
                path = left.path  # still restorable from where it is
            win.files.open_recovered(str(path))
            return True
        if answer == SB.Discard:
            discard_leftover(left)
    return False


def _describe_leftover(left) -> str:
    """The recovery question, with the date and time written the locale's way."""
    import datetime

    from editor.ui.common.i18n import format_datetime

    name = (Path(left.original_path).name if left.original_path
            else left.name or tr("an untitled document"))
    when = format_datetime(datetime.datetime.fromtimestamp(left.saved_at))
    return tr("Nebulayer did not close cleanly. Restore the autosaved document ({name}, autosaved "
              "{when})?\n\nNo keeps it for a later start; Discard deletes it.").format(name=name, when=when)


def run_app(files: list[str], open_options: dict | None = None) -> int:
    """Run the editor until its window closes; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    win = create_window(files, open_options=open_options)
    win.show()
    return int(app.exec())
