"""The one list of blend modes, in the order the layers panel offers them.

The pixel arithmetic of each mode lives in :mod:`editor.render.blend`; the document model
validates ``layer.blend`` against this same tuple, and the UI lists it.
"""

from __future__ import annotations

BLEND_MODES: tuple[str, ...] = ("normal", "multiply", "screen", "add", "lighten", "darken",
                                "difference", "luminosity", "color")
