"""Crash-recovery copies: each running editor autosaves to its own file; the files of editors
that are no longer running are what a crash left behind.

An instance's copy is ``<recovery dir>/nebulayer-<pid>-<start ms>-<n>.nebula`` (an ordinary
project file, written atomically) with a JSON sidecar of the same name (``.json``) naming the
process (id and OS start time), the document's original path and the autosave time. Several
editors open at once therefore never overwrite each other's copy. A clean exit deletes only
the instance's own files; files whose process is gone (or whose process id now belongs to
another program, told apart by the OS start time) are leftovers.

A recovery copy is recognised by where it lives and by its sidecar, never by what the project
file says about itself: :func:`load_recovered` gives the document back its original path and
marks it unsaved only for a file in :func:`recovery_dir`.

No Qt here: the editor's window owns the timer and the "Restore?" question
(``editor.ui.shell.recovery``); everything else is here and scriptable.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any


from editor.io.atomic import atomic_path
from editor.io.processes import process_running, process_start_token

if TYPE_CHECKING:
    from editor.core.document import Document

log = logging.getLogger(__name__)

PREFIX = "nebulayer-"
_sequence = itertools.count(1)

__all__ = ["Leftover", "RecoveryFile", "discard_leftover", "load_recovered", "pending_recoveries",
           "process_running", "process_start_token", "recovery_dir"]


def recovery_dir() -> Path:
    """``recovery`` in Nebulayer's data folder (:func:`editor.paths.data_dir`:
    ``$NEBULAYER_DATA_DIR`` if set, else the platform's per-user data folder)."""
    from editor.paths import data_dir

    return data_dir() / "recovery"


# ----------------------------------------------------------------------------- leftovers

@dataclass(frozen=True)
class Leftover:
    """A recovery file left by an editor that is no longer running."""

    path: Path
    sidecar: Path
    original_path: str | None
    saved_at: float  # seconds since the epoch
    name: str | None = None  # the file the document came from (a project or an image)

    def describe(self) -> str:
        name = (Path(self.original_path).name if self.original_path
                else self.name or "an untitled document")
        when = _dt.datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M")
        return f"{name}, autosaved {when}"


def document_name(doc: Any) -> str | None:
    """The name to offer a document back under: its project's file name, else the file its
    base image was opened from (a document opened from ``M42.fits`` is "M42.fits", not
    "an untitled document")."""
    if getattr(doc, "path", None):
        return Path(doc.path).name
    sources = getattr(doc, "sources", {})
    src = sources.get(getattr(doc, "meta", {}).get("base_source", ""))
    if src is None:  # no base recorded: the first image layer's file
        src = next((s for s in sources.values() if getattr(s, "path", None)), None)
    return Path(src.path).name if src is not None and src.path else None


MAX_SIDECAR_BYTES = 64 * 1024


def _private_folder(folder: Path) -> bool:
    """Only this user (or root) can put files in ``folder``: otherwise another local user
    could plant a "leftover" whose sidecar names one of our files as its original."""
    if os.name != "posix":
        return True
    try:
        st = folder.stat()
    except OSError:
        return False
    return st.st_uid in (os.getuid(), 0) and not st.st_mode & 0o022


def ensure_recovery_dir(folder: Path | None = None) -> Path:
    """Create the recovery folder, private to the user (0700)."""
    folder = recovery_dir() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.stat()
    if os.name == "posix" and st.st_uid == os.getuid() and st.st_mode & 0o077 and not st.st_mode & 0o022:
        # Made by an older version with the umask's mode (readable by others). One that others
        # could write to stays as it is: what they may have planted there is never offered.
        os.chmod(folder, 0o700)
    return folder


def read_sidecar(sidecar: Path) -> dict[str, Any] | None:
    """The sidecar's record, or None (logged) when it cannot be read as a JSON object."""
    try:
        with open(sidecar, "rb") as fh:
            raw = fh.read(MAX_SIDECAR_BYTES + 1)
        if len(raw) > MAX_SIDECAR_BYTES:
            raise ValueError("larger than any sidecar Nebulayer writes")
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("unreadable recovery sidecar %s: %s", sidecar, exc)
        return None
    return data if isinstance(data, dict) else None


def _original_path(record: dict[str, Any] | None) -> str | None:
    original = (record or {}).get("original_path")
    return original if isinstance(original, str) and Path(original).is_absolute() else None


