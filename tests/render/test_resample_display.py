"""Proxy pyramid / area sampling, and the screen transfer (display_image)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.sources import Source, freeze
from editor.render.display import display_image
from editor.render.resample import Window, choose_level, place_source, proxy_level, reduce2


def _src(pixels):
    return Source(id="S", pixels=freeze(pixels))


def test_half_scale_is_the_exact_two_by_two_mean():
    rng = np.random.default_rng(2)
    px = rng.random((40, 60, 3), dtype=np.float32)
    out, cov = place_source(_src(px), 0.5, Window(0, 20, 0, 30))
    expected = px.reshape(20, 2, 30, 2, 3).mean(axis=(1, 3))
    assert cov is None and np.allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("scale", [0.05, 0.1, 0.25, 0.3, 0.7])
def test_area_sampling_preserves_the_mean_at_any_scale(scale):
    rng = np.random.default_rng(4)
    px = rng.random((200, 300), dtype=np.float32)
    full = Window(0, round(200 * scale), 0, round(300 * scale))
    out, _ = place_source(_src(px), scale, full)
    assert out.shape == full.shape
    assert abs(float(out.mean()) - float(px.mean())) < 0.01


def test_pyramid_levels_are_built_once_and_read_only():
    src = _src(np.ones((64, 64), np.float32))
    l2 = proxy_level(src, 2)
    assert l2.shape == (16, 16) and not l2.flags.writeable
    assert proxy_level(src, 2) is l2 and 1 not in src._pyramid  # passed through (not asked for)
    assert choose_level(0.05, (5000, 7000)) == 4 and choose_level(0.6, (10, 10)) == 0


def test_odd_sizes_reduce_without_losing_the_edge():
    px = np.arange(15, dtype=np.float32).reshape(3, 5)
    r = reduce2(px)
    assert r.shape == (2, 3) and r[-1, -1] == px[-1, -1]


def test_a_window_is_the_crop_of_the_whole_canvas_bit_for_bit():
    rng = np.random.default_rng(6)
    src = _src(rng.random((123, 157, 3), dtype=np.float32))
    scale = 0.37
    full_win = Window(0, round(123 * scale), 0, round(157 * scale))
    whole, _ = place_source(src, scale, full_win, (3, -4))
    part, _ = place_source(src, scale, Window(5, 30, 7, 41), (3, -4))
    assert np.array_equal(part, whole[5:30, 7:41])


def test_display_none_shows_values_as_they_are_like_a_png_export():
    x = np.array([[0.0, 0.5, 1.0, 2.0]], np.float32)
    out = display_image(x)
    assert out.shape == (1, 4, 3) and out.dtype == np.uint8
    assert out[0, 0, 0] == 0 and out[0, 2, 0] == 255 and out[0, 3, 0] == 255
    assert out[0, 1, 0] == 128


def test_display_fixed_stf_and_clip_warning():
    x = np.array([[0.0, 0.1, 0.2, 1.0]], np.float32)
    out = display_image(x, stretch=(0.0, 0.5, 0.2), clip_warning=True)
    assert tuple(out[0, 0]) == (0, 64, 255)  # black clip shown blue
    assert tuple(out[0, 2]) == (255, 0, 0) and tuple(out[0, 3]) == (255, 0, 0)
    assert out[0, 1, 0] == 128  # (0.1 - 0) / 0.2 = 0.5 with midtones 0.5


def test_display_auto_stretch_brightens_faint_linear_data():
    pytest.importorskip("filters")
    import filters

    if not hasattr(filters, "auto_stretch_params"):
        pytest.skip("filters.auto_stretch_params is not there yet")
    rng = np.random.default_rng(8)
    faint = (0.02 + rng.standard_normal((50, 60)) * 0.002).astype(np.float32)
    plain = display_image(faint)
    auto = display_image(faint, "auto")
    assert auto.mean() > plain.mean() + 20 and auto.shape == (50, 60, 3)


def test_last_scaled_pixel_reaching_past_the_canvas_is_not_darkened(registry, cache):
    from editor.core.document import Document

    doc = Document.from_image(np.full((891, 893), 0.5, np.float32), registry=registry, cache=cache)
    preview = doc.render(scale=0.25)  # 223 x 223 pixels: the last ones overhang the canvas
    assert preview.shape == (223, 223) and np.allclose(preview, 0.5, atol=1e-6)


def test_display_unlinked_auto_stretch_per_channel():
    from editor.render.display import apply_stf, stf_params

    rng = np.random.default_rng(9)
    rgb = (np.array([0.02, 0.04, 0.01], np.float32)
           + rng.standard_normal((40, 50, 3)).astype(np.float32) * 0.002)
    out = apply_stf(rgb, stf_params(rgb, linked=False))
    medians = np.median(out.reshape(-1, 3), axis=0)
    assert np.allclose(medians, 0.25, atol=0.03)  # each channel's background to the target
    assert display_image(rgb, "auto").shape == (40, 50, 3)
