"""Finding plugins: Python entry points and the user's plugins folder.

Two ways to install a plugin, both explicit user actions (a project file never brings code):

- a package installed with pip that declares an entry point in the ``nebulayer.plugins`` group
  pointing at a callable that returns the manifest (``mypkg:plugin_manifest``);
- a folder copied into the plugins folder: ``<plugins folder>/<name>/__init__.py`` defining
  ``plugin_manifest()``. Each is imported under its own unique module name, so two folders with
  the same name (or a folder shadowing an installed package) cannot collide; inside, use relative
  imports (``from .sharpen import sharpen``).

The plugins folder is ``$NEBULAYER_PLUGIN_DIR`` (several folders separated by ``os.pathsep``),
else ``plugins`` in the config folder of :mod:`editor.paths` (``~/.config/nebulayer/plugins`` on Linux).

As ssh does for its keys, a plugin whose code someone else could have changed is refused (with
a warning, listed by ``nebulayer plugins``) and never run: the plugins folder, the plugin's
folder or any file in it owned by another user (root excepted) or writable by others (or by a
group with other members).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import logging
import re
import stat
import sys
import traceback
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

from editor.locale import _

ENTRY_POINT_GROUP = "nebulayer.plugins"
BUILTIN_ENTRY_POINT = "filters:plugin_manifest"
MANIFEST_FUNCTION = "plugin_manifest"

# What third-party code may throw at us while loading: every Exception, and sys.exit().
# KeyboardInterrupt still stops the program, as the user asked.
PLUGIN_FAILURES = (Exception, SystemExit)
MAX_CHECKED_ENTRIES = 5000  # files looked at per plugin folder before giving up (refused)

log = logging.getLogger(__name__)


class UnsafePluginError(PermissionError):
    """A plugin folder others could write to: its code is not run."""


@dataclass(frozen=True)
class Candidate:
    """A plugin found but not loaded yet. ``load()`` runs its code and returns the manifest."""

    key: str  # entry point or folder name: names the plugin if it fails before giving an id
    origin: str  # shown to the user: where it comes from
    load: Callable[[], Any]
    builtin: bool = False


def default_plugin_folders() -> list[Path]:
    """The user's plugin folders, from the environment (they need not exist)."""
    env = os.environ.get("NEBULAYER_PLUGIN_DIR")
    if env:
        return [Path(p).expanduser().absolute() for p in env.split(os.pathsep) if p]
    from editor.paths import plugins_dir

    return [plugins_dir()]


