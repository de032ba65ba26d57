"""The documented tolerances of the fast paths: levels gamma, the curves table, banded blur."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import filters
from filters.curves import LUT_SIZE, curve_function
from filters.gaussian import BANDED_FROM, BANDED_TO, _blur_banded
from filters.levels import GAMMA_RTOL


@pytest.mark.parametrize("midtone", [0.1, 0.5, 1.4, 3.0, 10.0])
def test_levels_gamma_is_within_documented_relative_tolerance_of_exact_power(midtone):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.random(200_000, dtype=np.float32),
                        np.float32(10) ** rng.uniform(-20, 20, 200_000).astype(np.float32),
                        np.array([0.0, 1.0], np.float32)])[None, :]
    out = filters.levels(x, midtone=midtone)
    exact = x.astype(np.float64) ** (1.0 / midtone)
    ok = (exact > 1e-30) & (exact < 1e30)
    np.testing.assert_allclose(out[ok], exact[ok], rtol=GAMMA_RTOL)
    assert out[0, -2] == 0.0 and out[0, -1] == 1.0  # black stays black, white stays white


def test_levels_gamma_keeps_nan_and_infinity():
    out = filters.levels(np.array([[np.nan, np.inf, -0.5, 0.25]], np.float32), midtone=2.0)
    assert np.isnan(out[0, 0]) and out[0, 1] == np.inf and out[0, 2] == 0.0
    assert out[0, 3] == pytest.approx(0.5, abs=1e-7)


def test_levels_gamma_2_and_one_half_are_the_exact_square_and_square_root():
    x = np.random.default_rng(3).random((1, 10_000), dtype=np.float32) * np.float32(3)
    np.testing.assert_array_equal(filters.levels(x, midtone=0.5), np.square(x))
    np.testing.assert_array_equal(filters.levels(x, midtone=2.0), np.sqrt(x))


def test_levels_steps_that_change_nothing_are_skipped_without_changing_bits():
    # black 0 / white 1 / no gamma / output 0..1: the input itself (no -0.0 or rounding)
    x = np.array([[-0.0, 0.0, 1e-38, 0.3, 7.5, np.inf, np.nan]], np.float32)
    out = filters.levels(x)
    np.testing.assert_array_equal(out.view(np.uint32)[:, :-1], x.view(np.uint32)[:, :-1])
    assert np.isnan(out[0, -1])


def test_curves_differ_from_the_spline_by_at_most_half_a_table_step_times_the_slope():
    pts = [(0.0, 0.0), (0.05, 0.4), (0.3, 0.7), (1.0, 1.0)]  # a steep stretch of the toe
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.random(300_000), rng.random(300_000) * 0.05]).astype(np.float32)
    spline = curve_function(pts)
    exact = spline(x.astype(np.float64))
    out = filters.curves(x[None, :], pts)[0]
    max_slope = np.abs(spline.derivative()(np.linspace(0, 1, 100_001))).max()
    bound = max_slope * 0.5 / LUT_SIZE + 1e-7  # half a step, plus float32 rounding
    err = np.abs(out - exact)
    assert err.max() <= bound
    assert err.max() > 0.1 * bound  # the bound is tight, not vacuous


def test_curves_are_exact_at_the_ends_and_on_table_steps():
    pts = [(0.0, 0.1), (0.5, 0.75), (1.0, 0.9)]
    x = np.array([[0.0, 1.0, 0.5, 0.25, 3 / LUT_SIZE]], np.float32)
    exact = curve_function(pts)(x[0].astype(np.float64))
    np.testing.assert_allclose(filters.curves(x, pts)[0], exact, atol=1e-7)


def test_curves_keep_nan_next_to_values_outside_0_1():
    x = np.array([[np.nan, -0.2, 0.5, 1.5, np.nan]], np.float32)
    out = filters.curves(x, [(0.0, 0.0), (0.5, 0.6), (1.0, 1.0)])
    assert np.isnan(out[0, 0]) and np.isnan(out[0, 4])
    assert np.isfinite(out[0, 1:4]).all() and out[0, 2] == pytest.approx(0.6, abs=1e-6)
    assert out[0, 3] > 1.0  # headroom continues with the end slope


@pytest.mark.parametrize("sigma", [BANDED_FROM, 4.0, 6.5, BANDED_TO - 0.01])
@pytest.mark.parametrize("shape", [(150, 211, 3), (97, 64), (5, 300, 3), (2, 2, 3)])
def test_banded_blur_equals_the_exact_gaussian_up_to_float32_rounding(sigma, shape):
    x = np.random.default_rng(11).random(shape, dtype=np.float32)
    sig = (sigma, sigma) + (0.0,) * (len(shape) - 2)
    exact = ndimage.gaussian_filter(x.astype(np.float64), sig, mode="nearest", truncate=4.0)
    out = _blur_banded(x, sigma)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_allclose(out, exact, atol=1e-6)


def test_sharpening_radius_high_pass_uses_the_exact_blur_and_keeps_nan():
    img = np.random.default_rng(2).random((120, 90, 3), dtype=np.float32)
    img[10:20, 30:40, 1] = np.nan
    out = filters.highpass(img, 6.0)
    assert np.isnan(out[10:20, 30:40, 1]).all() and np.isfinite(out[..., 0]).all()
    exact = img[..., 0] - ndimage.gaussian_filter(img[..., 0].astype(np.float64), 6.0,
                                                  mode="nearest") + 0.5
    np.testing.assert_allclose(out[..., 0], exact, atol=1e-6)
