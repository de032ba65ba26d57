"""Crash recovery in the window: a timer that autosaves the dirty document off the UI thread.

Where the copies live, how they are named, who wrote them and which are leftovers of a crash is
:mod:`editor.project.recovery` (no Qt); the "Restore?" question is ``offer_leftovers`` in
:mod:`editor.ui.shell.app`.
"""

from __future__ import annotations

import logging
import threading
import weakref
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from editor.errors import NebulayerError
from editor.project.recovery import Leftover, RecoveryFile

log = logging.getLogger(__name__)

AUTOSAVE_MS = 120_000
#: Documents whose pixels pass this are not autosaved: a recovery copy embeds every source,
#: so a gigapixel mosaic would write ~13 GB every two minutes (minutes of disk each time).
AUTOSAVE_MAX_BYTES = 2 * 1024**3
_autosavers: weakref.WeakSet[Autosaver] = weakref.WeakSet()


def adopt_leftover(left: Leftover, autosaver: Autosaver) -> Path:
    """Make a leftover ``autosaver``'s own recovery file (see RecoveryFile.adopt)."""
    return autosaver.file.adopt(left)


def discard_recovery() -> None:
    """The documents just saved are on disk: drop this process's autosaves of clean documents."""
    for saver in list(_autosavers):
        doc = saver.document()
        if doc is None or not getattr(doc, "dirty", False):
            saver.discard()


class Autosaver(QObject):
    """Writes the dirty document to this instance's recovery file every ``interval_ms`` (2
    minutes), off the UI thread.

    Signal ``saved(path)`` after each successful write; ``failed(message)`` on an error (logged
    and shown in the status bar, never a dialog: autosave must not interrupt the user).
    """

    saved = pyqtSignal(str)
    failed = pyqtSignal(str)

    def __init__(self, get_doc: Any, interval_ms: int = AUTOSAVE_MS, parent: QObject | None = None,
                 pid: int | None = None) -> None:
        super().__init__(parent)
        self._get_doc = get_doc
        self._busy = threading.Lock()
        self._told: Any = None  # the document told it is too big to autosave
        self.file = RecoveryFile(pid)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        _autosavers.add(self)

    # The recovery file's identity, as attributes of the autosaver (tests pose as other editors).
    path = property(lambda self: self.file.path)
    sidecar = property(lambda self: self.file.sidecar)
    pid = property(lambda self: self.file.pid, lambda self, v: setattr(self.file, "pid", v))
    start_token = property(lambda self: self.file.start_token,
                           lambda self, v: setattr(self.file, "start_token", v))

    def document(self) -> Any:
        return self._get_doc()

    def save_now(self, wait: bool = False) -> None:
        doc = self._get_doc()
        if doc is None or not getattr(doc, "dirty", False):
            return
        size = sum(s.nbytes for s in getattr(doc, "sources", {}).values())
        if size > AUTOSAVE_MAX_BYTES:
            if self._told is not doc:  # said once per document, in the status bar
                self._told = doc
                from editor.io.budget import format_bytes
                from editor.ui.common.i18n import tr

                self.failed.emit(tr("Autosave is off for this document ({size} of pixels): "
                                    "save it with Ctrl+S").format(size=format_bytes(size)))
            return
        if not self._busy.acquire(blocking=False):
            return  # the previous autosave is still writing
        thread = threading.Thread(target=self._write, args=(doc,), daemon=True,
                                  name="nebulayer-autosave")
        thread.start()
        if wait:
            thread.join()

    def _write(self, doc: Any) -> None:
        try:
            self.file.write(doc)
        except (NebulayerError, OSError) as exc:
            log.warning("autosave failed: %s", exc)
            self.failed.emit(f"Autosave failed: {exc}")
        else:
            self.saved.emit(str(self.path))
        finally:
            self._busy.release()

    def discard(self) -> None:
        """Remove this instance's recovery file (never another instance's)."""
        with self._busy:  # not while a write is under way, or it would come back
            self.file.discard()

    def finish(self) -> None:
        """A clean exit: stop autosaving and remove this instance's files."""
        self.timer.stop()
        self.discard()
        _autosavers.discard(self)
