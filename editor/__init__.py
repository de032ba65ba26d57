"""Nebulayer: a layered, non-destructive image editor for astrophotography.

Public API (no Qt is imported by any of these)::

    from editor import open_image, export_image, Document
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["open_image", "export_image", "Document", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import editor` stays cheap for the CLI and for plugins.
    if name in ("open_image", "export_image"):
        from editor import io

        return getattr(io, name)
    if name == "Document":
        from editor.core.document import Document

        return Document
    raise AttributeError(f"module 'editor' has no attribute {name!r}")
