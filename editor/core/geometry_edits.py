"""Document methods for crop, rotate, flip and resample (see :mod:`editor.core.geometry`).

Each is one undo step that swaps the document's :class:`~editor.core.geometry.Geometry` and
canvas size; layers and sources are untouched. ``doc.width``/``doc.height`` are the output
canvas; ``doc.layer_shape`` is the frame layers, masks and brush strokes live in
(``doc.geometry.to_layer`` / ``from_layer`` convert points between the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from editor.core.geometry import Geometry, ratio_rect
from editor.core.history import CallbackCommand
from editor.errors import DocumentError
from editor.locale import _

if TYPE_CHECKING:
    from editor.core.document import Document


class GeometryMixin:
    @property
    def geometry(self: "Document") -> Geometry:
        g = self.__dict__.get("_geometry")
        return g if g is not None else Geometry.identity(self.height, self.width)

    @property
    def layer_shape(self: "Document") -> tuple[int, int]:
        """(H, W) of the frame the layers live in (the canvas before crops/rotations)."""
        return self.geometry.base

    def set_geometry_loaded(self: "Document", geometry: Geometry) -> None:
        """Install a geometry read from a project (no undo step)."""
        self._geometry = geometry
        self.height, self.width = geometry.shape

    def _apply_geometry(self: "Document", new: Geometry, text: str) -> None:
        old = self.geometry

        def put(g: Geometry) -> Any:
            def run(doc: "Document") -> None:
                doc._geometry = g
                doc.height, doc.width = g.shape
            return run

        self._push(CallbackCommand(text, put(new), put(old), events=[("document", None)]))

    def _then(self: "Document", op: dict[str, Any], text: str) -> None:
        self._apply_geometry(self.geometry.then(op), text)

    # ------------------------------------------------------------------ the operations
    def crop(self: "Document", x: int, y: int, w: int, h: int) -> None:
        """Keep the (x, y, w, h) rectangle of the output canvas (pixels)."""
        self._then({"op": "crop", "x": x, "y": y, "w": w, "h": h}, _("Crop"))

    def crop_to_ratio(self: "Document", ratio: str | float | None,
                      portrait: bool | None = None) -> tuple[int, int, int, int]:
        """Crop to the largest centred rectangle of ``ratio`` ("1:1", "3:2", "4:3", "16:9",
        "5:4", "2:1", "free" or a number); returns the rectangle used."""
        rect = ratio_rect(self.width, self.height, ratio, portrait)
        if rect != (0, 0, self.width, self.height):
            self.crop(*rect)
        return rect

    def rotate(self: "Document", angle: float) -> None:
        """Rotate clockwise by ``angle`` degrees about the centre; 90/180/270 move pixels
        exactly, other angles resample (the canvas grows to the rotated bounding box, its
        corners are missing data, NaN)."""
        self._then({"op": "rotate", "angle": float(angle)}, _("Rotate {angle:g}°").format(angle=float(angle)))

    def flip(self: "Document", axis: str = "h") -> None:
        """Mirror left-right (``"h"``) or top-bottom (``"v"``)."""
        self._then({"op": "flip", "axis": axis},
                   _("Flip Horizontal") if axis == "h" else _("Flip Vertical"))

    def resample(self: "Document", scale: float | None = None, *, width: int | None = None,
                 height: int | None = None) -> None:
        """Resample the canvas by ``scale`` (or to ``width`` or ``height``, aspect kept)."""
        given = [v is not None for v in (scale, width, height)]
        if sum(given) != 1:
            raise DocumentError(_("resample takes one of scale, width or height"))
        if width is not None:
            scale = int(width) / self.width
        elif height is not None:
            scale = int(height) / self.height
        self._then({"op": "resample", "scale": float(scale)}, _("Resample"))

    def reset_geometry(self: "Document") -> None:
        """Back to the layer frame: no crop, rotation, flip or resample (one undo step)."""
        if not self.geometry.is_identity:
            h, w = self.layer_shape
            self._apply_geometry(Geometry.identity(h, w), _("Reset Canvas Geometry"))
