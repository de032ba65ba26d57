"""The "Open Recent" list, kept in QSettings (per user, survives restarts).

Adding a file is written by a background thread: resolving the path, checking the listed
files still exist and QSettings' locked write of the file touched the disk on the UI thread
right when a save or an open kept that disk busy (up to ~100 ms measured by
bench_ui_pauses.py). Reading the list first waits for those writes, so it is always current.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from PyQt6.QtCore import QSettings

MAX_RECENT = 10
KEY = "recent_files"
log = logging.getLogger(__name__)

_writes: "queue.Queue[tuple[str, str]]" = queue.Queue()
_writer_lock = threading.Lock()
_writer: threading.Thread | None = None


def settings(path: str | None = None) -> QSettings:
    """The UI's settings file, in the platform's config folder (editor.paths)."""
    from editor.paths import settings_file

    return QSettings(path or str(settings_file()), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    """Recently opened files that still exist, newest first."""
    _writes.join()  # additions still being written
    return _read(settings())


def _read(store: QSettings) -> list[str]:
    value = store.value(KEY, [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if Path(p).exists()][:MAX_RECENT]


def add_recent(path: str | Path) -> None:
    """Put ``path`` first in the list (written in the background)."""
    global _writer
    from editor.paths import settings_file

    _writes.put((str(settings_file()), str(path)))  # the settings file of now, not of later
    with _writer_lock:
        if _writer is None or not _writer.is_alive():
            _writer = threading.Thread(target=_write_loop, name="recent files", daemon=True)
            _writer.start()


def _write_loop() -> None:
    from editor.ui.common.thread_priority import lower_thread_priority

    lower_thread_priority()
    while True:
        store_path, path = _writes.get()
        try:
            store = settings(store_path)
            p = str(Path(path).resolve())
            items = [x for x in _read(store) if x != p]
            store.setValue(KEY, [p, *items][:MAX_RECENT])
            store.sync()
        except Exception as exc:  # noqa: BLE001 - a recent-files entry is never worth a crash
            log.warning("could not remember %s in the recent files: %s", path, exc)
        finally:
            _writes.task_done()


def clear_recent() -> None:
    _writes.join()
    settings().setValue(KEY, [])
