"""Light-pollution gradient removal on gradients with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

import filters


def sky_with(gradient: np.ndarray, nebula: bool = True, seed: int = 0):
    """Stars + (optional) nebula + gradient + noise; returns (image, signal without gradient)."""
    rng = np.random.default_rng(seed)
    h, w = gradient.shape
    yy, xx = np.mgrid[:h, :w] / np.array([h, w])[:, None, None]
    signal = np.full((h, w), 0.05)
    for _ in range(300):
        y, x = rng.integers(0, h), rng.integers(0, w)
        signal[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2] += rng.uniform(0.1, 0.8)
    if nebula:
        signal += 0.1 * np.exp(-(((yy - 0.5) / 0.12) ** 2 + ((xx - 0.6) / 0.15) ** 2))
    img = signal + gradient + 0.003 * rng.standard_normal((h, w))
    return img.astype(np.float32), signal


def gradients(h=480, w=720):
    yy, xx = np.mgrid[:h, :w] / np.array([h, w])[:, None, None]
    return {
        "planar": 0.1 + 0.08 * xx + 0.05 * yy,
        "quadratic": 0.1 + 0.06 * xx + 0.04 * yy + 0.08 * (xx - 0.4) ** 2 + 0.03 * xx * yy,
    }


@pytest.mark.parametrize("kind", ["planar", "quadratic"])
def test_polynomial_model_removes_known_gradient_to_1pct_of_signal(kind):
    grad = gradients()[kind]
    img, signal = sky_with(grad)
    corrected, model = filters.extract_background(img, degree=2)
    residual = model - grad
    residual -= np.median(residual)  # the model may differ by a constant (the sky level)
    assert np.abs(residual).max() < 0.01 * (signal.max() - signal.min())
    assert np.abs(residual).max() < 0.01 * 0.1  # even 1% of the faint nebula's peak
    flat = corrected - signal
    assert np.percentile(flat, 99) - np.percentile(flat, 1) < 0.025  # gradient span was 0.13+


def test_spline_model_follows_a_smooth_gradient():
    grad = gradients()["quadratic"]
    img, signal = sky_with(grad, nebula=False)
    _, model = filters.extract_background(img, method="rbf", smoothing=0.1)
    residual = model - grad
    residual -= np.median(residual)
    assert np.abs(residual).max() < 0.01 * (signal.max() - signal.min())


def test_subtract_keeps_median_level_and_divide_removes_vignetting():
    grad = gradients()["planar"]
    img, _ = sky_with(grad, nebula=False)
    corrected, model = filters.extract_background(img, degree=1)
    assert np.median(corrected) == pytest.approx(np.median(img), abs=0.01)
    h, w = grad.shape
    yy, xx = np.mgrid[:h, :w] / np.array([h, w])[:, None, None]
    vignette = 1 - 0.3 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    rng = np.random.default_rng(3)
    sky = 0.2 + 0.002 * rng.standard_normal((h, w))
    out, _ = filters.extract_background((sky * vignette).astype(np.float32), mode="divide")
    assert np.std(out) < 0.003  # back to flat sky + noise


def test_rgb_background_is_modelled_per_channel_and_nan_kept():
    grad = gradients()["planar"]
    img, _ = sky_with(grad, nebula=False)
    rgb = np.dstack([img, img * 0.7, img * 1.2]).astype(np.float32)
    rgb[5:15, 5:15] = np.nan
    corrected, model = filters.extract_background(rgb)
    assert corrected.shape == rgb.shape and model.shape == rgb.shape
    assert np.isnan(corrected[5:15, 5:15]).all() and np.isfinite(model).all()
    assert np.isfinite(corrected[20:, 20:]).all()


def test_real_plate_background_extraction_runs_and_returns_float32(horsehead):
    corrected, model = filters.extract_background(horsehead, grid=12, degree=2)
    assert corrected.dtype == np.float32 and model.shape == horsehead.shape
    # the model is smooth: no star survives in it
    assert np.abs(np.diff(model, axis=1)).max() < 0.01


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="method"):
        filters.extract_background(np.zeros((64, 64), np.float32), method="magic")
