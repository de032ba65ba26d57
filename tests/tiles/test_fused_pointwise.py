"""Runs of point-wise layers fused per tile (editor/render/fused.py) give the very pixels of the
layer-by-layer render: blend modes, opacity, raster and generated masks, a contrast mask from
its coarse field, missing (NaN) source pixels, mono and colour, whole, regions and tiles; and
the fused path is really taken. (The kernels keep NaN: tests/filters, as the filters use them.)"""

from __future__ import annotations

import numpy as np
import pytest

from editor import GeneratedMask
from editor.core.document import Document
from editor.render import engine, fused
from editor.render.cache import RenderCache
from editor.render.resample import Window
from editor.render.tiles import TiledRender


def _stack(doc: Document, shape: tuple[int, int]) -> dict[str, str]:
    """Point-wise layers of every fusable sort, with layers that cut or stop a run between."""
    ids = {}
    ids["levels"] = doc.add_adjustment("levels", black=0.01, white=0.9, midtone=0.8)
    ids["curves"] = doc.add_adjustment("curves", points=[[0, 0.02], [0.25, 0.32], [1.2, 1.1]])
    doc.set_layer_props(ids["curves"], opacity=0.7)
    ids["masked"] = doc.add_adjustment("levels", midtone=1.4)
    doc.set_mask(ids["masked"], GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 60.0},
                                              feather=0.0))
    ids["screen"] = doc.add_adjustment("asinh_stretch", stretch=30.0, black_point=0.01)
    doc.set_layer_props(ids["screen"], blend="screen", opacity=0.5)
    ramp = np.linspace(0, 1, shape[1], dtype=np.float32)[None, :].repeat(shape[0], 0)
    ramp[:, : shape[1] // 5] = 0.0  # alpha 0: below kept exactly
    ids["raster"] = doc.add_adjustment("curves", points=[[0, 0.1], [0.5, 0.6], [1, 0.9]])
    doc.set_mask(ids["raster"], doc.new_raster_mask(ramp))
    ids["lum"] = doc.add_adjustment("levels", black=-0.05, white=1.1, channel="luminance")
    ids["multiply"] = doc.add_adjustment("levels", black=0.0, white=0.8, out_black=0.1)
    doc.set_layer_props(ids["multiply"], blend="multiply", opacity=0.9)
    ids["luminosity"] = doc.add_adjustment("asinh_stretch", stretch=5.0)
    doc.set_layer_props(ids["luminosity"], blend="luminosity")
    ids["hidden"] = doc.add_adjustment("levels", white=0.5)
    doc.set_layer_props(ids["hidden"], opacity=0.0)
    return ids


def _renders(doc: Document, scale: float) -> dict[str, np.ndarray]:
    out = {"whole": np.array(doc.render(scale=scale))}
    out["region"] = np.array(doc.render(scale=scale, region=(101, 57, 503, 311)))
    for tile, workers in ((97, 1), (256, 2)):
        tr = TiledRender(doc, scale, tile=tile, workers=workers, cache=RenderCache(0))
        out[f"tiles {tile}"] = tr.render()
    return out


@pytest.fixture
def fuse_off(monkeypatch):
    def off() -> None:
        monkeypatch.setattr(engine, "FUSE", False)
    return off


@pytest.mark.parametrize("scale", [1.0, 0.37])
@pytest.mark.parametrize("mono", [False, True])
def test_fused_runs_equal_the_layer_by_layer_render_bit_for_bit(plate, builtin_registry,
                                                                fuse_off, monkeypatch,
                                                                scale, mono):
    pixels = plate[..., 0].copy() if mono else plate.copy()
    pixels[200:230, 300:420] = np.nan  # missing pixels of the image: transparent
    calls = []
    real = fused.apply
    monkeypatch.setattr(fused, "apply", lambda *a: (calls.append(len(a[0])), real(*a))[1])

    def build() -> Document:
        doc = Document.from_image(pixels, registry=builtin_registry, cache=RenderCache(1 << 30))
        _stack(doc, pixels.shape[:2])
        return doc

    fused_px = _renders(build(), scale)
    assert calls and max(calls) >= 2, "no run of point-wise layers was fused"
    # with nothing cached (the tiles here) the contrast mask is made chunk by chunk from
    # the composite below it: one run of 5 layers, not cut in two
    assert max(calls) >= 5
    fuse_off()
    calls.clear()
    plain = _renders(build(), scale)
    assert not calls
    for what, px in fused_px.items():
        assert px.shape == plain[what].shape
        assert np.array_equal(px, plain[what], equal_nan=True), what
    whole = fused_px["whole"]
    for tile in ("tiles 97", "tiles 256"):
        assert np.array_equal(fused_px[tile], whole, equal_nan=True), tile


def test_a_failing_mask_in_a_fused_run_makes_only_its_layer_pass_through(plate_doc, fuse_off,
                                                                        monkeypatch):
    a = plate_doc.add_adjustment("levels", black=0.02, white=0.9)
    b = plate_doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.5], [1, 1]])
    plate_doc.set_mask(b, GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 60.0}))
    c = plate_doc.add_adjustment("asinh_stretch", stretch=10.0)
    real = engine.RenderJob._raw_mask

    def broken(self, m, below, win, lid):
        if lid == b:
            raise engine.StepFailed("mask input unreadable")
        return real(self, m, below, win, lid)

    monkeypatch.setattr(engine.RenderJob, "_raw_mask", broken)
    got = plate_doc.render()
    errors = {lid: plate_doc.layer(lid).error for lid in (a, b, c)}
    assert errors == {a: None, b: "mask input unreadable", c: None}
    fuse_off()
    plate_doc.cache.max_bytes = 0
    assert np.array_equal(plate_doc.render(), got)
    plate_doc.set_layer_props(b, visible=False)  # pass-through = as if it were not there
    assert np.array_equal(plate_doc.render(), got)


