"""Crash recovery: each running editor autosaves to its own recovery file; leftovers of editors
that are no longer running are offered back at start.

While the document has unsaved changes it is written every ``interval`` (2 minutes) to
``<user data dir>/recovery/nebulayer-<pid>-<start ms>-<n>.nebula`` (an ordinary project file,
written atomically by the core) with a JSON sidecar of the same name (``.json``) naming the
process (id and OS start time), the document's original path and the autosave time. Several
editors open at once therefore never overwrite each other's autosave. A clean exit deletes only
the instance's own files; files whose process is gone (or whose process id now belongs to
another program, told apart by the OS start time) are what a crash left behind.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QStandardPaths, QTimer, pyqtSignal

from editor.errors import NebulayerError
from editor.io.atomic import atomic_path

log = logging.getLogger(__name__)

AUTOSAVE_MS = 120_000
_PREFIX = "nebulayer-"
_sequence = itertools.count(1)
_autosavers: weakref.WeakSet[Autosaver] = weakref.WeakSet()


def recovery_dir() -> Path:
    """``$NEBULAYER_DATA_DIR/recovery`` if set, else the platform's per-user data folder."""
    base = os.environ.get("NEBULAYER_DATA_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home() / ".nebulayer")
    return Path(base) / "recovery"


# ----------------------------------------------------------------------------- processes

def process_start_token(pid: int) -> str | None:
    """The OS start time of process ``pid`` (Linux ``/proc``), None when unknown or a zombie.

    Together with the pid it identifies one process: a reused pid has another start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may contain spaces and ')'
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]  # field 22 of proc(5), "starttime"


def _windows_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def process_running(pid: int, start_token: str | None) -> bool:
    """Whether the process that wrote a recovery file still runs (when unsure: yes)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        if not _windows_alive(pid):
            return False
    else:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # exists, owned by someone else: only the start time can tell
    if start_token is not None and os.path.isdir("/proc"):
        # Linux: a missing token now means a zombie (gone); a different one, a reused pid.
        return process_start_token(pid) == start_token
    return True


# ----------------------------------------------------------------------------- leftovers

@dataclass(frozen=True)
class Leftover:
    """A recovery file left by an editor that is no longer running."""

    path: Path
    sidecar: Path
    original_path: str | None
    saved_at: float  # seconds since the epoch

    def describe(self) -> str:
        name = Path(self.original_path).name if self.original_path else "an untitled document"
        when = _dt.datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M")
        return f"{name}, autosaved {when}"


def _read_sidecar(sidecar: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("unreadable recovery sidecar %s: %s", sidecar, exc)
        return None
    return data if isinstance(data, dict) else None


def pending_recoveries() -> list[Leftover]:
    """Recovery files of editors that are no longer running, newest first.

    Files of running editors (including this one) are never listed.
    """
    folder = recovery_dir()
    found: list[Leftover] = []
    for sidecar in sorted(folder.glob(f"{_PREFIX}*.json")):
        data = _read_sidecar(sidecar)
        if data is None:
            continue
        pid, token = data.get("pid"), data.get("start_token")
        if not isinstance(pid, int) or process_running(pid, token if isinstance(token, str) else None):
            continue
        nebula = sidecar.with_suffix(".nebula")
        if not nebula.is_file():  # the instance died before its first autosave finished
            with contextlib.suppress(OSError):
                sidecar.unlink()
            continue
        original = data.get("original_path")
        saved = data.get("saved_at")
        found.append(Leftover(nebula, sidecar, original if isinstance(original, str) else None,
                              float(saved) if isinstance(saved, (int, float)) else nebula.stat().st_mtime))
    found.sort(key=lambda left: left.saved_at, reverse=True)
    return found


def discard_leftover(left: Leftover) -> None:
    """Delete a leftover recovery file and its sidecar (the user chose not to restore it)."""
    _remove(left.path, left.sidecar)


def adopt_leftover(left: Leftover, autosaver: Autosaver) -> Path:
    """Make a leftover this instance's own recovery file and return its new path.

    Renamed, not copied: the file stays protected if this editor crashes too, its next autosave
    overwrites it, and a clean exit removes it.
    """
    autosaver.write_sidecar(left.original_path)
    os.replace(left.path, autosaver.path)
    _remove(left.sidecar)
    return autosaver.path


def discard_recovery() -> None:
    """The documents just saved are on disk: drop this process's autosaves of clean documents."""
    for saver in list(_autosavers):
        doc = saver.document()
        if doc is None or not getattr(doc, "dirty", False):
            saver.discard()


def _remove(*paths: Path | None) -> None:
    for p in paths:
        if p is None:
            continue
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove the recovery file %s: %s", p, exc)


# ----------------------------------------------------------------------------- autosaving

class Autosaver(QObject):
    """Writes the dirty document to this instance's recovery file on a timer, off the UI thread.

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
        self.pid = os.getpid() if pid is None else pid
        self.start_token = process_start_token(self.pid)
        self.started_at = time.time()
        stem = f"{_PREFIX}{self.pid}-{int(self.started_at * 1000)}-{next(_sequence)}"
        self.path = recovery_dir() / f"{stem}.nebula"
        self.sidecar = self.path.with_suffix(".json")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        _autosavers.add(self)

    def document(self) -> Any:
        return self._get_doc()

    def save_now(self, wait: bool = False) -> None:
        doc = self._get_doc()
        if doc is None or not getattr(doc, "dirty", False):
            return
        if not self._busy.acquire(blocking=False):
            return  # the previous autosave is still writing
        thread = threading.Thread(target=self._write, args=(doc,), daemon=True,
                                  name="nebulayer-autosave")
        thread.start()
        if wait:
            thread.join()

    def write_sidecar(self, original_path: str | None) -> None:
        """Who wrote the recovery file and what it holds; written before the file itself, so a
        recovery file never exists without its owner's name."""
        record = {"pid": self.pid, "start_token": self.start_token,
                  "started_at": self.started_at, "saved_at": time.time(),
                  "original_path": original_path}
        self.sidecar.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.sidecar) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")

    def _write(self, doc: Any) -> None:
        try:
            self.write_sidecar(getattr(doc, "path", None))
            doc.save_recovery(str(self.path))
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
            _remove(self.path, self.sidecar)

    def finish(self) -> None:
        """A clean exit: stop autosaving and remove this instance's files."""
        self.timer.stop()
        self.discard()
        _autosavers.discard(self)
