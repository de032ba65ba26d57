"""Late-bound services: what the document model uses without importing the packages above it.

The model (``editor.core``) must not import the renderer, the project format or the plugin
registry: they import the model, so importing them back would make a loop. Yet ``doc.render()``,
``doc.save()`` and ``Document.load()`` are the convenient script API. The packages above
therefore *provide* their service here when they are imported, and the model *asks* for it by
name when it is called::

    # editor/render/document_render.py (imported on first use)
    services.provide(services.RENDERER, DocumentRenderer())

    # editor/core/document.py
    services.get(services.RENDERER).render(self, ...)

``editor/__init__.py`` (the composition root, above every package) says which module provides
each service with :func:`provide_lazily`, so nothing heavy is imported until it is first used,
and any ``import editor.core...`` (which always runs ``editor/__init__`` first) finds them.
A test or an embedding application may :func:`provide` its own object instead.

Services and what they must offer (duck-typed; see the Protocols below):

- :data:`RENDERER`: :class:`Renderer` (``editor.render.document_render``)
- :data:`PROJECT`: :class:`ProjectStore` (``editor.project.store``)
- :data:`PLUGIN_REGISTRY`: a zero-argument callable returning the shared plugin registry
  (``editor.plugins.registry.get_registry``)
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import Any, Callable, Protocol

from editor.errors import NebulayerError
from editor.locale import _

RENDERER = "renderer"
PROJECT = "project"
PLUGIN_REGISTRY = "plugin_registry"

_provided: dict[str, Any] = {}
_lazy: dict[str, str] = {}
_lock = threading.RLock()


class ServiceMissing(NebulayerError):
    """No package provided the service (e.g. the editor package was embedded partially)."""


class Renderer(Protocol):
    """Turns a document into pixels (``editor.render``)."""

    def new_stats(self) -> Any: ...
    def default_cache(self) -> Any: ...
    def render(self, doc: Any, *, scale: float, region: Any, progress: Any,
               nodes: list[dict] | None, copy: bool) -> Any: ...
    def render_mask(self, doc: Any, layer_id: str, scale: float) -> Any: ...
    def render_thumbnail(self, doc: Any, layer_id: str, size: int, mask: bool) -> Any: ...
    def export_meta(self, doc: Any, scale: float = 1.0) -> Any: ...


class ProjectStore(Protocol):
    """Reads and writes .nebula project files (``editor.project``)."""

    def load(self, path: str | Path, **kw: Any) -> Any: ...
    def save(self, doc: Any, path: str | Path, *, embed_sources: bool, recovery: bool) -> None: ...


def provide(name: str, service: Any) -> None:
    """Make ``service`` the one answering :func:`get` ``(name)`` (replaces any earlier one)."""
    with _lock:
        _provided[name] = service


def provide_lazily(name: str, module: str) -> None:
    """Import ``module`` the first time ``name`` is asked for; it must :func:`provide` it."""
    with _lock:
        _lazy[name] = module


def get(name: str) -> Any:
    """The service ``name``; ServiceMissing with a clear message if nobody provides it."""
    with _lock:
        found = _provided.get(name)
        if found is None and name in _lazy:
            importlib.import_module(_lazy[name])
            found = _provided.get(name)
    if found is None:
        raise ServiceMissing(_("no {name} is available: import the package that provides it "
                             "(see editor.core.services)").format(name=name))
    return found


def plugin_registry() -> Any:
    """The shared plugin registry (built-in filters plus discovered plugins)."""
    factory: Callable[[], Any] = get(PLUGIN_REGISTRY)
    return factory()
