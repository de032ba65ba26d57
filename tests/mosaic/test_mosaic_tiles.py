"""A mosaic layer rendered by tiles (threads, odd tile sizes, memory-mapped panels) equals
its whole render: bit for bit when feathered, within a stated tolerance when multi-band (each
tile builds its pyramid on the tile plus a halo, snapped to the pyramid's grid). Real data:
the 2MASS Ks plate cut into four rotated, perturbed panels, by WCS and by similarity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from editor.core.document import Document
from editor.mosaic.build import plan_mosaic
from editor.mosaic.compose import render_mosaic
from editor.mosaic.layer import add_mosaic_layer
from editor.mosaic.panels import bilinear, sample
from editor.render.cache import RenderCache
from editor.render.resample import Window
from editor.render.tiles import TiledRender
from tests.mosaic.cutting import header_of, load_plate
from tests.mosaic.test_mosaic_real_panels import GRID4, PERTURB4, make_panels

#: Multi-band tiles vs the whole render: largest difference as a share of the plate's
#: 1..99 % spread. Measured 1.3e-6 .. 3.1e-6 (tiles 64, 97, 256); the bound leaves room, and stays far
#: below the noise (2e-3 of the spread) and the mosaic's own error vs the plate (1.5e-3).
MULTIBAND_TOLERANCE = 2e-5


@pytest.fixture(scope="module")
def k_panels(shared_data):
    plate = load_plate(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits")
    panels, _ = make_panels(plate, GRID4, PERTURB4)
    spread = float(np.subtract(*np.nanpercentile(plate.data, [99, 1])))
    return panels, spread


def _doc(panels, blend: str, align: str = "wcs", rgb: bool = False) -> Document:
    images = [(d, header_of(w) if align == "wcs" else None) for d, w in panels]
    if rgb:  # colour panels: the three channels differ, so a channel mix-up would show
        images = [(np.ascontiguousarray(np.stack([d, d * 0.8 + 5, d * 1.1], -1)), h)
                  for d, h in images]
    plan = plan_mosaic(images, align=align, blend=blend)
    doc = Document(plan.shape[1], plan.shape[0], cache=RenderCache(0))
    add_mosaic_layer(doc, [d for d, _ in images], plan.to_dict())
    return doc


@pytest.mark.parametrize("align,rgb", [("wcs", False), ("stars", True)])
def test_feathered_mosaic_by_tiles_on_threads_is_the_whole_render_bit_for_bit(k_panels, align, rgb):
    panels, _ = k_panels
    doc = _doc(panels, "feather", align, rgb)
    whole = np.asarray(doc.render())
    assert np.isnan(whole).any() and np.isfinite(whole).mean() > 0.9  # gaps stay NaN
    for tile, workers in ((97, 2), (256, 1), (333, 2)):
        out = TiledRender(doc, tile=tile, workers=workers, cache=RenderCache(0)).render()
        assert out.tobytes() == whole.tobytes(), (tile, workers)
    region = Window(101, 389, 57, 613)
    part = TiledRender(doc, tile=64, workers=2, cache=RenderCache(0)).render(region)
    assert part.tobytes() == np.ascontiguousarray(whole[101:389, 57:613]).tobytes()


def test_multiband_mosaic_by_tiles_equals_the_whole_render_within_the_tolerance(k_panels):
    panels, spread = k_panels
    doc = _doc(panels, "multiband")
    whole = np.asarray(doc.render())
    for tile in (97, 256):  # 97: tiles not on the pyramid's grid (it is snapped, not them)
        out = TiledRender(doc, tile=tile, workers=2, cache=RenderCache(0)).render()
        assert np.array_equal(np.isnan(out), np.isnan(whole))
        err = float(np.nanmax(np.abs(out - whole))) / spread
        assert err < MULTIBAND_TOLERANCE, (tile, err)


def test_multiband_region_at_the_canvas_edge_keeps_the_whole_canvas_pyramid_depth(k_panels):
    """A thin window once got a shallower pyramid than the whole canvas (levels were
    counted on the window): a visibly different blend in that strip."""
    panels, spread = k_panels
    images = [(d, header_of(w)) for d, w in panels]
    plan = plan_mosaic(images, blend="multiband")
    px = [d for d, _ in images]
    whole = render_mosaic(plan, px)
    h, w = plan.shape
    strip = render_mosaic(plan, px, window=(h - 5, h, 0, w))
    assert float(np.nanmax(np.abs(strip - whole[h - 5:]))) / spread < MULTIBAND_TOLERANCE


def test_memory_mapped_panels_render_like_panels_in_memory(k_panels, tmp_path):
    panels, _ = k_panels
    images = [(d, header_of(w)) for d, w in panels]
    plan = plan_mosaic(images)
    mapped = []
    for k, (d, _) in enumerate(images):
        np.save(tmp_path / f"p{k}.npy", d)
        mapped.append(np.load(tmp_path / f"p{k}.npy", mmap_mode="r"))
    a = render_mosaic(plan, [d for d, _ in images])
    b = render_mosaic(plan, mapped, window=(0, plan.shape[0], 0, plan.shape[1]))
    assert a.tobytes() == b.tobytes()


def test_numpy_bilinear_matches_map_coordinates_and_its_missing_data_rules(k_panels):
    panels, _ = k_panels
    img = panels[1][0].copy()
    img[100:103, 200:204] = np.nan
    rng = np.random.default_rng(1)
    rows = rng.uniform(-3, img.shape[0] + 2, 20000).astype(np.float32)
    cols = rng.uniform(-3, img.shape[1] + 2, 20000).astype(np.float32)
    rows[:3], cols[:3] = [0, img.shape[0] - 1, 101.5], [img.shape[1] - 1, 0, 201.5]  # edges, hole
    want = ndimage.map_coordinates(img.astype(np.float64), [rows, cols], order=1,
                                   mode="constant", cval=np.nan, prefilter=False)
    got = sample(img, rows, cols)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = np.isfinite(want)
    assert ok.sum() > 15000 and np.isnan(got[2])
    assert np.max(np.abs(got[ok] - want[ok]) / np.maximum(np.abs(want[ok]), 1)) < 2e-6
    # clamp: outside samples take the nearest edge, as map_coordinates' "nearest" mode
    dist = rng.random((9, 13)).astype(np.float32)
    near = ndimage.map_coordinates(dist, [rows / 50, cols / 30], order=1, mode="nearest",
                                   prefilter=False)
    assert np.allclose(bilinear([dist], rows / 50, cols / 30, clamp=True)[0], near, atol=1e-6)
