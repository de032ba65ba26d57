"""Undoing brush strokes on raster masks by keeping only the pixels each stroke touched.

Mask pixels stay immutable sources: every stroke makes a new frozen source (new id, new cache
token) and the layer's mask points at it. What the undo step keeps is not the previous
full-canvas source (160 MB at 40 MP) but the previous pixels of the stroke's bounding box.
Undo rebuilds the previous source from the current one plus that patch, under its old id and
token: the pixels are bit-identical, so render results cached for it are valid again. The
step then keeps the stroke's own pixels of the box instead, for redo. A step therefore holds
one box-sized patch at any time; unreachable sources are pruned by the document as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.history import Command
from editor.core.layers import Layer
from editor.core.masks import RasterMask
from editor.core.sources import Source, freeze
from editor.io.image import ImageMeta

if TYPE_CHECKING:
    from editor.core.document import Document

Box = tuple[int, int, int, int]  # y0, y1, x0, x1


@dataclass(frozen=True)
class _SourceId:
    """What is needed to bring a mask source back exactly as it was (pixels aside)."""

    id: str
    token: str
    name: str
    meta: ImageMeta

    @classmethod
    def of(cls, src: Source) -> "_SourceId":
        return cls(src.id, src.token, src.name, src.meta)


class StrokeCommand(Command):
    """One brush stroke from ``old_mask`` (a RasterMask, or None: an all-white mask) to
    ``new_mask`` (a RasterMask whose source differs from the old pixels only inside ``box``)."""

    def __init__(self, doc: "Document", text: str, layer: Layer, old_mask: RasterMask | None,
                 new_mask: RasterMask, box: Box, before: np.ndarray) -> None:
        super().__init__()
        self.text = text
        self.layer = layer
        self.old_mask = old_mask
        self.new_mask = new_mask
        self.box = box
        self.patch = np.array(before, dtype=np.float32, copy=True)  # the pixels not shown now
        self._old = None if old_mask is None else _SourceId.of(doc.sources[old_mask.source_id])
        self._new = _SourceId.of(doc.sources[new_mask.source_id])
        self._first = True
        self.refs = set()  # no full-canvas source is kept alive for this step

    def apply(self, doc: "Document") -> None:
        if not self._first:  # redo: rebuild the stroke's result from the state before it
            base = self._pixels(doc, self.old_mask)
            after, self.patch = self.patch, base[self._slices()].copy()
            self._ensure(doc, self._new, base, after)
        self._first = False
        self.layer.mask = self.new_mask

    def revert(self, doc: "Document") -> None:
        base = doc.sources[self.new_mask.source_id].pixels
        before, self.patch = self.patch, base[self._slices()].copy()
        if self._old is not None:
            self._ensure(doc, self._old, base, before)
        self.layer.mask = self.old_mask

    def nbytes(self) -> int:
        return int(self.patch.nbytes) + 256

    def events(self) -> list[tuple[str, str | None]]:
        return [("mask", self.layer.id)]

    # ------------------------------------------------------------------ helpers
    def _slices(self) -> tuple[slice, slice]:
        y0, y1, x0, x1 = self.box
        return slice(y0, y1), slice(x0, x1)

    def _pixels(self, doc: "Document", mask: RasterMask | None) -> np.ndarray:
        if mask is None:
            return np.ones(doc.layer_shape, dtype=np.float32)
        return doc.sources[mask.source_id].pixels

    def _ensure(self, doc: "Document", ident: _SourceId, base: np.ndarray, patch: np.ndarray) -> None:
        """Bring source ``ident`` back (if pruned) as ``base`` with ``patch`` in the box."""
        if ident.id in doc.sources:
            return
        pixels = np.array(base, dtype=np.float32, copy=True)
        pixels[self._slices()] = patch
        doc.sources[ident.id] = Source(id=ident.id, pixels=freeze(pixels), name=ident.name,
                                       meta=ident.meta, kind="mask", token=ident.token)


def stroke_command(doc: "Document", layer: Layer, painted: np.ndarray, box: Box,
                   before: np.ndarray, props: dict[str, Any], text: str) -> StrokeCommand:
    """The undo step for a stroke already painted into ``painted`` (a new array)."""
    new_mask = doc.new_raster_mask(painted, **props)
    doc._adopt(new_mask.source_id)
    old = layer.mask if isinstance(layer.mask, RasterMask) else None
    return StrokeCommand(doc, text, layer, old, new_mask, box, before)
