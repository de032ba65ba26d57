"""Range and star masks, saturation, colour balance, background neutralisation, Lab."""

from __future__ import annotations

import numpy as np
import pytest

import filters
from filters_synthetic import star_field


def test_luminance_range_mask_is_one_inside_zero_outside_and_smooth_between():
    x = np.array([[0.0, 0.1, 0.2, 0.5, 0.8, 0.9, np.nan]], np.float32)
    m = filters.luminance_range_mask(x, low=0.2, high=0.8, feather=0.1)
    np.testing.assert_allclose(m[0, [0, 2, 3, 4, 6]], [0.0, 1.0, 1.0, 1.0, 0.0], atol=1e-6)
    assert m[0, 1] == pytest.approx(0.0, abs=1e-6) and m[0, 5] == pytest.approx(0.0, abs=1e-6)
    mid = filters.luminance_range_mask(np.array([[0.15]], np.float32), 0.2, 0.8, 0.1)
    assert mid[0, 0] == pytest.approx(0.5, abs=1e-6)  # halfway up the smoothstep


def test_star_mask_covers_stars_not_sky():
    img = star_field(shape=(200, 240), n=40)
    mask = filters.star_mask(img, threshold=5.0, grow=2.0, feather=1.0)
    assert mask.shape == img.shape and mask.dtype == np.float32
    assert 0 <= mask.min() and mask.max() <= 1
    bright = img > 0.3
    assert mask[bright].mean() > 0.95
    assert mask[img < 0.06].mean() < 0.2
    assert 0.01 < mask.mean() < 0.4


def test_star_mask_on_real_frame(m13_subs):
    mask = filters.star_mask(m13_subs[0])
    assert mask.shape == m13_subs[0].shape and np.isfinite(mask).all()


def test_saturation_scales_colour_around_unchanged_luminance(gc_rgb):
    grey = filters.saturation(gc_rgb, 0.0)
    y = filters.luminance(gc_rgb)
    np.testing.assert_allclose(grey, np.repeat(y[..., None], 3, axis=2), atol=1e-6)
    vivid = filters.saturation(gc_rgb, 1.5)
    np.testing.assert_allclose(filters.luminance(vivid), y, atol=1e-5)
    np.testing.assert_allclose(vivid - y[..., None], 1.5 * (gc_rgb - y[..., None]), atol=1e-5)


def test_neutralize_background_makes_sky_grey_and_keeps_star_colour_differences():
    rng = np.random.default_rng(1)
    sky = np.array([0.06, 0.045, 0.03], np.float32)  # orange light pollution
    img = sky + 0.002 * rng.standard_normal((200, 200, 3)).astype(np.float32)
    img[100:104, 100:104] += np.array([0.5, 0.3, 0.2], np.float32)
    out = filters.neutralize_background(img)
    med = np.median(out, axis=(0, 1))
    assert np.ptp(med) < 0.001
    star_diff_in = img[101, 101] - img[0, 0]
    star_diff_out = out[101, 101] - out[0, 0]
    np.testing.assert_allclose(star_diff_out, star_diff_in, atol=1e-6)
    boxed = filters.neutralize_background(img, region=(0, 0, 50, 50))
    assert np.ptp(np.median(boxed[:50, :50], axis=(0, 1))) < 0.001


def test_color_balance_and_lab_round_trip():
    rgb = np.random.default_rng(2).uniform(0, 1.5, (20, 30, 3)).astype(np.float32)
    np.testing.assert_allclose(filters.color_balance(rgb, 2.0, 1.0, 0.5)[..., 0], 2 * rgb[..., 0])
    np.testing.assert_allclose(filters.lab_to_rgb(filters.rgb_to_lab(rgb)), rgb, atol=1e-4)
    white = filters.rgb_to_lab(np.ones((1, 1, 3), np.float32))[0, 0]
    np.testing.assert_allclose(white, [100, 0, 0], atol=1e-3)


def test_colour_operations_refuse_mono_where_colour_is_needed():
    with pytest.raises(ValueError, match="RGB"):
        filters.neutralize_background(np.zeros((10, 10), np.float32))
