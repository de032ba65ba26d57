"""Nebulayer's image operations: pure functions on float32 arrays, no Qt, no I/O.

Every public function is importable from here (``filters.highpass``...) and registered with a
parameter schema in :mod:`filters.registry`.
"""

from __future__ import annotations

from typing import Any

from filters.registry import FilterSpec, Param, builtin_specs, register

__version__ = "0.1.0"


def plugin_manifest() -> dict[str, Any]:
    """The built-in filters, declared exactly as a third-party plugin declares its own."""
    return {
        "id": "nebulayer.builtin",
        "name": "Nebulayer built-in filters",
        "version": __version__,
        "filters": builtin_specs(),
    }


__all__ = ["FilterSpec", "Param", "builtin_specs", "register", "plugin_manifest"]
