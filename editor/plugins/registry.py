"""The one registry of operations, readers and writers: built-ins and plugins alike.

A plugin is a callable returning a manifest dict::

    {"id": "org.example.wavelets", "name": "Wavelet sharpening", "version": "1.2",
     "filters": [FilterSpec, ...],          # adjustments and generated masks
     "readers": [...], "writers": [...]}    # optional, see editor.plugins (README)

Manifests are found through the ``nebulayer.plugins`` entry-point group (the built-in filters
are registered there too, so there is one path) and in the user's plugins folder.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from filters.registry import Category, FilterSpec

ENTRY_POINT_GROUP = "nebulayer.plugins"


@dataclass
class PluginInfo:
    id: str
    name: str
    version: str
    origin: str  # "entry point <dist>" or a folder path
    filters: list[str] = field(default_factory=list)
    error: str | None = None


class Registry:
    def __init__(self) -> None:
        self._filters: dict[str, FilterSpec] = {}
        self.plugins: list[PluginInfo] = []

    def add_manifest(self, manifest: dict[str, Any], origin: str) -> PluginInfo:
        info = PluginInfo(
            id=str(manifest["id"]),
            name=str(manifest.get("name", manifest["id"])),
            version=str(manifest.get("version", "0")),
            origin=origin,
        )
        for spec in manifest.get("filters", []):
            if spec.id in self._filters:
                raise ValueError(f"{info.id}: filter id {spec.id!r} is already provided")
            self._filters[spec.id] = spec
            info.filters.append(spec.id)
        self.plugins.append(info)
        return info

    def get(self, filter_id: str) -> FilterSpec | None:
        return self._filters.get(filter_id)

    def specs(self, category: Category | None = None) -> list[FilterSpec]:
        return [s for s in self._filters.values() if category is None or s.category == category]


_registry: Registry | None = None
_lock = threading.Lock()


def _discover() -> Registry:
    reg = Registry()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "?"
        reg.add_manifest(ep.load()(), origin=f"entry point {ep.name} ({dist})")
    return reg


def get_registry() -> Registry:
    """The process-wide registry, discovered on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = _discover()
        return _registry
