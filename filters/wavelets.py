"""Starlet (a trous B3-spline wavelet) decomposition: the scales of RegiStax/PixInsight."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from filters._common import as_image, per_channel
from filters.messages import M_

_B3 = np.array([1, 4, 6, 4, 1], np.float32) / 16


def _smooth(x: np.ndarray, step: int) -> np.ndarray:
    """One a trous smoothing: the B3 kernel with ``step - 1`` holes between taps."""
    k = np.zeros(4 * step + 1, np.float32)
    k[::step] = _B3
    y = ndimage.correlate1d(x, k, axis=0, mode="reflect")
    return ndimage.correlate1d(y, k, axis=1, mode="reflect")


def starlet_layers(img: np.ndarray, n: int = 4) -> list[np.ndarray]:
    """Split an image into ``n`` detail layers of growing size plus a smooth residual.

    Layer j (0-based) holds structures about ``2**j`` pixels across (layer 0: pixel noise and
    the finest detail, layer 1: 2 px...), like the wavelet layers of RegiStax or PixInsight's
    MultiscaleLinearTransform (starlet). The layers and the residual add up exactly to the
    image, so multiplying a layer by a gain before adding them back sharpens (gain > 1) or
    denoises (gain < 1) that scale: see :func:`starlet_reconstruct`.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    n : int
        Number of detail layers (1..12).

    Returns
    -------
    list of n + 1 float32 arrays shaped like ``img``: details then residual.
    Missing pixels (NaN) are filled with the median for the transform and are NaN in every
    layer.

    Notes
    -----
    ``c_0 = x``, ``c_{j+1} = h_j * c_j`` with ``h_j`` the separable B3 spline
    ``[1, 4, 6, 4, 1] / 16`` dilated by ``2**j`` (edges mirrored), ``w_j = c_j - c_{j+1}``;
    ``x = sum_j w_j + c_n``.
    """
    img = as_image(img)
    if not 1 <= int(n) <= 12:
        raise ValueError("n: " + M_("the number of layers must be 1..12, got {n}", n=n))
    bad = ~np.isfinite(img)
    has_bad = bool(bad.any())
    c = np.where(bad, np.float32(np.nanmedian(img) if not bad.all() else 0), img) if has_bad \
        else img
    layers = []
    for j in range(int(n)):
        nxt = per_channel(lambda x, s=2**j: _smooth(x, s), c)
        layers.append(c - nxt)
        c = nxt
    layers.append(np.array(c, np.float32, copy=True))
    if has_bad:
        for layer in layers:
            layer[bad] = np.nan
    return layers


def starlet_reconstruct(
    layers: Sequence[np.ndarray], gains: Sequence[float] | None = None
) -> np.ndarray:
    """Add starlet layers back together, each detail layer times its gain (residual x 1)."""
    if not layers:
        raise ValueError("starlet_reconstruct: " + M_("no layers"))
    details, residual = list(layers[:-1]), layers[-1]
    g = list(gains) if gains is not None else [1.0] * len(details)
    if len(g) != len(details):
        raise ValueError("gains: " + M_("expected {expected} values, got {count}", expected=len(details), count=len(g)))
    out = np.array(residual, np.float32, copy=True)
    for layer, gain in zip(details, g):
        out += np.float32(gain) * layer
    return out
