"""The one registry of operations, readers and writers: built-ins and plugins alike.

The built-in filters come in through the ``nebulayer.plugins`` entry point
``builtin = "filters:plugin_manifest"``, exactly as a third-party plugin does, so there is one
path. See :mod:`editor.plugins.manifest` for the manifest format and
:mod:`editor.plugins.discovery` for where plugins are found.

Loading never stops at a broken plugin: one that fails to import, whose manifest is invalid or
whose ids clash with an earlier one is kept in :attr:`Registry.plugins` with ``error`` set and
contributes nothing; the others load normally.

Tests inject their own registry::

    reg = Registry.discover(entry_points=[...], folders=[tmp_path])
    with using_registry(reg):
        ...   # get_registry() returns reg here
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, Iterable, Iterator

from editor.core import services
from editor.locale import _
from editor.plugins.discovery import (
    ENTRY_POINT_GROUP,
    PLUGIN_FAILURES,
    Candidate,
    default_plugin_folders,
    describe_failure,
    entry_point_candidates,
    folder_candidates,
)
from editor.plugins.manifest import ManifestError, ReaderSpec, WriterSpec, validate_manifest
from filters.registry import Category, FilterSpec

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "Registry", "get_registry", "set_registry",
           "using_registry", "provenance", "describe_installed"]

log = logging.getLogger(__name__)


@dataclass
class PluginInfo:
    """What ``nebulayer plugins`` shows about one plugin, loaded or not."""

    id: str
    name: str
    version: str
    origin: str  # "entry point <name> = <target> (<dist> <version>)" or "folder <path>"
    filters: list[str] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)  # extensions
    writers: list[str] = field(default_factory=list)
    error: str | None = None  # why it contributes nothing; None when loaded
    warnings: list[str] = field(default_factory=list)
    builtin: bool = False

    @property
    def loaded(self) -> bool:
        return self.error is None


class Registry:
    """Filters (by id), readers and writers (by extension) and the plugins that gave them."""

    def __init__(self) -> None:
        self._filters: dict[str, FilterSpec] = {}
        self._filter_owner: dict[str, PluginInfo] = {}
        self.readers: dict[str, tuple[PluginInfo, ReaderSpec]] = {}
        self.writers: dict[str, tuple[PluginInfo, WriterSpec]] = {}
        self.plugins: list[PluginInfo] = []
        self.folders: list[Path] = []  # the plugin folders searched (for the listing)
        self._lock = threading.RLock()

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def discover(cls, entry_points: Iterable[EntryPoint] | None = None,
                 folders: Iterable[str | Path] | None = None) -> "Registry":
        """Load every plugin found. ``None`` means the real entry points / the user's folders.

        Pass ``entry_points=[]`` and ``folders=[]`` for an empty registry.
        """
        reg = cls()
        folders = default_plugin_folders() if folders is None else [Path(f) for f in folders]
        reg.folders = folders
        for cand in entry_point_candidates(entry_points) + folder_candidates(folders):
            reg.load_candidate(cand)
        return reg

    def load_candidate(self, cand: Candidate) -> PluginInfo:
        """Run a found plugin's code, then register its manifest; failures are recorded."""
        try:
            raw = cand.load()
        except PLUGIN_FAILURES as exc:  # third-party code: anything can come out of it
            log.warning("plugin %s (%s) failed to load", cand.key, cand.origin, exc_info=exc)
            return self._record_failure(cand.key, cand.origin, _("failed to load: {error}").format(error=describe_failure(exc)))
        return self.add_manifest(raw, cand.origin, builtin=cand.builtin, key=cand.key)

    def add_manifest(self, manifest: Any, origin: str, *, builtin: bool = False,
                     key: str | None = None) -> PluginInfo:
        """Validate and register one manifest. Never raises for a bad manifest: the returned
        :class:`PluginInfo` has ``error`` set instead and nothing of it is registered."""
        raw_id = manifest.get("id") if isinstance(manifest, dict) else None
        fallback = str(raw_id or key or "?")
        try:
            m = validate_manifest(manifest, keep_source=builtin)
        except ManifestError as exc:
            return self._record_failure(fallback, origin, _("invalid manifest: {error}").format(error=exc))
        except PLUGIN_FAILURES as exc:  # odd objects in the manifest (unhashable ids, ...)
            return self._record_failure(fallback, origin, _("invalid manifest: {error}").format(error=describe_failure(exc)))
        with self._lock:
            clash = self._clashes(m)
            if clash:
                info = self._record_failure(m.id, origin, clash)
                info.name, info.version = m.name, m.version
                return info
            info = PluginInfo(id=m.id, name=m.name, version=m.version, origin=origin,
                              warnings=list(m.warnings), builtin=builtin)
            for spec in m.filters:
                self._filters[spec.id] = spec
                self._filter_owner[spec.id] = info
                info.filters.append(spec.id)
            for r in m.readers:
                for ext in r.extensions:
                    self.readers[ext] = (info, r)
                    info.readers.append(ext)
            for w in m.writers:
                for ext in w.extensions:
                    self.writers[ext] = (info, w)
                    info.writers.append(ext)
            self.plugins.append(info)
        return info

    def _clashes(self, m: Any) -> str | None:
        for other in self.plugins:
            if other.loaded and other.id == m.id:
                return _("plugin id {id!r} is already provided by {origin}; not loaded").format(id=m.id, origin=other.origin)
        for spec in m.filters:
            if spec.id in self._filters:
                owner = self._filter_owner[spec.id]
                return _("filter id {id!r} is already provided by plugin {owner!r}; not loaded").format(id=spec.id, owner=owner.id)
        for kind, specs, table in (("reader", m.readers, self.readers), ("writer", m.writers, self.writers)):
            for s in specs:
                taken = [e for e in s.extensions if e in table]
                if taken:
                    said = (_("a reader for {extension} is already provided by plugin {owner!r}; not loaded")
                            if kind == "reader" else
                            _("a writer for {extension} is already provided by plugin {owner!r}; not loaded"))
                    return said.format(extension=taken[0], owner=table[taken[0]][0].id)
        return None

    def _record_failure(self, pid: str, origin: str, error: str) -> PluginInfo:
        info = PluginInfo(id=pid, name=pid, version="?", origin=origin, error=error)
        with self._lock:
            self.plugins.append(info)
        log.warning("plugin %s (%s): %s", pid, origin, error)
        return info

    # -- queries used by the core, the UI and the CLI ----------------------------------------
    def get(self, filter_id: str) -> FilterSpec | None:
        """The operation with this id, or None (a missing plugin: render as pass-through)."""
        return self._filters.get(filter_id)

    def specs(self, category: Category | None = None) -> list[FilterSpec]:
        """All operations (of one category), built-ins first, in registration order."""
        return [s for s in self._filters.values() if category is None or s.category == category]

    def plugin(self, plugin_id: str) -> PluginInfo | None:
        """The loaded plugin with this id, else the last failed attempt with it, else None."""
        found = [p for p in self.plugins if p.id == plugin_id]
        loaded = [p for p in found if p.loaded]
        return (loaded or found or [None])[-1]

    def provider(self, filter_id: str) -> PluginInfo | None:
        """The plugin that provides a filter (the built-in one included)."""
        return self._filter_owner.get(filter_id)

    def provenance(self, filter_id: str) -> tuple[str, str] | None:
        """``(plugin_id, plugin_version)`` for a filter from a third-party plugin.

        None for built-in filters and for ids nobody provides. The core stores the pair in the
        project for adjustment layers and generated masks made by a plugin.
        """
        owner = self._filter_owner.get(filter_id)
        if owner is None or owner.builtin:
            return None
        return owner.id, owner.version

    def missing_reason(self, filter_id: str, plugin_id: str | None = None,
                       plugin_version: str | None = None) -> str:
        """One line telling the user why ``filter_id`` is unavailable and what to install."""
        if filter_id in self._filters:
            return ""
        if not plugin_id:
            return _("'{filter_id}' is not available in this Nebulayer (no plugin provides it)").format(filter_id=filter_id)
        wanted = f"plugin '{plugin_id}'" + (f" {plugin_version}" if plugin_version else "")
        info = self.plugin(plugin_id)
        if info is None:
            return _("'{filter_id}' needs {wanted}, which is not installed").format(filter_id=filter_id, wanted=wanted)
        if info.error:
            return _("'{filter_id}' needs {wanted}, which failed to load: {error}").format(filter_id=filter_id, wanted=wanted, error=info.error)
        return (_("'{filter_id}' needs {wanted}; the installed version {version} "
                "does not provide it").format(filter_id=filter_id, wanted=wanted, version=info.version))

    def describe(self) -> str:
        """A plain-text listing: one block per plugin, errors included."""
        if not self.plugins:
            return _("No plugins found (not even the built-in filters: is Nebulayer installed?)")
        lines = []
        for p in self.plugins:
            status = "" if p.loaded else "  " + _("[NOT LOADED]")
            lines.append(f"{p.id} {p.version} - {p.name}{status}")
            lines.append("    " + _("from: {origin}").format(origin=p.origin))
            if p.filters:
                lines.append("    " + _("filters: {ids}").format(ids=", ".join(p.filters)))
            if p.readers:
                lines.append("    " + _("reads: {extensions}").format(extensions=" ".join(p.readers)))
            if p.writers:
                lines.append("    " + _("writes: {extensions}").format(extensions=" ".join(p.writers)))
            if p.error:
                lines.append("    " + _("error: {error}").format(error=p.error))
            lines.extend("    " + _("warning: {warning}").format(warning=w) for w in p.warnings)
        ok = sum(p.loaded for p in self.plugins)
        searched = ", ".join(map(str, self.folders)) or _("none")
        lines.append(_("{loaded} loaded, {failed} failed; plugin folders: {folders}").format(
            loaded=ok, failed=len(self.plugins) - ok, folders=searched))
        return "\n".join(lines)

    def install_io(self, formats: Any = None) -> None:
        """Hook this registry's readers and writers into ``editor.io``'s extension table."""
        from editor.plugins.io_hooks import install

        install(self, formats)


_registry: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, discovered on first use (plugin readers/writers hooked in)."""
    global _registry
    with _lock:
        if _registry is None:
            reg = Registry.discover()
            try:
                reg.install_io()
            except ImportError as exc:  # editor.io broken: filters must still work
                log.error("plugin readers/writers not installed: %s", exc)
            _registry = reg
        return _registry


def set_registry(reg: Registry | None) -> Registry | None:
    """Replace the process-wide registry (None: rediscover on next use); returns the old one."""
    global _registry
    with _lock:
        old, _registry = _registry, reg
    return old


@contextlib.contextmanager
def using_registry(reg: Registry) -> Iterator[Registry]:
    """Make ``reg`` the process-wide registry inside a ``with`` block (for tests)."""
    old = set_registry(reg)
    try:
        yield reg
    finally:
        set_registry(old)


def provenance(filter_id: str) -> tuple[str, str] | None:
    """``(plugin_id, plugin_version)`` of a third-party filter, None for built-ins/unknown ids."""
    return get_registry().provenance(filter_id)


def describe_installed() -> str:
    """What ``nebulayer plugins`` prints: every plugin, where it comes from, what it provides."""
    return get_registry().describe()


services.provide(services.PLUGIN_REGISTRY, get_registry)
