"""Where a canvas pixel lies on the sky: the document's WCS, and notes placed with sky positions.

The canvas's WCS is the one an export of the document would carry (``doc.export_meta()``: the
base image's WCS moved to where that image lies on the canvas, editor/io/wcs.py), turned into
array order (row 0 = top).
"""

from __future__ import annotations

import math
from typing import Any

from astropy.wcs import WCS

from editor.io.wcs import array_wcs


def document_wcs(doc: Any) -> WCS | None:
    """The canvas's WCS in array order, or None when the picture is not solved."""
    header = doc.export_meta().header
    if "CTYPE1" not in header:
        return None
    return array_wcs(header, doc.height)


def sky_at(wcs: WCS | None, x: float, y: float) -> tuple[float, float] | None:
    """(RA, Dec) in degrees of canvas point (x, y) (pixel centres at integers), or None."""
    if wcs is None:
        return None
    ra, dec = wcs.all_pix2world([[x, y]], 0)[0]
    if not (math.isfinite(ra) and math.isfinite(dec)):
        return None
    return (float(ra) % 360.0, float(dec))


def pixel_at(wcs: WCS | None, ra: float, dec: float) -> tuple[float, float] | None:
    """Canvas (x, y) of a sky position, or None."""
    if wcs is None:
        return None
    x, y = wcs.all_world2pix([[ra, dec]], 0)[0]
    return (float(x), float(y)) if math.isfinite(x) and math.isfinite(y) else None


def _centre_sky(doc: Any, kind: str, x: float, y: float, w: float, h: float) -> tuple[float, float] | None:
    if kind == "pin":
        w = h = 0.0
    return sky_at(document_wcs(doc), x + w / 2 - 0.5, y + h / 2 - 0.5)


def place_note(doc: Any, kind: str, x: float, y: float, w: float = 0.0, h: float = 0.0,
               text: str = "", crop: Any = None) -> str:
    """Add a note (undoable) with the sky position of its centre when the picture is solved.

    Note coordinates are continuous canvas coordinates (0..width across the first column's
    left edge to the last one's right edge), so a pixel centre is at +0.5.
    """
    return doc.add_note(kind, x, y, w, h, text, crop, _centre_sky(doc, kind, x, y, w, h))


def update_note(doc: Any, note_id: str, **changes: Any) -> None:
    """Edit a note (undoable); a move or resize also refreshes its sky position."""
    if {"x", "y", "w", "h", "kind"} & set(changes):
        n = doc.note(note_id)
        merged = {"kind": n.kind, "x": n.x, "y": n.y, "w": n.w, "h": n.h, **changes}
        changes["sky"] = _centre_sky(doc, merged["kind"], merged["x"], merged["y"], merged["w"], merged["h"])
    doc.edit_note(note_id, **changes)
