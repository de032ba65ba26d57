"""Editing a layer above a mosaic reuses the mosaic's cached tiles (the display asks tile by
tile at each pyramid level), and the block means a preview samples keep their exact bits.
Real data: the 2MASS Ks plate cut into four rotated, perturbed panels."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.mosaic import compose
from editor.mosaic.build import plan_mosaic
from editor.mosaic.layer import add_mosaic_layer
from editor.mosaic.panels import _reduce_blocks_nan, reduce_blocks
from editor.render.cache import RenderCache
from editor.render.pyramid import LevelRenderer, TileId, level_full, tile_window
from editor.render.tiles import TiledRender
from tests.mosaic.cutting import header_of, load_plate
from tests.mosaic.test_mosaic_real_panels import GRID4, PERTURB4, make_panels

TILE = 128


@pytest.fixture(scope="module")
def panels(shared_data):
    plate = load_plate(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits")
    got, _ = make_panels(plate, GRID4, PERTURB4)
    return [(np.ascontiguousarray(np.stack([d, d * 0.8 + 5, d * 1.1], -1)), header_of(w))
            for d, w in got]


def _cells(doc: Document, level: int) -> list[TileId]:
    full = level_full(doc.width, doc.height, level)
    return [TileId(level, tx, ty) for ty in range(-(-full.y1 // TILE))
            for tx in range(-(-full.x1 // TILE))]


def test_a_levels_layer_added_and_changed_above_a_mosaic_reuses_its_cached_tiles(panels, monkeypatch):
    plan = plan_mosaic(panels, align="wcs", blend="feather")
    doc = Document(plan.shape[1], plan.shape[0], cache=RenderCache(512 * 1024**2))
    add_mosaic_layer(doc, [d for d, _ in panels], plan.to_dict())
    calls = [0]
    real = compose.panel_layer

    def counted(*a, **kw):
        calls[0] += 1
        return real(*a, **kw)

    monkeypatch.setattr(compose, "panel_layer", counted)
    levels = (0, 2)  # 100 % and a reduced level, as the tiled canvas asks for them

    def show() -> dict:
        return {t: LevelRenderer(doc, t.level, tile=TILE).linear(t)
                for level in levels for t in _cells(doc, level)}

    show()
    assert calls[0] > 0
    lid = doc.add_adjustment("levels", black=0.02, white=0.8)
    for change in ({}, {"black": 0.05}, {"white": 0.7, "midtone": 1.4}):
        if change:
            doc.set_params(lid, **change)
        calls[0] = 0
        doc.reset_render_stats()
        tiles = show()
        mosaic_id = doc.layers[0].id
        assert calls[0] == 0 and doc.render_stats["layers"].get(mosaic_id, 0) == 0, change
        assert doc.render_stats["layers"][lid] > 0  # the levels layer itself did run
        for t, px in tiles.items():  # the same pixels as a render keeping nothing
            fresh = TiledRender(doc, 0.5 ** t.level, tile=TILE, cache=RenderCache(0))
            expect = fresh.render_tile(tile_window(fresh.full, t, TILE))
            assert np.array_equal(px, expect, equal_nan=True), (change, t)
    assert calls[0] > 0  # the fresh renders did compute the mosaic: the counter counts


@pytest.mark.parametrize("shape", [(301, 413, 3), (256, 384), (40, 997, 3)])
def test_block_means_of_whole_finite_blocks_keep_the_bits_of_the_nan_ignoring_rule(shape):
    rng = np.random.default_rng(7)
    unit = rng.random(shape, dtype=np.float32)
    wide = (unit * np.float32(10) ** rng.integers(-12, 6, shape).astype(np.float32)).astype(np.float32)
    wide[::5] *= -1
    holes = unit.copy()
    holes[10:30, 50:90] = np.nan
    holes[-3:, -2:] = np.nan
    for img in (unit, wide, holes):
        for k in (2, 3, 4, 7, 16):
            oh, ow = -(-shape[0] // k), -(-shape[1] // k)
            got, rule = reduce_blocks(img, k), _reduce_blocks_nan(img, k, oh, ow)
            assert got.dtype == np.float32 and got.shape == rule.shape
            assert np.array_equal(got, rule, equal_nan=True), k
