"""Nebulayer: a layered, non-destructive image editor for astrophotography.

Public API for scripts (no Qt is imported by any of these)::

    from editor import Document, open_image, export_image
    from editor import GeneratedMask, RasterMask
    from editor import ImageLayer, AdjustmentLayer, ChannelCombineLayer, GroupLayer

This module is also the composition root: it tells the document model
(:mod:`editor.core.services`) which package renders documents, which reads and writes project
files and which holds the plugin registry. They are imported on first use, so ``import
editor`` stays cheap for the CLI and for plugins.
"""

from __future__ import annotations

import importlib
from typing import Any

from editor._version import __version__
from editor.core import services as _services

_services.provide_lazily(_services.RENDERER, "editor.render.document_render")
_services.provide_lazily(_services.PROJECT, "editor.project.store")
_services.provide_lazily(_services.PLUGIN_REGISTRY, "editor.plugins.registry")

# name -> module that defines it (imported lazily, on first access)
_PUBLIC = {
    "open_image": "editor.io",
    "export_image": "editor.io",
    "Image": "editor.io.image",
    "ImageMeta": "editor.io.image",
    "Document": "editor.core.document",
    "DocumentEvent": "editor.core.document",
    "GeneratedMask": "editor.core.masks",
    "RasterMask": "editor.core.masks",
    "ImageLayer": "editor.core.layers",
    "AdjustmentLayer": "editor.core.layers",
    "ChannelCombineLayer": "editor.core.layers",
    "GroupLayer": "editor.core.layers",
    "BLEND_MODES": "filters.blend",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'editor' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
