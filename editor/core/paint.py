"""Brush strokes on raster masks (Photoshop-like round brush: size, hardness, opacity)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from editor.errors import DocumentError
from editor.locale import _


@dataclass
class Stroke:
    """Points (x, y) in canvas pixels; size = diameter px; hardness 0..1 (1 = hard edge);
    opacity 0..1; value 1 paints the mask open (white), 0 closes it (black)."""

    points: Sequence[tuple[float, float]]
    size: float = 50.0
    hardness: float = 0.5
    opacity: float = 1.0
    value: float = 1.0

    @classmethod
    def coerce(cls, stroke: Any) -> "Stroke":
        if isinstance(stroke, Stroke):
            s = stroke
        elif isinstance(stroke, dict):
            try:
                s = cls(**stroke)
            except TypeError as exc:
                raise DocumentError(_("bad stroke: {exc}").format(exc=exc)) from None
        else:
            s = cls(points=list(stroke))
        try:
            pts = [(float(x), float(y)) for x, y in s.points]
        except (TypeError, ValueError):
            raise DocumentError(_("stroke points must be (x, y) pairs")) from None
        if not pts:
            raise DocumentError(_("a stroke needs at least one point"))
        if not (s.size > 0 and 0 <= s.hardness <= 1 and 0 <= s.opacity <= 1 and 0 <= s.value <= 1):
            raise DocumentError(_("stroke size must be > 0; hardness, opacity, value within 0..1"))
        return cls(pts, float(s.size), float(s.hardness), float(s.opacity), float(s.value))


def dab_positions(points: Sequence[tuple[float, float]], spacing: float) -> np.ndarray:
    """Points resampled along the polyline every ``spacing`` px (N, 2) as (x, y)."""
    pts = np.asarray(points, dtype=np.float64)
    out = [pts[0]]
    for a, b in zip(pts[:-1], pts[1:]):
        n = int(np.ceil(np.hypot(*(b - a)) / spacing))
        for t in np.linspace(0, 1, n + 1)[1:]:
            out.append(a + (b - a) * t)
    return np.array(out)


def paint(mask: np.ndarray, stroke: Stroke) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """A new mask with the stroke applied, and the touched box (y0, y1, x0, x1) or None.

    Overlapping dabs of one stroke do not build up: the stroke's coverage is the maximum of
    its dabs, then blends toward ``value`` by coverage x opacity (like Photoshop's brush).
    Each dab is computed only over its own window (its radius plus a pixel), not over the
    whole stroke's box: a long stroke on a big canvas costs dabs x brush area.
    """
    h, w = mask.shape
    r = stroke.size / 2.0
    dabs = dab_positions(stroke.points, max(r * 0.25, 0.5))
    y0 = max(int(np.floor(dabs[:, 1].min() - r)), 0)
    y1 = min(int(np.ceil(dabs[:, 1].max() + r)) + 1, h)
    x0 = max(int(np.floor(dabs[:, 0].min() - r)), 0)
    x1 = min(int(np.ceil(dabs[:, 0].max() + r)) + 1, w)
    out = np.array(mask, dtype=np.float32, copy=True)
    if y1 <= y0 or x1 <= x0:
        return out, None
    # pixel centres as float32, as a full grid would hold them (keeps results bit-identical)
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + np.float32(0.5)
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + np.float32(0.5)
    cover = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    hard_r = r * stroke.hardness
    for x, y in dabs:
        # pixels whose centre lies within r of the dab; every other pixel gets coverage 0
        wy0, wy1 = max(int(np.floor(y - r)) - 1, y0), min(int(np.ceil(y + r)) + 1, y1)
        wx0, wx1 = max(int(np.floor(x - r)) - 1, x0), min(int(np.ceil(x + r)) + 1, x1)
        if wy1 <= wy0 or wx1 <= wx0:
            continue
        d = np.hypot(xs[:, wx0 - x0:wx1 - x0] - x, ys[wy0 - y0:wy1 - y0] - y)
        if stroke.hardness >= 1.0:
            c = (d <= r).astype(np.float32)
        else:
            c = np.clip((r - d) / max(r - hard_r, 1e-6), 0.0, 1.0)
            c = c * c * (3 - 2 * c)  # smoothstep falloff
        win = cover[wy0 - y0:wy1 - y0, wx0 - x0:wx1 - x0]
        np.maximum(win, c, out=win)
    a = cover * np.float32(stroke.opacity)
    patch = out[y0:y1, x0:x1]
    out[y0:y1, x0:x1] = patch + (np.float32(stroke.value) - patch) * a
    return out, (y0, y1, x0, x1)
