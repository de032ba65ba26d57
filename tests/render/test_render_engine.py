"""Render engine: step caching, preview scale, regions, cancellation, threads, offsets."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.masks import GeneratedMask
from editor.jobs import CancelToken, Cancelled
from editor.render.cache import RenderCache
from editor.render.resample import reduce2


def _stack(make_doc):
    doc = make_doc()
    a = doc.add_adjustment("gain", factor=1.5)
    b = doc.add_adjustment("blur", sigma=2.0)
    c = doc.add_adjustment("lift", black=0.05, white=1.2)
    return doc, a, b, c


def test_changing_one_parameter_rerenders_only_that_layer_and_those_above(make_doc):
    doc, a, b, c = _stack(make_doc)
    doc.render()
    doc.reset_render_stats()
    doc.set_params(c, black=0.1)  # top layer: only it is recomputed
    doc.render()
    stats = doc.render_stats
    assert stats["layers"] == {c: 1} and stats["filter_runs"] == 1
    doc.reset_render_stats()
    doc.set_params(b, sigma=1.0)  # middle layer: it and the one above
    doc.render()
    assert doc.render_stats["layers"] == {b: 1, c: 1}
    doc.reset_render_stats()
    doc.render()  # nothing changed: all from the cache
    assert doc.render_stats["layer_renders"] == 0 and doc.render_stats["cache_hits"] >= 1


def test_opacity_change_reuses_the_filter_result(make_doc, counted_registry, cache):
    reg, counter = counted_registry
    doc = make_doc(registry=reg)
    a = doc.add_adjustment("gain", factor=2.0)
    doc.render()
    calls = counter.calls
    doc.set_layer_props(a, opacity=0.3)
    doc.render()
    assert counter.calls == calls and doc.layer(a).error is None


def test_undo_brings_back_cached_renders(make_doc):
    doc, a, b, c = _stack(make_doc)
    first = doc.render()
    doc.set_params(b, sigma=4.0)
    doc.render()
    doc.undo()
    doc.reset_render_stats()
    assert np.array_equal(doc.render(), first)
    assert doc.render_stats["layer_renders"] == 0


def test_cache_is_bounded_in_bytes_and_evicts_oldest():
    cache = RenderCache(max_bytes=3 * 1000 * 4 + 3 * 128)
    for i in range(5):
        cache.put(f"k{i}", np.zeros(1000, np.float32))
    assert cache.nbytes <= cache.max_bytes and len(cache) == 3
    assert cache.get("k0") is None and cache.get("k4") is not None
    cache.max_bytes = 0
    assert len(cache) == 0


def test_an_array_stored_under_two_keys_or_as_a_view_is_counted_once():
    a = np.zeros(1000, np.float32)
    cache = RenderCache(max_bytes=2 * 4000 + 10 * 128)
    cache.put("filter", a)
    cache.put("layer", a)  # the filter's output is also the layer's output
    cache.put("crop", a[100:200])  # a view keeps the whole buffer alive: no extra bytes
    assert len(cache) == 3 and cache.nbytes == 4000 + 3 * 128
    cache.put("other", np.ones(1000, np.float32))
    assert len(cache) == 4 and cache.nbytes == 8000 + 4 * 128
    cache.put("layer", np.full(10, 2.0, np.float32))  # replacing an entry...
    assert cache.nbytes == 8000 + 40 + 4 * 128  # ...keeps the buffer "filter" still uses
    cache.put("third", np.ones(1000, np.float32))  # over budget: oldest entries go until
    assert cache.get("filter") is None and cache.get("crop") is None  # the buffer is freed
    assert len(cache) == 3 and cache.nbytes == 8000 + 40 + 3 * 128


def test_the_cache_holds_as_many_renders_as_its_budget_allows(registry, rgb):
    """One full-canvas adjustment whose output is the layer's output costs one canvas of
    memory, so a budget of N canvases keeps the results of N such edits."""
    canvas = rgb.nbytes
    cache = RenderCache(max_bytes=4 * canvas + 64 * 1024)
    doc = Document.from_image(rgb, registry=registry, cache=cache)
    lid = doc.add_adjustment("gain", factor=1.0)
    doc.render()  # the image layer's pixels (a view of the source) + one filter output
    counted = cache.nbytes
    assert counted < 2 * canvas + 64 * 1024
    factors = (1.5, 2.0, 2.5, 3.0)
    for f in factors:
        doc.set_params(lid, factor=f)
        doc.render()
    assert cache.nbytes <= cache.max_bytes
    doc.reset_render_stats()
    for f in factors[1:]:  # the source + the three latest edits fill the four canvases
        doc.set_params(lid, factor=f)
        doc.render()
    assert doc.render_stats["filter_runs"] == 0


def test_preview_scale_approximates_the_downscaled_full_render(make_doc):
    rng = np.random.default_rng(7)
    from scipy import ndimage

    # smooth-ish structure so downscaling is meaningful
    base = ndimage.gaussian_filter(rng.random((160, 240, 3)).astype(np.float32), (3, 3, 0))
    doc = make_doc(base)
    doc.add_adjustment("blur", sigma=8.0)  # spatial: must be scaled with the preview
    full = doc.render()
    preview = doc.render(scale=0.25)
    assert preview.shape == (40, 60, 3)
    expected = reduce2(reduce2(full))
    err = np.abs(preview - expected).max()
    assert err < 0.01
    # without scaling sigma the preview would be far blurrier: prove the test can fail
    unscaled = ndimage.gaussian_filter(reduce2(reduce2(base)), (8, 8, 0), mode="nearest")
    assert np.abs(unscaled - expected).max() > 3 * err


def test_scaled_output_shape_rounds(make_doc):
    doc = make_doc()  # 60 x 80
    assert doc.render(scale=0.1).shape == (6, 8, 3)
    assert doc.render(scale=0.33).shape == (20, 26, 3)


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.3])
def test_region_render_equals_the_crop_of_the_full_render(make_doc, scale):
    doc = make_doc()
    a = doc.add_adjustment("gain", factor=1.5)
    doc.set_mask(a, GeneratedMask("bright_mask", {"threshold": 0.4}, feather=1.5))
    doc.add_adjustment("blur", sigma=1.5)
    full = doc.render(scale=scale)
    doc.cache.clear()  # the region must be computed, not cut from the cached full render
    region = (20, 10, 30, 24)  # x, y, w, h in full-resolution pixels
    part = doc.render(scale=scale, region=region)
    y0, y1 = round(10 * scale), round(34 * scale)
    x0, x1 = round(20 * scale), round(50 * scale)
    assert part.shape[:2] == (y1 - y0, x1 - x0)
    assert np.allclose(part, full[y0:y1, x0:x1], atol=1e-6)


def test_region_render_is_bit_exact_for_pointwise_stacks(make_doc):
    doc = make_doc()
    doc.add_adjustment("gain", factor=1.5)
    doc.add_adjustment("lift", black=0.1)
    full = doc.render()
    doc.cache.clear()
    assert np.array_equal(doc.render(region=(5, 7, 20, 11)), full[7:18, 5:25])


def test_cancelling_through_progress_stops_the_render_and_leaves_the_cache_sound(make_doc):
    doc = make_doc()
    doc.add_adjustment("gain", factor=2.0)
    doc.add_adjustment("slow", steps=200)
    token = CancelToken()
    seen = []

    def report(f):
        seen.append(f)
        if f > 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        doc.render(progress=token.progress(report))
    assert seen and token.cancelled
    out = doc.render(progress=lambda f: None)
    ref = Document.from_image(doc.sources[doc.layers[0].source_id].pixels, registry=doc.registry,
                              cache=RenderCache(1 << 28))
    ref.add_adjustment("gain", factor=2.0)
    assert np.array_equal(out, ref.render())


def test_progress_reaches_one_and_is_monotonic(make_doc):
    doc, *_ = _stack(make_doc)
    seen = []
    doc.render(progress=seen.append)
    assert seen[-1] == 1.0 and all(b >= a for a, b in zip(seen, seen[1:]))


def test_renders_from_threads_on_a_shared_cache_agree(registry):
    cache = RenderCache(64 * 1024**2)
    rng = np.random.default_rng(5)
    docs, expected = [], []
    for i in range(4):
        doc = Document.from_image(rng.random((50, 70, 3), dtype=np.float32), registry=registry,
                                  cache=RenderCache(1 << 26))
        doc.add_adjustment("blur", sigma=1.0 + i)
        doc.add_adjustment("gain", factor=1.0 + i)
        expected.append(doc.render())
        doc._cache = cache
        docs.append(doc)
    errors = []

    def work(k):
        for _ in range(5):
            for scale in (1.0, 0.5):
                out = docs[k].render(scale=scale)
                if scale == 1.0 and not np.array_equal(out, expected[k]):
                    errors.append(k)

    threads = [threading.Thread(target=work, args=(k % 4,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_image_layer_offset_places_a_mosaic_panel(registry, cache):
    doc = Document.new(50, 40, registry=registry, cache=cache)
    panel = np.ones((10, 20), np.float32)
    lid = doc.add_image(panel, offset=(5, 7))
    out = doc.render()
    assert out[5:15, 7:27].min() == 1 and out.sum() == 200
    doc.set_layer_props(lid, offset=(30, 40))  # partly outside the canvas: clipped
    out = doc.render()
    assert out[30:40, 40:50].min() == 1 and out.sum() == 100
    half = doc.render(scale=0.5)
    assert half.shape == (20, 25) and np.isclose(half.sum() * 4, 100)


def test_render_upto_gives_the_before_of_a_layer(make_doc, rgb):
    doc = make_doc()
    a = doc.add_adjustment("gain", factor=2.0)
    doc.add_adjustment("gain", factor=3.0)
    assert np.allclose(doc.render(upto=a), rgb * 2)
    assert np.array_equal(doc.render(upto=doc.layers[0].id), rgb)


def test_region_inside_a_group_with_spatial_filters_equals_the_crop(make_doc):
    doc = make_doc()
    a = doc.add_adjustment("blur", sigma=1.2)
    b = doc.add_adjustment("gain", factor=1.3)
    g = doc.add_group("G", [a, b])
    doc.set_layer_props(g, blend="screen", opacity=0.7)
    doc.set_mask(g, GeneratedMask("bright_mask", {"threshold": 0.45}, feather=1.0))
    full = doc.render()
    doc.cache.clear()
    assert np.allclose(doc.render(region=(30, 20, 25, 20)), full[20:40, 30:55], atol=1e-6)


def test_region_with_a_halo_larger_than_the_canvas_falls_back_to_the_full_render(make_doc):
    doc = make_doc()
    doc.add_adjustment("blur", sigma=40.0)
    doc.cache.clear()
    doc.reset_render_stats()
    part = doc.render(region=(10, 10, 20, 20))
    full = doc.render()
    assert doc.render_stats["layer_renders"] == 2  # the second render came from the cache
    assert np.array_equal(part, full[10:30, 10:30])


def test_a_render_without_copy_is_read_only_and_equal_to_the_copied_one(make_doc):
    doc, *_ = _stack(make_doc)
    copied = doc.render(scale=0.5)
    shared = doc.render(scale=0.5, copy=False)
    assert np.array_equal(copied, shared) and copied.flags.writeable
    assert not shared.flags.writeable
    copied[:] = 0  # a caller's own copy: changing it does not touch the cache
    assert np.array_equal(doc.render(scale=0.5, copy=False), shared)
    assert not doc.render(region=(3, 4, 10, 8), copy=False).flags.writeable


def test_a_slot_keeps_only_its_latest_variants():
    cache = RenderCache(max_bytes=1 << 20, slot_keep=2)
    for i in range(4):
        cache.put(f"v{i}", np.full(10, i, np.float32), slot=("step", "L1"))
    cache.put("other", np.zeros(10, np.float32), slot=("step", "L2"))
    assert [k for k in ("v0", "v1", "v2", "v3", "other") if cache.get(k) is not None] == ["v2", "v3", "other"]
    cache.get("v2")  # used again: now v3 is the older of the two
    cache.put("v4", np.ones(10, np.float32), slot=("step", "L1"))
    assert cache.get("v3") is None and cache.get("v2") is not None
    assert len(cache) == 3 and cache.nbytes == 3 * (40 + 128)


def test_a_slider_drag_does_not_pile_up_every_intermediate_render(make_doc):
    doc, a, b, c = _stack(make_doc)
    doc.render(scale=0.5)
    start = len(doc.cache)
    for i in range(30):
        doc.set_params(b, merge_key="drag", sigma=1.0 + i * 0.1)
        doc.render(scale=0.5)
    doc.history.end_merge()
    # per layer from the dragged one up: at most slot_keep variants of its filter output
    # and of its composite, not thirty
    assert len(doc.cache) <= start + 2 * 2 * doc.cache.slot_keep
    doc.reset_render_stats()
    doc.set_params(b, sigma=1.0 + 28 * 0.1)  # a recent value comes back from the cache
    doc.render(scale=0.5)
    assert doc.render_stats["filter_runs"] == 0
