"""Synthetic images with a known answer for the filters tests."""

from __future__ import annotations

import numpy as np


def star_field(shape=(256, 320), shift=(0.0, 0.0), n=120, fwhm=4.0, noise=0.003, seed=1):
    """Synthetic linear star field: Gaussian stars on a 0.05 sky, shifted by (dy, dx)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    ys, xs = rng.uniform(0, h, n), rng.uniform(0, w, n)
    flux = rng.uniform(0.05, 0.9, n)
    s = fwhm / 2.3548
    yy, xx = np.mgrid[:h, :w]
    img = np.full(shape, 0.05)
    for y, x, f in zip(ys, xs, flux):
        y0, y1 = int(max(0, y + shift[0] - 5 * s)), int(min(h, y + shift[0] + 5 * s + 1))
        x0, x1 = int(max(0, x + shift[1] - 5 * s)), int(min(w, x + shift[1] + 5 * s + 1))
        img[y0:y1, x0:x1] += f * np.exp(
            -((yy[y0:y1, x0:x1] - y - shift[0]) ** 2 + (xx[y0:y1, x0:x1] - x - shift[1]) ** 2)
            / (2 * s * s)
        )
    noise_rng = np.random.default_rng(seed + 1000 + int(abs(shift[0] * 100 + shift[1] * 10)))
    return (img + noise * noise_rng.standard_normal(shape)).astype(np.float32)
