"""Large-radius filters take their smooth part from one reduced copy of the whole input: a
tile needs no border, tiles and the whole render agree exactly (both use the coarse field),
and the result stays close to the full-resolution filter."""

from __future__ import annotations

import numpy as np

import filters
from editor.core.masks import GeneratedMask
from editor.render.cache import RenderCache
from editor.render.tiles import TiledRender


def test_a_1000px_style_high_pass_and_contrast_mask_tile_exactly_without_borders(
        plate_doc, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEASURE_PIXELS", "200000")  # measured at 1/2 scale
    doc = plate_doc
    hp = doc.add_adjustment("highpass", radius=200.0)
    lv = doc.add_adjustment("levels", black=0.1, white=0.8)
    doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 40.0}))
    job = TiledRender(doc, tile=128, cache=RenderCache(0))._job()
    assert job.halo(job.tree[1]) == 0 and job.halo(job.tree[2]) == 0  # point-wise per tile
    full = doc.render()
    doc.reset_render_stats()
    tiled = TiledRender(doc, tile=128, workers=2, cache=RenderCache(0)).render()
    assert np.array_equal(tiled, full, equal_nan=True)
    assert doc.render_stats["measure_runs"] == 2  # once per layer, not per tile (49 tiles)


def test_the_coarse_high_pass_stays_close_to_the_full_resolution_one(
        plate_doc, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEASURE_PIXELS", "200000")
    src = plate_doc.sources[plate_doc.layers[0].source_id].pixels
    plate_doc.add_adjustment("highpass", radius=200.0)
    coarse = plate_doc.render()
    exact = filters.highpass(src, 200.0)
    span = float(src.max() - src.min())
    err = np.abs(coarse - exact)
    # Measured on a 1/8 copy (radius 25 px there): the copy's edge rows average 8 rows, so
    # 'nearest' extension beyond the canvas differs most near the edges (measured 3.9e-3 of
    # the span), 2.3e-3 beyond 100 px, median 4.5e-4.
    assert np.max(err) < 5e-3 * span, np.max(err) / span
    assert np.max(err[100:-100, 100:-100]) < 3e-3 * span
    assert np.median(err) < 6e-4 * span


def test_the_coarse_contrast_mask_stays_within_the_documented_tolerance(plate_doc, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEASURE_PIXELS", "200000")
    lv = plate_doc.add_adjustment("levels", black=0.1, white=0.8)
    plate_doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 40.0}))
    mask = plate_doc.render_mask(lv)
    src = plate_doc.sources[plate_doc.layers[0].source_id].pixels
    exact = filters.contrast_mask(src, radius=300.0, blur=40.0)
    # levels white=0.5 doubles the blur's error (see above); measured 1.6e-2 at most, 1.2e-2
    # beyond 100 px, median 3.4e-3: invisible in a soft mask
    err = np.abs(mask - exact)
    assert np.max(err) < 2e-2 and np.max(err[100:-100, 100:-100]) < 1.5e-2
    assert np.median(err) < 5e-3


def test_a_small_radius_high_pass_is_not_measured_at_all(plate_doc, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEASURE_PIXELS", "200000")
    plate_doc.add_adjustment("highpass", radius=4.0)
    plate_doc.reset_render_stats()
    plate_doc.render(scale=0.5)
    assert plate_doc.render_stats["measure_runs"] == 0
