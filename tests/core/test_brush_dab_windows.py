"""Brush dabs computed over their own small window give exactly the pixels the whole-box
computation gave, and a long stroke no longer computes every dab over the stroke's box."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core import paint as paint_module
from editor.core.paint import Stroke, dab_positions, paint


def _paint_over_whole_box(mask: np.ndarray, stroke: Stroke):
    """The former implementation: every dab evaluated over the stroke's bounding box."""
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
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    cover = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    hard_r = r * stroke.hardness
    for x, y in dabs:
        d = np.hypot(xx + 0.5 - x, yy + 0.5 - y)
        if stroke.hardness >= 1.0:
            c = (d <= r).astype(np.float32)
        else:
            c = np.clip((r - d) / max(r - hard_r, 1e-6), 0.0, 1.0)
            c = c * c * (3 - 2 * c)
        np.maximum(cover, c, out=cover)
    a = cover * np.float32(stroke.opacity)
    patch = out[y0:y1, x0:x1]
    out[y0:y1, x0:x1] = patch + (np.float32(stroke.value) - patch) * a
    return out, (y0, y1, x0, x1)


def _random_strokes(n: int, h: int, w: int) -> list[Stroke]:
    rng = np.random.default_rng(7)
    strokes = []
    for i in range(n):
        k = int(rng.integers(1, 6))
        # points partly outside the canvas too, and fractional positions
        pts = [(float(rng.uniform(-20, w + 20)), float(rng.uniform(-20, h + 20))) for _ in range(k)]
        hardness = 1.0 if i % 5 == 0 else float(rng.uniform(0, 1))
        strokes.append(Stroke(pts, size=float(rng.uniform(0.7, 40)), hardness=hardness,
                              opacity=float(rng.uniform(0.1, 1)), value=float(i % 2)))
    strokes.append(Stroke([(10.0, 10.0)], size=1.0, hardness=1.0))  # a one-pixel brush
    strokes.append(Stroke([(0.5, 0.5), (60.5, 0.5)], size=1.0, hardness=0.0))  # on pixel centres
    return strokes


@pytest.mark.parametrize("stroke", _random_strokes(40, 70, 90))
def test_windowed_dabs_paint_exactly_what_whole_box_dabs_painted(stroke):
    mask = np.random.default_rng(1).random((70, 90), dtype=np.float32)
    new, new_box = paint(mask, stroke)
    old, old_box = _paint_over_whole_box(mask, stroke)
    assert new_box == old_box
    assert np.array_equal(new, old)  # bit-identical, not merely close


def test_each_dab_of_a_long_stroke_is_computed_over_its_own_window_only(monkeypatch):
    mask = np.ones((400, 400), dtype=np.float32)
    stroke = Stroke([(20.0, 20.0), (380.0, 380.0)], size=16.0, hardness=0.5)
    areas: list[int] = []
    real_hypot = np.hypot

    def counting_hypot(a, b, *args, **kw):
        d = real_hypot(a, b, *args, **kw)
        areas.append(d.size)
        return d

    monkeypatch.setattr(paint_module.np, "hypot", counting_hypot)
    _, box = paint(mask, stroke)
    y0, y1, x0, x1 = box
    assert len(areas) > 100  # many dabs along the diagonal
    window = (16 + 4) ** 2  # diameter plus a pixel of margin each side
    assert max(areas) <= window < (y1 - y0) * (x1 - x0) / 100
