"""The NaN-aware blur shares one channel's weights when every channel misses the same pixels,
with the same result as weighing each channel on its own; channels that miss different pixels
are still each weighed by their own."""

from __future__ import annotations

import numpy as np
import pytest

import filters


def _per_channel(img: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([filters.gaussian_blur(np.ascontiguousarray(img[..., c]), sigma)
                     for c in range(img.shape[2])], axis=-1)


@pytest.mark.parametrize("sigma", [1.5, 4.0, 10.0, 40.0])
def test_shared_missing_pixels_blur_like_each_channel_alone(sigma):
    img = np.random.default_rng(4).random((300, 410, 3), dtype=np.float32)
    img[:25] = np.nan  # an empty mosaic border, in every channel
    img[100:120, 200:230] = np.nan
    out = filters.gaussian_blur(img, sigma)
    ref = _per_channel(img, sigma)
    assert np.array_equal(np.isnan(out), np.isnan(ref)) and np.isnan(out[:25]).all()
    np.testing.assert_allclose(out, ref, atol=1e-6, equal_nan=True)


def test_channels_missing_different_pixels_keep_their_own_weights():
    img = np.full((200, 260, 3), 0.2, np.float32)
    img[50:90, 60:120, 1] = np.nan  # green only
    img[50:90, 60:120, 0] = 5.0  # a bright patch in red where green is missing
    out = filters.gaussian_blur(img, 6.0)
    assert np.isnan(out[50:90, 60:120, 1]).all() and np.isfinite(out[..., 0]).all()
    np.testing.assert_allclose(out[~np.isnan(out[..., 1]), 1], 0.2, atol=1e-5)  # no darkening
    np.testing.assert_allclose(out, _per_channel(img, 6.0), atol=1e-6, equal_nan=True)
