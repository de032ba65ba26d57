"""Gaussian blur for any radius, fast at huge radii, NaN-aware.

Small radii use the exact separable filter of scipy.ndimage. From ``sigma >= 2 * RATIO`` the
image is shrunk by an integer factor ``f`` (area average), blurred with the remaining sigma on
the small grid and enlarged back by linear interpolation: the cost no longer grows with the
radius, so a 1000 px blur of a 40 MP image takes a fraction of a second.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from filters._common import as_image, has_nan, per_channel, report
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: Sigma of the small-grid blur, in small pixels, at least this: sets the accuracy.
RATIO = 8.0
#: Largest absolute error vs the exact Gaussian, as a fraction of the data range (max - min),
#: guaranteed by the tests for sigma >= 2 * RATIO (measured worst case, a sharp step: ~5e-4).
ERROR_BOUND = 1e-3


def _reduce_rows(a: np.ndarray, f: int, pad: int) -> np.ndarray:
    """Block averages of ``f`` rows, edge rows repeated beyond the image, ``pad`` rows more
    each side. Exactly the area average of the edge-extended ('nearest') image."""
    h = a.shape[0]
    n_full = h // f
    r = h - n_full * f
    nb = n_full + (1 if r else 0)
    out = np.empty((nb + 2 * pad,) + a.shape[1:], np.float32)
    body = out[pad : pad + n_full]
    if n_full:
        np.copyto(body, a[0 : n_full * f : f])
        for k in range(1, f):
            body += a[k : n_full * f : f]
    if r:
        last = out[pad + n_full]
        np.sum(a[n_full * f :], axis=0, dtype=np.float32, out=last)
        last += (f - r) * a[h - 1]
        out[pad : pad + nb] /= f
    else:
        body /= f
    out[:pad] = a[0]
    out[pad + nb :] = a[h - 1]
    return out


def _upsample_rows(s: np.ndarray, f: int, pad: int, h: int) -> np.ndarray:
    """Inverse of :func:`_reduce_rows`: linear interpolation from block centres to ``h`` rows."""
    out = np.empty((h,) + s.shape[1:], np.float32)
    for k in range(f):
        n = len(range(k, h, f))
        if n == 0:
            continue
        d = (k - (f - 1) / 2.0) / f  # offset of row k of a block from the block centre
        lo = math.floor(d)
        t = np.float32(d - lo)
        a = s[pad + lo : pad + lo + n]
        b = s[pad + lo + 1 : pad + lo + 1 + n]
        dst = out[k::f]
        np.subtract(b, a, out=dst)
        dst *= t
        dst += a
    return out


def _blur_plane_decimated(x: np.ndarray, sigma: float, f: int) -> np.ndarray:
    # Area average by f has variance (f^2 - 1) / 12; the small blur supplies the rest.
    sig_small = math.sqrt(max(sigma * sigma - (f * f - 1) / 12.0, 0.0)) / f
    pad = int(math.ceil(4.0 * sig_small)) + 2
    small = _reduce_rows(x, f, pad)
    small = _reduce_rows(small.T, f, pad).T
    small = ndimage.gaussian_filter(small, sig_small, mode="nearest")
    h, w = x.shape
    # Keep only the small rows/cols the interpolation touches, enlarge along x, then along y.
    nby, nbx = -(-h // f), -(-w // f)
    small = small[pad - 1 : pad + nby + 1, pad - 1 : pad + nbx + 1]
    wide = _upsample_rows(np.ascontiguousarray(small.T), f, 1, w).T
    return _upsample_rows(np.ascontiguousarray(wide), f, 1, h)


def _blur_plane(x: np.ndarray, sigma: float) -> np.ndarray:
    f = int(sigma // RATIO)
    if f >= 2 and min(x.shape) >= 2:
        return _blur_plane_decimated(x, sigma, f)
    return ndimage.gaussian_filter(x, sigma, mode="nearest", truncate=4.0)


def _blur_plane_nan(x: np.ndarray, sigma: float) -> np.ndarray:
    valid = np.isfinite(x)
    if valid.all():
        return _blur_plane(x, sigma)
    # Normalised convolution: missing pixels neither contribute nor darken their neighbours.
    num = _blur_plane(np.where(valid, x, np.float32(0)), sigma)
    den = _blur_plane(valid.astype(np.float32), sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[(den < 1e-6) | ~valid] = np.nan
    return out


def gaussian_blur(
    img: np.ndarray, sigma: float, *, progress: ProgressCallback | None = None
) -> np.ndarray:
    """Blur the image with a Gaussian of standard deviation ``sigma`` pixels (any size).

    Like Photoshop's Gaussian Blur "radius" and PixInsight's Convolution "StdDev": ``sigma`` is
    the standard deviation of the Gaussian, in pixels of this image. There is no upper limit;
    large radii are as fast as small ones. Pixels beyond the border are taken equal to the
    nearest edge pixel (scipy's ``mode='nearest'``, Photoshop's edge behaviour), so edges do
    not darken. Missing pixels (NaN) are ignored: the blur is the weighted average of the
    valid neighbours, and NaN pixels stay NaN.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    sigma : float
        Standard deviation in pixels; 0 returns a copy.
    progress : callable, optional
        Receives the fraction done.

    Returns
    -------
    ndarray, float32, same shape as ``img``.

    Notes
    -----
    ``out = (G_sigma * (x m)) / (G_sigma * m)`` where ``m`` is 1 on valid pixels, 0 on NaN
    (just ``G_sigma * x`` without NaN). For ``sigma < 2 * RATIO`` (16 px) this is the exact
    sampled Gaussian truncated at 4 sigma. Above, the image is area-averaged by
    ``f = floor(sigma / RATIO)``, blurred by ``sqrt(sigma^2 - (f^2 - 1) / 12) / f`` and
    enlarged by linear interpolation; the largest difference from the exact Gaussian is below
    ``ERROR_BOUND`` (1e-3) of the data range (max - min), worst at sharp steps, and far smaller
    on smooth sky.

    Examples
    --------
    >>> import numpy as np, filters
    >>> filters.gaussian_blur(np.ones((64, 64), np.float32), 300.0).max()
    1.0
    """
    img = as_image(img)
    sigma = float(sigma)
    if not sigma >= 0:
        raise ValueError(f"sigma: must be >= 0, got {sigma}")
    report(progress, 0.0)
    if sigma == 0:
        return img.copy()
    plane = _blur_plane_nan if has_nan(img) else _blur_plane
    out = per_channel(lambda x: plane(x, sigma), img)
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="gaussian_blur",
        name="Gaussian Blur",
        func=gaussian_blur,
        params=(
            Param("sigma", "float", 2.0, label="Radius", min=0.0, max=5000.0, step=0.1,
                  unit="px", spatial=True, log_scale=True,
                  doc="Standard deviation of the Gaussian, in pixels."),
        ),
        doc="Soften the image with a Gaussian of the given radius (standard deviation).",
    )
)
