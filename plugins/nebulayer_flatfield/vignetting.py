"""Synthetic flat: fit the radial fall-off of the sky background and divide it out.

Vignetting darkens an image towards its corners by a factor that depends on the distance from
the optical centre. Without real flat frames it can be estimated from the image itself: the sky
background is sampled in a grid of boxes (the median of each box ignores stars), and an even
polynomial in the normalised radius ``r`` (0 at the centre, 1 at the corners) is fitted::

    B(r) = c0 + c1 r^2 + c2 r^4 + ... + c_n r^(2n)          (robust: outlier boxes rejected)
    V(r) = B(r) / c0                                        (1 at the centre)
    out  = (img - pedestal) / V + pedestal

Boxes on nebulae or galaxies are rejected as outliers (sigma clipping of the fit residuals),
as long as they cover a minority of the frame. The correction is multiplicative, so use it on
data whose bias/offset is removed (or give the offset as ``pedestal``); an additive gradient
from light pollution needs a background-extraction tool instead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import optimize


def box_samples(plane: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, x, median) of a ``grid`` x ``grid`` tiling of the plane (NaN boxes dropped)."""
    h, w = plane.shape
    bh, bw = max(h // grid, 2), max(w // grid, 2)
    gh, gw = h // bh, w // bw
    boxes = plane[:gh * bh, :gw * bw].reshape(gh, bh, gw, bw).transpose(0, 2, 1, 3).reshape(gh, gw, -1)
    med = np.nanmedian(boxes, axis=2) if np.isnan(boxes).any() else np.median(boxes, axis=2)
    yy, xx = np.mgrid[:gh, :gw]
    ys, xs = (yy + 0.5) * bh - 0.5, (xx + 0.5) * bw - 0.5
    ok = np.isfinite(med)
    return ys[ok].astype(np.float64), xs[ok].astype(np.float64), med[ok].astype(np.float64)


def _design(r2: np.ndarray, order: int) -> np.ndarray:
    return np.stack([r2 ** k for k in range(order + 1)], axis=-1)


def _radius2(ys, xs, cy, cx, shape) -> np.ndarray:
    h, w = shape
    half_diag2 = (h * h + w * w) / 4.0
    return ((ys - cy) ** 2 + (xs - cx) ** 2) / half_diag2


def _robust_fit(r2, values, order, clip):
    """Least-squares polynomial in r^2 with iterative sigma clipping; (coeffs, kept, rms)."""
    a = _design(r2, order)
    keep = np.ones(len(values), bool)
    for _ in range(8):
        coef, *_ = np.linalg.lstsq(a[keep], values[keep], rcond=None)
        resid = values - a @ coef
        scale = 1.4826 * np.median(np.abs(resid[keep] - np.median(resid[keep]))) + 1e-12
        new_keep = np.abs(resid) < clip * scale
        if new_keep.sum() < 3 * (order + 1) or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    rms = float(np.sqrt(np.mean(resid[keep] ** 2)))
    return coef, keep, rms


def _fit_center(ys, xs, med, shape, order, clip, start):
    """Optical centre: a paraboloid c0 + c1 |p - centre|^2 is linear in (1, x, y, x^2 + y^2),
    which gives a first guess in closed form; a simplex search then refines it for the full
    polynomial, on the boxes the first fit kept (a fixed set keeps the cost smooth)."""
    h, w = shape
    a = np.stack([np.ones_like(xs), xs, ys, xs ** 2 + ys ** 2], axis=-1)
    keep = np.ones(len(med), bool)
    for _ in range(8):
        coef, *_ = np.linalg.lstsq(a[keep], med[keep], rcond=None)
        resid = med - a @ coef
        scale = 1.4826 * np.median(np.abs(resid[keep] - np.median(resid[keep]))) + 1e-12
        new_keep = np.abs(resid) < clip * scale
        if new_keep.sum() < 12 or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    cy, cx = start
    if coef[3] < 0:  # a fall-off: the paraboloid opens downwards
        cx, cy = -coef[1] / (2 * coef[3]), -coef[2] / (2 * coef[3])
        cy, cx = float(np.clip(cy, 0, h - 1)), float(np.clip(cx, 0, w - 1))

    def cost(c: np.ndarray) -> float:
        design = _design(_radius2(ys[keep], xs[keep], c[0], c[1], shape), order)
        coef_c, *_ = np.linalg.lstsq(design, med[keep], rcond=None)
        return float(np.mean((med[keep] - design @ coef_c) ** 2))

    res = optimize.minimize(cost, [cy, cx], method="Nelder-Mead",
                            options={"xatol": 0.5, "fatol": 0.0, "initial_simplex":
                                     [[cy, cx], [cy + 0.05 * h, cx], [cy, cx + 0.05 * w]]})
    return float(np.clip(res.x[0], 0, h - 1)), float(np.clip(res.x[1], 0, w - 1))


def fit_vignetting(plane: np.ndarray, *, order: int = 2, grid: int = 24, center_x: float = 0.5,
                   center_y: float = 0.5, auto_center: bool = False, clip: float = 2.5,
                   pedestal: float = 0.0) -> tuple[np.ndarray, tuple[float, float]]:
    """The normalised vignetting map V (1 at the centre, float32 (H, W)) and the centre (y, x)."""
    h, w = plane.shape
    ys, xs, med = box_samples(plane, grid)
    med = med - pedestal
    if len(med) < 3 * (order + 1):
        raise ValueError(f"image too small for a {grid}x{grid} background grid of order {order}")
    cy, cx = center_y * (h - 1), center_x * (w - 1)
    if auto_center:
        cy, cx = _fit_center(ys, xs, med, (h, w), order, clip, (cy, cx))
    coef, _, _ = _robust_fit(_radius2(ys, xs, cy, cx, (h, w)), med, order, clip)
    if not coef[0] > 0:
        raise ValueError("the sky background is not positive at the centre: is there an offset "
                         "to give as 'pedestal', or is this not a light frame?")
    yy = np.arange(h, dtype=np.float64)[:, None]
    xx = np.arange(w, dtype=np.float64)[None, :]
    v = _design(_radius2(yy, xx, cy, cx, (h, w)), order) @ (coef / coef[0])
    if v.min() < 0.05:
        raise ValueError(f"the fitted fall-off reaches {v.min():.2f} of the centre: the background "
                         "does not look like vignetting (try a lower order or an offset)")
    return v.astype(np.float32), (cy, cx)


def correct_vignetting(img: np.ndarray, *, progress: Callable[[float], None] | None = None,
                       order: int = 2, grid: int = 24, center_x: float = 0.5, center_y: float = 0.5,
                       auto_center: bool = False, clip: float = 2.5, pedestal: float = 0.0,
                       output: str = "corrected") -> np.ndarray:
    """Divide out the vignetting fitted on each channel's sky; ``output='flat'`` shows the
    normalised synthetic flat itself (1 at the centre) instead of the corrected image.

    Examples
    --------
    >>> y, x = np.mgrid[:200, :300]
    >>> r2 = ((y - 99.5) ** 2 + (x - 149.5) ** 2) / (0.25 * (200 ** 2 + 300 ** 2))
    >>> img = (0.2 * (1 - 0.3 * r2)).astype(np.float32)
    >>> bool(np.ptp(correct_vignetting(img)) < 1e-4)
    True
    """
    img = np.asarray(img, dtype=np.float32)
    planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    out = np.empty_like(img)
    for ci, plane in enumerate(planes):
        v, _ = fit_vignetting(plane, order=order, grid=grid, center_x=center_x, center_y=center_y,
                              auto_center=auto_center, clip=clip, pedestal=pedestal)
        if output == "flat":
            result = v
        else:
            p = np.float32(pedestal)
            result = (plane - p) / v + p
        if img.ndim == 2:
            out = result.astype(np.float32, copy=False)
        else:
            out[..., ci] = result
        if progress is not None:
            progress((ci + 1) / len(planes))
    return out
