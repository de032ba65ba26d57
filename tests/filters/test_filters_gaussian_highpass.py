"""Gaussian blur and High Pass against the exact definitions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import filters
from filters.gaussian import CUBIC_RATIO, ERROR_BOUND, RATIO


def exact_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(x.astype(np.float64), sigma, mode="nearest", truncate=6.0)


@pytest.mark.parametrize(
    "sigma", [0.7, 3.0, 2 * CUBIC_RATIO, 6.0, 8.0, 11.5, 2 * RATIO, 2 * RATIO + 5, 40.0, 150.0]
)
def test_blur_of_sharp_steps_and_noise_stays_within_documented_bound(sigma):
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:301, :413]
    step = ((0.7 * xx + 0.3 * yy) > 170).astype(np.float32)
    noise = rng.random((301, 413), dtype=np.float32)
    for img in (step, noise):
        err = np.abs(filters.gaussian_blur(img, sigma) - exact_blur(img, sigma)).max()
        assert err < ERROR_BOUND * (img.max() - img.min())


def test_blur_on_real_plate_matches_exact_gaussian(horsehead):
    for sigma in (3.0, 7.0, 60.0):
        err = np.abs(filters.gaussian_blur(horsehead, sigma) - exact_blur(horsehead, sigma))
        assert err.max() < ERROR_BOUND


def test_blur_keeps_a_constant_image_constant_at_any_size_and_radius():
    for shape in [(5, 7), (1, 9), (37, 23, 3), (200, 130)]:
        for sigma in (1.0, 6.0, 40.0, 5000.0):
            out = filters.gaussian_blur(np.full(shape, 0.3, np.float32), sigma)
            assert out.shape == shape and out.dtype == np.float32
            np.testing.assert_allclose(out, 0.3, atol=1e-6)


def test_blur_ignores_missing_pixels_and_keeps_them_missing():
    img = np.full((120, 150), 0.2, np.float32)
    img[40:60, 50:90] = np.nan
    for sigma in (2.0, 7.0, 30.0):
        out = filters.gaussian_blur(img, sigma)
        assert np.isnan(out[40:60, 50:90]).all()
        valid = ~np.isnan(img)
        np.testing.assert_allclose(out[valid], 0.2, atol=1e-5)  # NaN did not darken
    assert filters.gaussian_blur(img, 30.0)[0, 0] == pytest.approx(0.2, abs=1e-6)


def test_blur_does_not_modify_its_input():
    img = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
    img.flags.writeable = False
    filters.gaussian_blur(img, 20.0)
    filters.highpass(img, 20.0)


@pytest.mark.parametrize("radius", [4.0, 25.0, 120.0])
def test_highpass_is_image_minus_gaussian_plus_half(horsehead, radius):
    exact = horsehead - exact_blur(horsehead, radius) + 0.5
    assert np.abs(filters.highpass(horsehead, radius) - exact).max() < ERROR_BOUND


def test_highpass_of_rgb_treats_each_channel(gc_rgb):
    out = filters.highpass(gc_rgb, 30.0)
    assert out.shape == gc_rgb.shape and out.dtype == np.float32
    for c in range(3):
        exact = gc_rgb[..., c] - exact_blur(gc_rgb[..., c], 30.0) + 0.5
        assert np.abs(out[..., c] - exact).max() < ERROR_BOUND


def test_highpass_of_flat_image_is_mid_grey_and_nan_stays_nan():
    img = np.full((50, 60), 0.8, np.float32)
    img[10, 10] = np.nan
    for radius in (0.0, 3.0, 1000.0):
        out = filters.highpass(img, radius)
        assert np.isnan(out[10, 10])
        np.testing.assert_allclose(np.delete(out.ravel(), 10 * 60 + 10), 0.5, atol=1e-5)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError, match="radius"):
        filters.highpass(np.zeros((4, 4), np.float32), -1.0)