def entry_point_candidates(eps: Iterable[EntryPoint] | None = None) -> list[Candidate]:
    """Candidates from installed distributions (built-in filters first, so they win ids)."""
    if eps is None:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    out = []
    for ep in eps:
        dist = getattr(ep, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else _("unknown distribution")
        out.append(Candidate(
            key=ep.name,
            origin=_("entry point {name} = {value} ({where})").format(name=ep.name, value=ep.value, where=where),
            load=_entry_point_loader(ep),
            builtin=ep.value.replace(" ", "") == BUILTIN_ENTRY_POINT,
        ))
    out.sort(key=lambda c: not c.builtin)  # stable: otherwise keeps the installed order
    return out


def folder_candidates(folders: Iterable[str | Path]) -> list[Candidate]:
    """One candidate per ``<folder>/<name>/__init__.py``, in name order; missing folders skipped."""
    out = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for sub in sorted(folder.iterdir()):
            if sub.name.startswith((".", "_")) or not (sub / "__init__.py").is_file():
                continue
            reason = unsafe_reason(folder, sub)
            if reason is not None:
                log.warning("plugin folder %s refused: %s", sub, reason)
                out.append(Candidate(key=sub.name, origin=f"folder {sub}", load=_refuse(reason)))
                continue
            out.append(Candidate(key=sub.name, origin=f"folder {sub}", load=_folder_loader(sub)))
    return out


def unsafe_reason(root: Path, plugin: Path) -> str | None:
    """Why ``plugin`` (inside the plugins folder ``root``) must not run, or None when only this
    user (or root) can change its code. POSIX only: Windows has ACLs, not mode bits."""
    if os.name != "posix":
        return None
    uid = os.getuid()
    entries: list[Path] = [root, plugin]
    for n, entry in enumerate(plugin.rglob("*")):
        if n >= MAX_CHECKED_ENTRIES:
            return _("more than {MAX_CHECKED_ENTRIES} files to check; refusing").format(MAX_CHECKED_ENTRIES=MAX_CHECKED_ENTRIES)
        entries.append(entry)
    for entry in entries:
        try:
            infos = [entry.lstat()]
            if stat.S_ISLNK(infos[0].st_mode):
                infos.append(entry.stat())  # the link's target is what gets run
        except OSError as exc:
            return _("cannot check {entry} ({strerror})").format(entry=entry, strerror=exc.strerror or exc)
        for st in infos:
            if stat.S_ISLNK(st.st_mode):
                continue  # a link's own mode bits mean nothing
            if st.st_uid not in (uid, 0):
                return _("{entry} belongs to another user (uid {st_uid})").format(entry=entry, st_uid=st.st_uid)
            if st.st_mode & stat.S_IWOTH:
                return _("{entry} is writable by every user (chmod o-w to allow it)").format(entry=entry)
            if st.st_mode & stat.S_IWGRP and not _private_group(st.st_gid):
                return _("{entry} is writable by its group (chmod g-w to allow it)").format(entry=entry)
    return None


def _private_group(gid: int) -> bool:
    """The user's own group with no other members (the Debian "user private group" scheme)."""
    import grp
    import pwd

    try:
        group = grp.getgrgid(gid)
        me = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return False
    return gid == os.getgid() and set(group.gr_mem) <= {me}


def _refuse(reason: str) -> Callable[[], Any]:
    def load() -> Any:
        raise UnsafePluginError(_("not loaded: {reason}").format(reason=reason))

    return load


def describe_failure(exc: BaseException) -> str:
    """One line for the user: the exception and where in the plugin's code it happened."""
    if isinstance(exc, UnsafePluginError):
        return str(exc)
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    frames = traceback.extract_tb(exc.__traceback__)
    if frames and not isinstance(exc, SyntaxError):
        last = frames[-1]
        text += f" (at {last.filename}:{last.lineno})"
    return text


def _entry_point_loader(ep: EntryPoint) -> Callable[[], Any]:
    def load() -> Any:
        target = ep.load()
        if not callable(target):
            raise TypeError(_("entry point {value} is not callable").format(value=ep.value))
        return target()

    return load


def _folder_loader(path: Path) -> Callable[[], Any]:
    def load() -> Any:
        module = import_folder(path)
        func = getattr(module, MANIFEST_FUNCTION, None)
        if not callable(func):
            raise AttributeError(_("{path} defines no {MANIFEST_FUNCTION}() function").format(path=path / '__init__.py', MANIFEST_FUNCTION=MANIFEST_FUNCTION))
        return func()

    return load


def module_name_for(path: Path) -> str:
    """A module name unique to this folder (its name plus a hash of its absolute path)."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    return f"nebulayer_plugin_{re.sub(r'[^0-9A-Za-z_]', '_', path.name)}_{digest}"


def import_folder(path: Path) -> ModuleType:
    """Import ``path/__init__.py`` as a package under :func:`module_name_for`, afresh."""
    name = module_name_for(path)
    # A rediscovery (tests, "reload plugins") must see the folder's current code.
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    spec = importlib.util.spec_from_file_location(
        name, path / "__init__.py", submodule_search_locations=[str(path)])
    if spec is None or spec.loader is None:
        raise ImportError(_("cannot import {path}").format(path=path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec, so relative imports inside the package work
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
