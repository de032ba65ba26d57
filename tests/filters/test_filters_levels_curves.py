"""Levels, Curves and Brightness/Contrast against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

import filters


def row(*values: float) -> np.ndarray:
    return np.array([values], np.float32)


def test_levels_black_white_points_spread_the_range():
    out = filters.levels(row(0.1, 0.2, 0.3, 0.5), black=0.1, white=0.5)
    np.testing.assert_allclose(out, row(0.0, 0.25, 0.5, 1.0), atol=1e-6)


def test_levels_midtone_is_photoshop_gamma():
    # Photoshop: out = t ** (1 / gamma); gamma 2 lifts 0.25 to 0.5.
    out = filters.levels(row(0.25, 0.64), midtone=2.0)
    np.testing.assert_allclose(out, row(0.5, 0.8), atol=1e-6)


def test_levels_output_range_and_black_clip():
    out = filters.levels(row(-0.2, 0.0, 0.5, 1.0), out_black=0.1, out_white=0.9)
    np.testing.assert_allclose(out, row(0.1, 0.1, 0.5, 0.9), atol=1e-6)


def test_levels_keeps_headroom_above_white_unless_clip_is_asked():
    hdr = row(0.5, 2.0)
    np.testing.assert_allclose(filters.levels(hdr, white=0.5), row(1.0, 4.0), atol=1e-6)
    np.testing.assert_allclose(filters.levels(hdr, white=0.5, clip=True), row(1.0, 1.0))


def test_levels_on_one_channel_leaves_the_others():
    img = np.full((2, 2, 3), 0.25, np.float32)
    out = filters.levels(img, midtone=2.0, channel="green")
    np.testing.assert_allclose(out[..., 1], 0.5, atol=1e-6)
    np.testing.assert_array_equal(out[..., [0, 2]], img[..., [0, 2]])


def test_levels_on_luminance_keeps_colour_ratios(gc_rgb):
    out = filters.levels(gc_rgb, black=0.0, midtone=1.8, white=0.8, channel="luminance")
    y = filters.luminance(gc_rgb)
    ok = y > 0.01
    ratio_in = gc_rgb[ok][:, 0] / gc_rgb[ok][:, 1].clip(1e-6)
    ratio_out = out[ok][:, 0] / out[ok][:, 1].clip(1e-6)
    np.testing.assert_allclose(ratio_out, ratio_in, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(filters.luminance(out)[ok], (y[ok] / 0.8) ** (1 / 1.8), rtol=1e-4)


def test_levels_nan_stays_nan_and_bad_points_are_refused():
    out = filters.levels(row(np.nan, 0.5), midtone=1.5)
    assert np.isnan(out[0, 0]) and np.isfinite(out[0, 1])
    with pytest.raises(ValueError, match="white"):
        filters.levels(row(0.5), black=0.6, white=0.4)


def test_curves_passes_through_its_points_and_matches_pchip_between():
    from scipy.interpolate import PchipInterpolator

    pts = [(0.0, 0.0), (0.2, 0.4), (0.6, 0.7), (1.0, 1.0)]
    x = np.linspace(0, 1, 1001, dtype=np.float32)[None, :]
    out = filters.curves(x, pts)
    np.testing.assert_allclose(out[0], PchipInterpolator(*np.array(pts).T)(x[0]), atol=2e-6)
    np.testing.assert_allclose(filters.curves(row(0.2, 0.6), pts), row(0.4, 0.7), atol=1e-6)


def test_curves_hand_computed_value():
    # PCHIP through (0,0), (0.5,0.75), (1,1): slope at 0.5 is the harmonic mean 0.75,
    # end slope at 0 is 2.25; the Hermite cubic at 0.25 gives 0.453125.
    out = filters.curves(row(0.25), [(0, 0), (0.5, 0.75), (1, 1)])
    assert out[0, 0] == pytest.approx(0.453125, abs=1e-6)


def test_curves_never_overshoots_between_points():
    pts = [(0.0, 0.0), (0.1, 0.8), (0.2, 0.82), (1.0, 1.0)]  # a steep toe then a plateau
    x = np.linspace(0, 1, 2001, dtype=np.float32)[None, :]
    out = filters.curves(x, pts)[0]
    assert np.all(np.diff(out) >= -1e-6) and out.max() <= 1.0 + 1e-6


def test_identity_curve_changes_nothing_even_outside_0_1():
    x = row(-0.3, 0.0, 0.37, 1.0, 4.5, np.nan)
    out = filters.curves(x)
    np.testing.assert_allclose(out[0, :5], x[0, :5], atol=1e-6)
    assert np.isnan(out[0, 5])


def test_curves_is_flat_beyond_points_short_of_the_ends():
    out = filters.curves(row(0.0, 0.05, 0.95, 3.0), [(0.1, 0.2), (0.9, 0.8)])
    np.testing.assert_allclose(out, row(0.2, 0.2, 0.8, 0.8), atol=1e-6)


def test_brightness_contrast_follows_gimp_formula():
    x = row(0.2, 0.5, 0.8)
    np.testing.assert_allclose(filters.brightness_contrast(x, 0.0, 0.0), x, atol=1e-6)
    slant = np.tan((0.5 + 1) * np.pi / 4)
    np.testing.assert_allclose(
        filters.brightness_contrast(x, 0.0, 0.5), (x - 0.5) * slant + 0.5, atol=1e-5
    )
    np.testing.assert_allclose(filters.brightness_contrast(x, 0.5, 0.0), x + (1 - x) * 0.5,
                               atol=1e-6)
    np.testing.assert_allclose(filters.brightness_contrast(x, -0.5, 0.0), x * 0.5, atol=1e-6)


def test_levels_and_curves_on_real_rgb_keep_shape_and_dtype(gc_rgb):
    curve = [(0, 0), (0.3, 0.5), (1, 1)]
    for out in (filters.levels(gc_rgb, 0.05, 1.3, 0.9), filters.curves(gc_rgb, curve)):
        assert out.shape == gc_rgb.shape and out.dtype == np.float32