def pending_recoveries(folder: Path | None = None) -> list[Leftover]:
    """Recovery files of editors that are no longer running, newest first.

    Files of running editors (including this one) are never listed. A sidecar whose project
    file never appeared (the editor died before its first autosave finished) is removed.
    """
    folder = recovery_dir() if folder is None else folder
    found: list[Leftover] = []
    if folder.is_dir() and not _private_folder(folder):
        log.warning("recovery folder %s can be written by other users: its files are not offered "
                    "(chmod 700 it to get them back)", folder)
        return found
    for sidecar in sorted(folder.glob(f"{PREFIX}*.json")):
        data = read_sidecar(sidecar)
        if data is None:
            continue
        pid, token = data.get("pid"), data.get("start_token")
        if not isinstance(pid, int) or process_running(pid, token if isinstance(token, str) else None):
            continue
        nebula = sidecar.with_suffix(".nebula")
        if not nebula.is_file():
            remove_files(sidecar)
            continue
        saved = data.get("saved_at")
        name = data.get("name")
        found.append(Leftover(nebula, sidecar, _original_path(data),
                              float(saved) if isinstance(saved, (int, float)) else nebula.stat().st_mtime,
                              name=name[:255] if isinstance(name, str) else None))
    found.sort(key=lambda left: left.saved_at, reverse=True)
    return found


def discard_leftover(left: Leftover) -> None:
    """Delete a leftover recovery file and its sidecar (the user chose not to restore it)."""
    remove_files(left.path, left.sidecar)


def remove_files(*paths: Path | None) -> None:
    """Delete recovery files; one already gone is fine, another failure is only logged (a
    stale copy must never stop the editor from starting or closing)."""
    for p in paths:
        if p is None:
            continue
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove the recovery file %s: %s", p, exc)


def load_recovered(path: str | Path, **kw: Any) -> "Document":
    """Open a recovery copy as the document it protects: its original path (None for an
    untitled one, so "Save" asks where) and unsaved, since the file at that path is older.

    Only a file inside :func:`recovery_dir` with a readable sidecar counts as a recovery copy;
    any other file opens as the ordinary project it is.
    """
    from editor.project.archive import load_project

    path = Path(path)
    doc = load_project(path, **kw)
    sidecar = path.with_suffix(".json")
    in_folder = path.resolve().parent == recovery_dir().resolve()
    if not (in_folder and path.name.startswith(PREFIX) and sidecar.is_file()
            and _private_folder(path.parent)):
        return doc
    doc.path = _original_path(read_sidecar(sidecar))
    # The original path comes from a record, not from the user of this session: a plain
    # save() refuses it and the editor asks before writing there.
    doc.path_confirmed = doc.path is None
    # The core offers no "unsaved" setter; any token the history never reaches reads as dirty.
    doc._saved_token = -1
    return doc


# ----------------------------------------------------------------------------- this instance

class RecoveryFile:
    """This editor instance's own recovery copy and sidecar.

    ``pid``/``start_token`` name the writing process (settable, so a test can pose as another
    editor). :meth:`write` is safe to call from a worker thread; callers serialise writes.
    """

    def __init__(self, pid: int | None = None, folder: Path | None = None) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.start_token = process_start_token(self.pid)
        self.started_at = time.time()
        stem = f"{PREFIX}{self.pid}-{int(self.started_at * 1000)}-{next(_sequence)}"
        self.path = (recovery_dir() if folder is None else folder) / f"{stem}.nebula"
        self.sidecar = self.path.with_suffix(".json")

    def write_sidecar(self, original_path: str | None, name: str | None = None) -> None:
        """Who wrote the recovery file and what it holds; written before the file itself, so a
        recovery file never exists without its owner's name."""
        record = {"pid": self.pid, "start_token": self.start_token,
                  "started_at": self.started_at, "saved_at": time.time(),
                  "original_path": original_path, "name": name}
        ensure_recovery_dir(self.sidecar.parent)
        with atomic_path(self.sidecar) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")

    def write(self, doc: "Document") -> None:
        """Autosave ``doc`` (sidecar first); NebulayerError/OSError on failure."""
        self.write_sidecar(getattr(doc, "path", None), document_name(doc))
        doc.save_recovery(str(self.path))

    def adopt(self, left: Leftover) -> Path:
        """Make a leftover this instance's own copy and return its new path.

        Renamed, not copied: the file stays protected if this editor crashes too, its next
        autosave overwrites it, and a clean exit removes it.
        """
        self.write_sidecar(left.original_path, left.name)
        os.replace(left.path, self.path)
        remove_files(left.sidecar)
        return self.path

    def discard(self) -> None:
        """Remove this instance's files (never another instance's)."""
        remove_files(self.path, self.sidecar)
