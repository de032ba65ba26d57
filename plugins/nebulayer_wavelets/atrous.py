"""The starlet (isotropic undecimated "a trous" B3-spline) wavelet transform.

Each level smooths the previous one with the B3-spline kernel [1, 4, 6, 4, 1] / 16 whose taps
are spread 2**j pixels apart (the "holes"); the difference between two successive smoothings is
a detail layer holding structures about 2**j pixels across::

    c_0 = img,  c_{j+1} = h_j * c_j,  w_{j+1} = c_j - c_{j+1},  img = c_n + sum_j w_j

This is the transform RegiStax's wavelets and PixInsight's MultiscaleLinearTransform use.
Borders are mirrored, so layers have no edge artefacts.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def _smooth(c: np.ndarray, step: int) -> np.ndarray:
    """One separable B3-spline smoothing with taps ``step`` pixels apart (2-D array)."""
    pad = 2 * step
    for axis in (0, 1):
        n = c.shape[axis]
        widths = [(0, 0), (0, 0)]
        widths[axis] = (pad, pad)
        p = np.pad(c, widths, mode="reflect")

        def tap(offset: int, p: np.ndarray = p, axis: int = axis, n: int = n) -> np.ndarray:
            sl = [slice(None), slice(None)]
            sl[axis] = slice(pad + offset, pad + offset + n)
            return p[tuple(sl)]

        out = tap(0) * np.float32(6 / 16)
        out += (tap(-step) + tap(step)) * np.float32(4 / 16)
        out += (tap(-2 * step) + tap(2 * step)) * np.float32(1 / 16)
        c = out
    return c


def starlet_layers(plane: np.ndarray, n: int,
                   progress: Callable[[float], None] | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Split a 2-D float image into ``n`` detail layers (finest first) and the smooth residual.

    ``sum(layers) + residual`` equals ``plane`` up to float32 rounding. NaN must be filled by the
    caller (it would spread over the whole layer).
    """
    if plane.ndim != 2:
        raise ValueError(f"starlet_layers: expected a 2-D plane, got shape {plane.shape}")
    c = np.asarray(plane, dtype=np.float32)
    layers = []
    for j in range(n):
        smoother = _smooth(c, 2 ** j)
        layers.append(c - smoother)
        c = smoother
        if progress is not None:
            progress((j + 1) / n)
    return layers, c
