"""Atomic file writes: an existing file is replaced whole or not at all, and a writer killed
mid-save leaves nothing behind for long.

The temporary file sits beside the target (so the final ``os.replace`` is a same-filesystem
rename) under a hidden name that identifies its writer: ``.<name>.nbtmp-<pid>-<start>-<rand><ext>``
where ``<start>`` is the process's OS start time. :func:`sweep_stale_temps` removes the temp
files of writers that are gone (the pid is dead or now belongs to a process started at another
time); it runs before every save into a folder and when a project in it is opened, so a
``kill -9`` during a save costs disk space only until the next save or start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from editor.io.processes import own_token, process_running
from editor.locale import _

log = logging.getLogger(__name__)

_MARK = ".nbtmp-"
_TEMP_RE = re.compile(r"^\..*\.nbtmp-(\d+)-(\d+)-[0-9a-f]{8}(\.[^.]*)?$")
# Before writer-identifying names: ".<name>.<mkstemp chars>.tmp<ext>"; only removed when old,
# since their writer cannot be told.
_LEGACY_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.[^.]*)?$")
_LEGACY_AGE_S = 24 * 3600


def temp_path_for(target: str | Path) -> Path:
    """A fresh writer-identifying temp name beside ``target`` (same extension, for writers
    that pick the format from the name)."""
    target = Path(target)
    stem = target.name[:100]  # keeps the whole name under the 255-byte limit
    name = f".{stem}{_MARK}{os.getpid()}-{own_token()}-{secrets.token_hex(4)}{target.suffix[:16]}"
    return target.with_name(name)


def create_temp_for(target: str | Path) -> tuple[Path, int]:
    """Create the temp file (exclusively, mode 0666 minus the umask) and return (path, fd)."""
    for _ in range(16):
        tmp = temp_path_for(target)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(_("no free temporary name beside {target}").format(target=target))


def is_temp_name(name: str) -> bool:
    return _TEMP_RE.match(name) is not None


def sweep_stale_temps(folder: str | Path) -> list[Path]:
    """Remove temp files in ``folder`` whose writer is gone; returns what was removed.

    Never raises: a folder we cannot list or a file we cannot remove is only logged.
    """
    removed: list[Path] = []
    folder = Path(folder) if str(folder) else Path(".")
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        try:
            if m is not None:
                pid, token = int(m.group(1)), m.group(2)
                if process_running(pid, None if token == "0" else token):
                    continue
            elif _LEGACY_RE.match(entry.name) is not None and entry.is_file(follow_symlinks=False):
                if now - entry.stat(follow_symlinks=False).st_mtime < _LEGACY_AGE_S:
                    continue
            else:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except FileNotFoundError:
            continue  # its writer finished or another sweep got there first
        except OSError as exc:
            log.warning("could not remove the leftover temporary file %s: %s", entry.path, exc)
    if removed:
        log.info("removed %d temporary file(s) left by interrupted saves in %s", len(removed), folder)
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success fsync it and rename over ``path``.

    On any exception the temporary file is removed and the original, if any, is untouched. A
    new file gets the usual mode (0666 minus the umask); a replaced file keeps its mode.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    sweep_stale_temps(folder)
    tmp, fd = create_temp_for(target)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
        fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (not possible on Windows, harmless to skip there)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return  # some file systems cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sweep_in_background(folders: Iterable[str | Path]) -> threading.Thread:
    """At the editor's start: sweep the folders the user worked in (recent files, recovery)
    without delaying the window (a slow network folder must not block it)."""
    unique = list(dict.fromkeys(Path(f) for f in folders))

    def run() -> None:
        for folder in unique:
            sweep_stale_temps(folder)

    thread = threading.Thread(target=run, name="nebulayer-temp-sweep", daemon=True)
    thread.start()
    return thread
