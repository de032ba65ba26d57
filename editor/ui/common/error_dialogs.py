"""One path for problems: log them, show one clear dialog, keep the application running.

User-facing errors (:class:`editor.errors.NebulayerError`) carry a one-line message naming the
file and the problem; that message is shown as is. Anything else is a bug: the global
exception hook logs the traceback and shows a dialog instead of letting Qt abort the process.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PyQt6.QtWidgets import QApplication, QMessageBox, QWidget
from editor.ui.common.i18n import tr

log = logging.getLogger("nebulayer.ui")


def show_error(parent: QWidget | None, message: str, title: str = "Nebulayer") -> None:
    """A modal error dialog with ``message``."""
    log.warning("%s", message)
    QMessageBox.critical(parent, title, message)


def _hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unexpected error:\n%s", text)
    print(text, file=sys.stderr)
    if QApplication.instance() is None:
        return
    from editor.errors import NebulayerError

    if isinstance(exc, NebulayerError):
        show_error(QApplication.activeWindow(), str(exc))
        return
    box = QMessageBox(QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(tr("Nebulayer: unexpected error"))
    box.setText(tr('An unexpected error happened: {__name__}: {exc}\n\nYour document is still open; saving it under a new name is advised.').format(__name__=exc_type.__name__, exc=exc))
    box.setDetailedText(text)
    box.exec()


def install_excepthook() -> None:
    """Route uncaught exceptions (including those raised in Qt slots) to a dialog."""
    sys.excepthook = _hook
