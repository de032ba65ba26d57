"""Mosaic panels (image layers covering part of the canvas): cheap to composite, exact, and
their missing pixels (NaN) show what is below."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from editor.core.document import Document
from editor.render.cache import RenderCache

H, W = 400, 600


def _mosaic(registry, blend="normal", opacity=1.0):
    rng = np.random.default_rng(5)
    doc = Document.new(W, H, registry=registry, cache=RenderCache(0))
    base = rng.random((H, W, 3), dtype=np.float32)
    doc.add_image(base)
    panel = rng.random((H // 2, W // 2, 3), dtype=np.float32) + 1.0
    panel[:10] = np.nan  # the stacker's border
    lid = doc.add_image(panel, offset=(120, 250))
    doc.set_layer_props(lid, blend=blend, opacity=opacity)
    return doc, base, panel


def test_a_panel_covering_a_quarter_of_the_canvas_costs_about_one_canvas_to_composite(registry):
    doc, base, _ = _mosaic(registry)
    canvas = H * W * 3 * 4
    tracemalloc.start()
    try:
        doc.render(copy=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the result (1 canvas) + the panel's own temporaries; it was 2.8 canvases: full-size
    # placement, coverage, NaN masks and blend output each as big as the canvas
    assert peak <= 2.0 * canvas, f"peak {peak / canvas:.2f} canvases"


@pytest.mark.parametrize("blend,opacity", [("normal", 1.0), ("screen", 0.6), ("difference", 1.0)])
def test_a_panel_is_placed_exactly_with_its_nan_border_transparent(registry, blend, opacity):
    doc, base, panel = _mosaic(registry, blend, opacity)
    out = doc.render()
    outside = np.ones((H, W), bool)
    outside[120:320, 250:550] = False
    outside[120:130, 250:550] = True  # the NaN border shows the base
    np.testing.assert_array_equal(out[outside], base[outside])
    inner = out[130:320, 250:550]
    b, t = base[130:320, 250:550], panel[10:]
    mixed = {"normal": t, "screen": b + t - b * t, "difference": np.abs(b - t)}[blend]
    np.testing.assert_allclose(inner, b + (mixed - b) * np.float32(opacity), rtol=1e-6)
    assert np.isfinite(out).all()
    # a region across the panel's edge equals the crop
    np.testing.assert_array_equal(doc.render(region=(200, 100, 120, 80)), out[100:180, 200:320])
    half = doc.render(scale=0.5)
    assert half.shape == (H // 2, W // 2, 3) and np.isfinite(half).all()


def test_a_mosaic_with_gaps_goes_through_the_club_stack_without_nan_and_regions_match():
    """4 panels with NaN borders and uncovered corners, then background extraction,
    neutralisation, auto stretch, levels through a contrast mask, curves: covered pixels
    stay finite in the full render and the preview, and a region equals the crop."""
    from editor.core.masks import GeneratedMask
    from editor.plugins.registry import get_registry

    rng = np.random.default_rng(11)
    h, w = 240, 360
    doc = Document.new(w, h, registry=get_registry(), cache=RenderCache(256 * 1024**2))
    ph, pw = 130, 190
    offsets = [(0, 0), (4, w - pw - 6), (h - ph - 3, 3), (h - ph, w - pw)]
    covered = np.zeros((h, w), bool)
    for i, (oy, ox) in enumerate(offsets):
        yy = np.linspace(0, 1, ph, dtype=np.float32)[:, None, None]
        panel = (0.05 + 0.02 * i + 0.03 * yy
                 + 0.003 * rng.standard_normal((ph, pw, 3))).astype(np.float32)
        panel[:5] = np.nan
        panel[:, -4:] = np.nan
        doc.add_image(panel, offset=(oy, ox))
        covered[oy + 5:oy + ph, ox:ox + pw - 4] = True
    assert not covered.all()
    for kind in ("extract_background", "neutralize_background", "auto_stretch"):
        doc.add_adjustment(kind)
    lid = doc.add_adjustment("levels", midtone=0.4)
    doc.set_mask(lid, GeneratedMask("contrast_mask", {"radius": 60.0, "blur": 6.0}))
    doc.add_adjustment("curves")
    full = doc.render()
    assert np.isfinite(full[covered]).all()
    region = doc.render(region=(150, 90, 60, 50))
    np.testing.assert_array_equal(region, full[90:140, 150:210])
    preview = doc.render(scale=0.25)
    inner = covered.reshape(h // 4, 4, w // 4, 4).all(axis=(1, 3))
    assert preview.shape == (h // 4, w // 4, 3) and np.isfinite(preview[inner]).all()
