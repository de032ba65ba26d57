"""Which canvas region each note shows at 100 %, in its own picture and in the other members'.

A note's region is its ``crop`` when it has one, else the rectangle itself (at least
:data:`MIN_SIDE` px a side, grown around its centre), else a :data:`PIN_BOX` box centred on the
pin; always cut to the canvas. In another project the same place is found through the sky when
both pictures are solved (the region's centre goes through RA/Dec, its size stays in pixels: a
100 % crop of each), else at the same pixel coordinates (members' versions of one stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from editor.core.notes import Note
from editor.render.comparison import clamp_region
from editor.review.locate import pixel_at, sky_at

PIN_BOX = (480, 360)
MIN_SIDE = 96
Region = tuple[int, int, int, int]


@dataclass
class CropSpec:
    number: int  # 1-based, as the page numbers the notes
    note: Note
    region: Region  # (x, y, w, h) in the note's own canvas


def note_region(note: Note, width: int, height: int) -> Region | None:
    """The 100 % crop region of ``note`` on a ``width`` x ``height`` canvas (None: outside)."""
    if note.crop is not None:
        return clamp_region(note.crop, width, height)
    cx, cy = note.centre
    if note.kind == "rect":
        w, h = max(note.w, MIN_SIDE), max(note.h, MIN_SIDE)
    else:
        w, h = PIN_BOX
    w, h = min(w, width), min(h, height)
    # Keep the whole box on the canvas (slide it in) rather than cutting it at an edge.
    x = min(max(cx - w / 2, 0.0), width - w)
    y = min(max(cy - h / 2, 0.0), height - h)
    return clamp_region((x, y, w, h), width, height)


def crop_specs(doc: Any) -> list[CropSpec]:
    """One crop per note that lies on the canvas, numbered in the notes' order."""
    out = []
    for i, note in enumerate(doc.notes, start=1):
        region = note_region(note, doc.width, doc.height)
        if region is not None:
            out.append(CropSpec(i, note, region))
    return out


def map_region(region: Region, src_wcs: Any, dst_wcs: Any, dst_size: tuple[int, int]) -> Region | None:
    """``region`` of one canvas placed on another (through the sky when both are solved)."""
    x, y, w, h = region
    dw, dh = dst_size
    if src_wcs is not None and dst_wcs is not None:
        sky = sky_at(src_wcs, x + w / 2 - 0.5, y + h / 2 - 0.5)
        centre = pixel_at(dst_wcs, *sky) if sky is not None else None
        if centre is None:
            return None
        cx, cy = centre[0] + 0.5, centre[1] + 0.5
        if not (0 <= cx < dw and 0 <= cy < dh):
            return None
        w, h = min(w, dw), min(h, dh)
        x = min(max(cx - w / 2, 0.0), dw - w)
        y = min(max(cy - h / 2, 0.0), dh - h)
    return clamp_region((x, y, w, h), dw, dh)