def test_an_edit_of_the_masked_layer_starts_from_the_cached_composite_below_it(plate_doc):
    lower = [plate_doc.add_adjustment("levels", black=0.02, white=0.9),
             plate_doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])]
    masked = plate_doc.add_adjustment("levels", midtone=1.2)
    plate_doc.set_mask(masked, GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 60.0}))
    plate_doc.add_adjustment("asinh_stretch")
    plate_doc.render(scale=0.5)
    plate_doc.reset_render_stats()
    plate_doc.set_params(masked, midtone=1.5)
    plate_doc.render(scale=0.5)
    renders = plate_doc.render_stats["layers"]
    assert all(lid not in renders for lid in lower) and renders.get(masked) == 1


def test_a_tiled_render_with_nothing_cached_writes_tiles_straight_into_its_output(plate_doc,
                                                                                  monkeypatch):
    plate_doc.add_adjustment("levels", black=0.02, white=0.9, midtone=0.45)
    plate_doc.add_adjustment("asinh_stretch")
    whole = plate_doc.render()
    copies = []
    real = TiledRender.render_tile

    def spy(self, win, out=None):
        px = real(self, win, out)
        copies.append(out is None or px is not out)
        return px

    monkeypatch.setattr(TiledRender, "render_tile", spy)
    tr = TiledRender(plate_doc, tile=128, workers=2, cache=RenderCache(0))
    got = tr.render(Window(0, 893, 0, 891))
    assert np.array_equal(got, whole)
    # the first tiles start before the output exists (its channels come from the first)
    assert copies.count(False) >= len(copies) - 4 and len(copies) > 20


def test_the_contrast_mask_made_chunk_by_chunk_equals_the_whole_mask(plate):
    from filters.contrast_mask import (contrast_mask, contrast_mask_measure,
                                       contrast_mask_rows)

    img = plate.copy()
    img[300:340, 10:500] = np.nan  # missing pixels: not selected (0)
    img[500:510, 200:260, 1] = np.nan
    small = img[::8, ::8]
    recipe = {"radius": 40.0, "blur": 8.0}
    measured = dict(contrast_mask_measure(small, **recipe, measuring_scale=1 / 8),
                    frame=(0.1, 0.9, 0.0, 1.0), canvas=(img.shape[0], img.shape[1]))
    part = img[89:802]  # the rows ``frame`` says
    levels = {"black": 0.05, "midtone": 0.7, "white": 0.6, "invert": True}
    whole = contrast_mask(part, **recipe, **levels, measured=measured)
    rows = contrast_mask_rows(part.shape[:2], measured, **recipe, **levels)
    assert rows is not None
    chunked = np.concatenate([rows(part[r:r + 37], r, min(r + 37, part.shape[0])).copy()
                              for r in range(0, part.shape[0], 37)])
    assert np.array_equal(chunked, whole)
    assert (whole[300 - 89:340 - 89, 10:500] == 0).all() and whole.max() > 0.5


@pytest.mark.parametrize("masked", ["first", "last", "only"])
def test_fused_chunks_in_place_or_apart_equal_blend_layer_by_layer(plate, masked):
    """The chunk loop reads src rows and writes dst rows with no copies in between: in place
    (dst is src) or apart, a masked layer first, last or alone gives blend()'s bits."""
    from editor.render.blend import blend
    from filters.curves import curves_kernel
    from filters.levels import levels_kernel
    from filters.stretch import asinh_kernel

    img = plate[:300].copy()
    img[40:60, 100:200, 1] = np.nan
    ramp = np.linspace(-0.2, 1.0, img.shape[1], dtype=np.float32)[None, :].repeat(300, 0)
    mask = np.clip(ramp, 0, 1)  # 0 on the left: below kept exactly (NaN too)
    k = [levels_kernel(0.01, 1.6, 0.9), curves_kernel([[0, 0], [0.3, 0.45], [1, 1]]),
         asinh_kernel(20.0, 0.0, 3)]
    ops = [(k[0], "normal", mask if masked == "first" else 1.0), (k[1], "screen", 0.6),
           (k[2], "normal", mask if masked == "last" else 1.0)]
    if masked == "only":  # reads and writes the same rows when in place
        ops = [(k[0], "normal", 0.0), (k[1], "normal", mask)]
    expect = img
    for op, mode, alpha in ops:
        top = np.empty_like(expect)
        op(expect, top)
        expect = blend(expect, top, mode, alpha)
    apart = np.full_like(img, 7.0)
    fused.apply(ops, img, apart)
    inplace = img.copy()
    fused.apply(ops, inplace, inplace)
    for got in (apart, inplace):
        assert np.array_equal(got.view(np.uint32), expect.view(np.uint32))
