"""A document rendered tile by tile is the whole render: every stored golden project (every
layer kind, mask kind and blend mode), tile sizes down to odd ones smaller than any halo,
one or several threads, odd canvas sizes, regions, and the pyramid levels of the display."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from editor import Document, GeneratedMask
from editor.jobs.progress import Cancelled, CancelToken
from editor.render.cache import RenderCache
from editor.render.resample import Window
from editor.render.tiles import TiledRender, render_level_region, tile_grid

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
sys.path.insert(0, str(GOLDEN))
from test_golden import CASES, PROJECTS, _assert_matches, _expected  # noqa: E402

#: Projects whose spatial filters (Gaussian blur as BLAS band products, unsharp mask) sum in
#: an order that depends on the window: a tile differs from the whole render by float32
#: rounding only (measured: at most 1.2e-7). Every other project is bit-identical.
#: "geometry": the cubic B-spline prefilter of a rotation runs on each tile's window plus a
#: 12 px margin (editor/render/geometry.py): measured at most 7.5e-9.
ROUNDING_ONLY = {"group_offset", "stretches_spatial", "geometry"}


@pytest.mark.parametrize("name", CASES)
def test_every_golden_project_renders_tile_by_tile_to_its_stored_pixels(name):
    doc = Document.load(PROJECTS / f"{name}.nebula")
    full = np.asarray(doc.render(), np.float32)
    for tile in (7, 16, 33, 1000):
        for workers in (1, 2):
            tiled = TiledRender(doc, tile=tile, workers=workers, cache=RenderCache(0)).render()
            what = f"{name} tile {tile} workers {workers}"
            if name in ROUNDING_ONLY:
                assert np.nanmax(np.abs(tiled - full)) <= 2e-7, what
            else:
                assert np.array_equal(tiled, full, equal_nan=True), what
            if name != "masks_generated":  # its stored pixels predate issue 11's stretch
                _assert_matches(tiled, _expected(name), what)


def test_tile_grid_covers_a_region_once_on_the_fixed_grid():
    win = Window(5, 1001, 3, 777)
    tiles = tile_grid(win, 256)
    cover = np.zeros((1001, 777), np.int32)
    for t in tiles:
        cover[t.y0:t.y1, t.x0:t.x1] += 1
        assert t.y0 % 256 == 0 or t.y0 == 5
        assert t.x0 % 256 == 0 or t.x0 == 3
    assert (cover[5:, 3:] == 1).all() and cover[:5].sum() == 0 and cover[:, :3].sum() == 0


def _stack(doc: Document, plate: np.ndarray) -> None:
    """Every layer and mask kind on the real plate, with halos of every size."""
    doc.add_adjustment("levels", black=0.02, white=0.9, midtone=0.45)
    doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
    hp = doc.add_adjustment("highpass", radius=6.0)
    doc.set_layer_props(hp, blend="overlay", opacity=0.6)
    doc.set_mask(hp, GeneratedMask("contrast_mask", {"radius": 20.0, "blur": 4.0}, feather=3.0))
    blur = doc.add_adjustment("gaussian_blur", sigma=1.5)
    ramp = np.linspace(0, 1, plate.shape[1], dtype=np.float32)[None, :].repeat(plate.shape[0], 0)
    raster = doc.new_raster_mask(ramp)
    raster.feather = 2.0
    doc.set_mask(blur, raster)
    img = doc.add_image(plate[100:400, 50:380] * 0.5, offset=(37.0, 121.0))
    doc.set_layer_props(img, blend="screen", opacity=0.7)
    group = doc.add_group("G", [doc.add_adjustment("saturation")])
    doc.set_layer_props(group, opacity=0.8)


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.37])
def test_a_real_plate_with_every_layer_and_mask_kind_equals_the_whole_render(
        plate_doc, plate, scale):
    _stack(plate_doc, plate)
    full = plate_doc.render(scale=scale)
    assert all(l.error is None for l in plate_doc.all_layers())
    for tile in (97, 256):
        tiled = TiledRender(plate_doc, scale, tile=tile, workers=2, cache=RenderCache(0)).render()
        diff = np.nanmax(np.abs(tiled - full))
        assert diff <= 2e-6, f"tile {tile} scale {scale}: {diff}"


def test_pointwise_stacks_are_bit_identical_tile_by_tile(plate_doc):
    plate_doc.add_adjustment("levels", black=0.02, white=0.9, midtone=0.45)
    plate_doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
    full = plate_doc.render()
    for tile, workers in ((61, 1), (128, 2), (500, 2)):
        tiled = TiledRender(plate_doc, tile=tile, workers=workers, cache=RenderCache(0)).render()
        assert np.array_equal(tiled, full, equal_nan=True)


def test_a_region_renders_tile_by_tile_to_the_crop(plate_doc, plate):
    _stack(plate_doc, plate)
    full = plate_doc.render()
    tr = TiledRender(plate_doc, tile=100, workers=2, cache=RenderCache(0))
    win = Window(123, 701, 55, 640)
    assert np.nanmax(np.abs(tr.render(win) - full[123:701, 55:640])) <= 2e-6


def test_pyramid_level_regions_equal_the_crop_of_that_scale_and_come_from_the_cache(plate_doc):
    plate_doc.add_adjustment("levels", black=0.02, white=0.9, midtone=0.45)
    for level in (0, 1, 2):
        whole = plate_doc.render(scale=0.5**level)
        win, px = render_level_region(plate_doc, level, (100, 80, 500, 300), tile=128)
        assert np.array_equal(px, whole[win.y0:win.y1, win.x0:win.x1])
    plate_doc.reset_render_stats()
    render_level_region(plate_doc, 1, (120, 90, 400, 250), tile=128)  # inside the same tiles
    assert plate_doc.render_stats["layer_renders"] == 0


def test_progress_is_reported_per_tile_and_cancel_stops_between_tiles(plate_doc):
    plate_doc.add_adjustment("levels", black=0.02, white=0.9)
    seen = []
    TiledRender(plate_doc, tile=300, cache=RenderCache(0), progress=seen.append).render()
    assert seen == [i / 9 for i in range(10)]  # 3 x 3 tiles
    token = CancelToken()

    def cancel_after_two(f):
        if f >= 2 / 9:
            token.cancel()

    tr = TiledRender(plate_doc, tile=300, cache=RenderCache(0), progress=cancel_after_two,
                     cancel=token)
    got = []
    with pytest.raises(Cancelled):
        for t, _ in tr.tiles():
            got.append(t)
    assert len(got) == 2
