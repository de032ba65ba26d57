"""Crop, rotate, flip and resample of the whole document, non-destructively.

Design: the layers (sources, offsets, masks, brush strokes) stay in the frame they were made
in, the *layer frame* of ``geometry.base`` = (H0, W0) pixels; the document keeps a list of
geometry operations (plain data, saved in the project, undone as one step each) that maps the
*output canvas* (what is shown, exported, ``doc.width`` x ``doc.height``) onto the layer
frame by one affine map of pixel centres::

    p_layer = M @ p_out + t        (p = (x, y) = (column, row), row 0 = top, 0-based centres)

Every operation composes onto it: a crop is a translation, a flip a mirror, a rotation (90,
180, 270 or any angle, clockwise on screen, about the centre, the canvas growing to the
rotated picture's bounding box) an orthogonal matrix, a resample a scale ``1/f``. So ``M`` is
always ``R / F``: an orthogonal ``R`` (rotation/mirror) over the total resample factor ``F``.

Why at the top of the render rather than by moving every layer: a region (or tile) of the
output maps to one window of the layer frame (the bounding box of the mapped region plus the
resampling kernel's reach), rendered by the engine exactly as any region, so region and tiled
renders stay the crop of the whole render and every cache entry of the layer stack stays
valid across crops and rotations (they are keyed in the unchanged layer frame). Nothing in a
layer changes, so undo is a swap of the operation list and the sources are never touched.
The renderer side is :mod:`editor.render.geometry`; WCS follows through
:func:`editor.io.wcs.affine`.

Crops use output pixels (integers); the crop rectangle helper :func:`ratio_rect` gives the
largest rectangle of a common ratio (1:1, 3:2, 4:3, 16:9, 5:4, 2:1 or free) inside a box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from editor.errors import DocumentError
from editor.locale import _

#: Ratios offered for crops: name -> width / height (None = free). A ratio is applied in the
#: orientation of the box it is fitted in (3:2 on a portrait picture is 2:3) unless asked.
CROP_RATIOS: dict[str, float | None] = {"free": None, "1:1": 1.0, "3:2": 1.5, "4:3": 4 / 3,
                                        "16:9": 16 / 9, "5:4": 1.25, "2:1": 2.0}

#: Quarter turns are snapped when the angle is this close to a multiple of 90 degrees.
_ANGLE_EPS = 1e-9


def ratio_rect(width: int, height: int, ratio: str | float | None,
               portrait: bool | None = None) -> tuple[int, int, int, int]:
    """The largest centred (x, y, w, h) rectangle of ``ratio`` (a :data:`CROP_RATIOS` name
    like "16:9", or width/height as a number; None/"free" = the whole box) inside a
    ``width`` x ``height`` box. ``portrait``: True/False forces the orientation; None follows
    the box (a landscape ratio on a portrait box is turned)."""
    w, h = int(width), int(height)
    if isinstance(ratio, str):
        if ratio not in CROP_RATIOS:
            raise DocumentError(_("unknown crop ratio {ratio!r} (one of {text})").format(ratio=ratio, text=', '.join(CROP_RATIOS)))
        r = CROP_RATIOS[ratio]
    else:
        r = None if ratio is None else float(ratio)
    if r is None:
        return (0, 0, w, h)
    if not r > 0:
        raise DocumentError(_("crop ratio must be > 0, got {ratio!r}").format(ratio=ratio))
    tall = (h > w) if portrait is None else bool(portrait)
    if tall and r > 1 or not tall and r < 1:
        r = 1.0 / r
    cw, ch = w, int(round(w / r))
    if ch > h:
        cw, ch = int(round(h * r)), h
    cw, ch = max(1, min(cw, w)), max(1, min(ch, h))
    return ((w - cw) // 2, (h - ch) // 2, cw, ch)


def _rotation(angle: float) -> tuple[np.ndarray, bool]:
    """(R, exact) for a clockwise on-screen rotation by ``angle`` degrees in array
    coordinates (y down): ``p' - c' = R (p - c)``; quarter turns are exact integers."""
    turns = angle / 90.0
    if abs(turns - round(turns)) < _ANGLE_EPS:
        k = int(round(turns)) % 4
        c, s = [(1, 0), (0, 1), (-1, 0), (0, -1)][k]
        return np.array([[c, -s], [s, c]], float), True
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s], [s, c]], float), False


def _step(op: dict[str, Any], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """(A, b, new size (W, H)) of one operation: old-output p = A @ new-output p + b."""
    w, h = size
    kind = op.get("op")
    if kind == "crop":
        x, y, cw, ch = (int(op[k]) for k in ("x", "y", "w", "h"))
        return np.eye(2), np.array([x, y], float), (cw, ch)
    if kind == "flip":
        if op["axis"] == "h":  # mirror left-right
            return np.diag([-1.0, 1.0]), np.array([w - 1.0, 0.0]), (w, h)
        return np.diag([1.0, -1.0]), np.array([0.0, h - 1.0]), (w, h)
    if kind == "rotate":
        r, exact = _rotation(float(op["angle"]))
        if exact:
            nw, nh = (h, w) if abs(r[0, 0]) == 0 else (w, h)
        else:
            ac, as_ = abs(r[0, 0]), abs(r[1, 0])
            nw = max(1, math.ceil(w * ac + h * as_ - 1e-6))
            nh = max(1, math.ceil(w * as_ + h * ac - 1e-6))
        c_old = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
        c_new = np.array([(nw - 1) / 2.0, (nh - 1) / 2.0])
        a = r.T  # the inverse rotation: new -> old
        return a, c_old - a @ c_new, (nw, nh)
    if kind == "resample":
        f = float(op["scale"])
        nw, nh = max(1, int(round(w * f))), max(1, int(round(h * f)))
        # the engine's convention: output pixel i covers old pixels [i/f, (i+1)/f)
        return np.eye(2) / f, np.full(2, 0.5 / f - 0.5), (nw, nh)
    raise DocumentError(_("unknown geometry operation {op!r}").format(op=op))


def check_op(op: dict[str, Any], size: tuple[int, int]) -> dict[str, Any]:
    """``op`` validated against the current output ``size`` (W, H), as plain data."""
    w, h = size
    kind = op.get("op")
    try:
        if kind == "crop":
            x, y, cw, ch = (int(op[k]) for k in ("x", "y", "w", "h"))
            if cw < 1 or ch < 1 or x < 0 or y < 0 or x + cw > w or y + ch > h:
                raise DocumentError(_("crop ({x}, {y}, {cw}, {ch}) is not inside the {w}x{h} canvas").format(x=x, y=y, cw=cw, ch=ch, w=w, h=h))
            return {"op": "crop", "x": x, "y": y, "w": cw, "h": ch}
        if kind == "flip":
            if op.get("axis") not in ("h", "v"):
                raise DocumentError(_("flip axis must be 'h' or 'v', got {get!r}").format(get=op.get('axis')))
            return {"op": "flip", "axis": op["axis"]}
        if kind == "rotate":
            angle = float(op["angle"])
            if not math.isfinite(angle):
                raise DocumentError(_("rotation angle must be finite, got {angle}").format(angle=angle))
            return {"op": "rotate", "angle": angle}
        if kind == "resample":
            f = float(op["scale"])
            if not (math.isfinite(f) and f > 0) or w * f < 1 or h * f < 1 or max(w, h) * f > 1 << 20:
                raise DocumentError(_("resample factor {scale} gives no valid canvas from {w}x{h}").format(scale=op['scale'], w=w, h=h))
            return {"op": "resample", "scale": f}
    except (KeyError, TypeError, ValueError):
        raise DocumentError(_("bad geometry operation {op!r}").format(op=op)) from None
    raise DocumentError(_("unknown geometry operation {op!r}").format(op=op))


@dataclass(frozen=True)
class Geometry:
    """The layer frame's size ``base`` = (H0, W0) and the operations applied to it."""

    base: tuple[int, int]
    ops: tuple[dict[str, Any], ...] = ()
    _fold: tuple = field(default=(), compare=False, repr=False)

    @classmethod
    def identity(cls, height: int, width: int) -> "Geometry":
        return cls((int(height), int(width)))

    def __post_init__(self) -> None:
        m, t = np.eye(2), np.zeros(2)
        size = (self.base[1], self.base[0])
        for op in self.ops:
            a, b, size = _step(op, size)
            m, t = m @ a, m @ b + t
        object.__setattr__(self, "_fold", (m, t, size))

    @property
    def is_identity(self) -> bool:
        return not self.ops

    @property
    def matrix(self) -> np.ndarray:
        """``M`` of ``p_layer = M @ p_out + t`` (a copy)."""
        return self._fold[0].copy()

    @property
    def offset(self) -> np.ndarray:
        """``t`` of ``p_layer = M @ p_out + t`` (a copy)."""
        return self._fold[1].copy()

    @property
    def shape(self) -> tuple[int, int]:
        """The output canvas (H, W)."""
        w, h = self._fold[2]
        return (h, w)

    @property
    def resample_factor(self) -> float:
        """Output pixels per layer-frame pixel (``F``; ``M = R / F``)."""
        return 1.0 / math.sqrt(abs(float(np.linalg.det(self._fold[0]))))

    @property
    def exact(self) -> bool:
        """True when output pixels are layer pixels moved (no interpolation at scale 1 for
        F = 1): only quarter turns, flips and crops."""
        r = self._fold[0] * self.resample_factor
        return bool(np.all(np.abs(r - np.round(r)) < 1e-9))

    def then(self, op: dict[str, Any]) -> "Geometry":
        """This geometry followed by ``op`` (validated against the current output size)."""
        h, w = self.shape
        out = Geometry(self.base, self.ops + (check_op(op, (w, h)),))
        nh, nw = out.shape
        if not (0 < nh <= 1 << 20 and 0 < nw <= 1 << 20):
            raise DocumentError(_("that would make a {nw}x{nh} canvas (at most {value} a side)").format(nw=nw, nh=nh, value=1 << 20))
        return out

    def to_layer(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Output canvas pixel (x, y) (full resolution) -> layer-frame pixel (x, y), in
        pixel-centre coordinates (pixel i's centre is i; the canvas view's continuous
        coordinates, where pixel i spans [i, i + 1), are these + 0.5)."""
        m, t = self._fold[0], self._fold[1]
        x, y = np.asarray(x, float), np.asarray(y, float)
        return m[0, 0] * x + m[0, 1] * y + t[0], m[1, 0] * x + m[1, 1] * y + t[1]

    def from_layer(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Layer-frame pixel (x, y) -> output canvas pixel (x, y) (painting, notes)."""
        inv = np.linalg.inv(self._fold[0])
        x = np.asarray(x, float) - self._fold[1][0]
        y = np.asarray(y, float) - self._fold[1][1]
        return inv[0, 0] * x + inv[0, 1] * y, inv[1, 0] * x + inv[1, 1] * y

    def stroke_to_layer(self, stroke: dict[str, Any]) -> dict[str, Any]:
        """A brush stroke drawn on the output canvas (points in output pixels, ``size`` a
        diameter in output pixels) as :meth:`Document.paint_mask` takes it: in the layer
        frame (masks live there)."""
        if self.is_identity:
            return stroke
        # strokes use continuous canvas coordinates (pixel i spans [i, i + 1)); to_layer
        # works on pixel centres (pixel i's centre is i): shift by half a pixel each way
        pts = np.asarray([(float(x), float(y)) for x, y in stroke["points"]], float) - 0.5
        lx, ly = self.to_layer(pts[:, 0], pts[:, 1])
        out = dict(stroke, points=[(float(x) + 0.5, float(y) + 0.5) for x, y in zip(lx, ly)])
        if "size" in stroke:
            out["size"] = float(stroke["size"]) / self.resample_factor
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"base": [int(self.base[0]), int(self.base[1])], "ops": [dict(o) for o in self.ops]}

    @classmethod
    def from_dict(cls, d: Any) -> "Geometry":
        """Rebuild (and validate) from :meth:`to_dict` output; DocumentError on bad data."""
        try:
            h0, w0 = (int(v) for v in d["base"])
            ops = list(d.get("ops") or [])
        except (KeyError, TypeError, ValueError):
            raise DocumentError(_("bad geometry record {d!r}").format(d=d)) from None
        if not (0 < h0 <= 1 << 20 and 0 < w0 <= 1 << 20):
            raise DocumentError(_("bad geometry base {h0}x{w0}").format(h0=h0, w0=w0))
        g = cls((h0, w0))
        for op in ops:
            if not isinstance(op, dict):
                raise DocumentError(_("bad geometry operation {op!r}").format(op=op))
            g = g.then(op)
        return g

    def describe(self) -> list[str]:
        """One line per operation, for export HISTORY."""
        out = []
        for op in self.ops:
            if op["op"] == "crop":
                out.append(f"crop x={op['x']} y={op['y']} w={op['w']} h={op['h']}")
            elif op["op"] == "flip":
                out.append("flip " + ("horizontal" if op["axis"] == "h" else "vertical"))
            elif op["op"] == "rotate":
                out.append(f"rotate {op['angle']:g} deg clockwise")
            else:
                out.append(f"resample x{op['scale']:g}")
        return out
