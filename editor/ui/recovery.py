"""Crash recovery: autosave the document to a recovery file, offer it back after a crash.

While the document has unsaved changes it is written every ``interval`` (2 minutes) to
``<user data dir>/recovery/recovery.nebula`` (an ordinary project file, written atomically by
the core). A clean exit deletes it; so if it exists when the editor starts, the previous
session did not end cleanly and the user is offered to restore it.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QStandardPaths, QTimer, pyqtSignal

from editor.errors import NebulayerError

log = logging.getLogger(__name__)

AUTOSAVE_MS = 120_000


def recovery_dir() -> Path:
    """``$NEBULAYER_DATA_DIR/recovery`` if set, else the platform's per-user data folder."""
    base = os.environ.get("NEBULAYER_DATA_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home() / ".nebulayer")
    return Path(base) / "recovery"


def recovery_path() -> Path:
    return recovery_dir() / "recovery.nebula"


def pending_recovery() -> Path | None:
    """The recovery file left by a session that did not exit cleanly, if any."""
    p = recovery_path()
    return p if p.is_file() else None


def discard_recovery() -> None:
    try:
        recovery_path().unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove the recovery file: %s", exc)


class Autosaver(QObject):
    """Writes the dirty document to the recovery file on a timer, off the UI thread.

    Signal ``saved(path)`` after each successful write; ``failed(message)`` on an error (logged
    and shown in the status bar, never a dialog: autosave must not interrupt the user).
    """

    saved = pyqtSignal(str)
    failed = pyqtSignal(str)

    def __init__(self, get_doc: Any, interval_ms: int = AUTOSAVE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._get_doc = get_doc
        self._busy = threading.Lock()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    def save_now(self, wait: bool = False) -> None:
        doc = self._get_doc()
        if doc is None or not getattr(doc, "dirty", False):
            return
        if not self._busy.acquire(blocking=False):
            return  # the previous autosave is still writing
        path = recovery_path()
        thread = threading.Thread(target=self._write, args=(doc, path), daemon=True,
                                  name="nebulayer-autosave")
        thread.start()
        if wait:
            thread.join()

    def _write(self, doc: Any, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            doc.save_recovery(str(path))
        except (NebulayerError, OSError) as exc:
            log.warning("autosave failed: %s", exc)
            self.failed.emit(f"Autosave failed: {exc}")
        else:
            self.saved.emit(str(path))
        finally:
            self._busy.release()
