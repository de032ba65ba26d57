"""Measurements shared by the stacking tests and the benchmark: noise, FWHM, star positions."""

from __future__ import annotations

import numpy as np
from scipy import ndimage, optimize


def robust_sigma(values: np.ndarray) -> float:
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return float(1.4826 * np.median(np.abs(v - np.median(v))))


def background_noise(img: np.ndarray, border: int = 60) -> float:
    """Pixel noise of the sky: MAD of the image minus a 5x5 median (stars, nebula and
    gradients removed), on the frame less its borders (where registration leaves NaN)."""
    core = np.asarray(img, np.float32)[border:-border, border:-border]
    h, w = core.shape
    if h > 700 or w > 700:  # a central 700 px square is plenty for a noise figure
        core = core[(h - 700) // 2:(h + 700) // 2 if h > 700 else h,
                    (w - 700) // 2:(w + 700) // 2 if w > 700 else w]
    core = np.where(np.isfinite(core), core, np.nanmedian(core))
    resid = core - ndimage.median_filter(core, 5)
    return robust_sigma(resid) / 1.095  # a 5x5 median's own noise adds ~9.5% (white noise)


def gaussian_fwhm(img: np.ndarray, x: float, y: float, half: int = 7) -> tuple[float, float, float]:
    """(FWHM px, x, y) of a circular 2D Gaussian + constant fitted around (x, y); NaN if the
    fit fails."""
    xi, yi = int(round(x)), int(round(y))
    cut = np.asarray(img[yi - half:yi + half + 1, xi - half:xi + half + 1], np.float64)
    if cut.shape != (2 * half + 1, 2 * half + 1) or not np.isfinite(cut).all():
        return float("nan"), float("nan"), float("nan")
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1]

    def model(p):
        amp, cx, cy, sig, base = p
        return amp * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sig * sig)) + base

    p0 = [cut.max() - np.median(cut), x - xi, y - yi, 1.5, np.median(cut)]
    try:
        res = optimize.least_squares(lambda p: (model(p) - cut).ravel(), p0,
                                     bounds=([0, -3, -3, 0.3, -np.inf], [np.inf, 3, 3, 8, np.inf]))
    except ValueError:
        return float("nan"), float("nan"), float("nan")
    if not res.success:
        return float("nan"), float("nan"), float("nan")
    amp, cx, cy, sig, _ = res.x
    return 2.3548 * sig, xi + cx, yi + cy


def median_fwhm(img: np.ndarray, positions: np.ndarray) -> float:
    values = [gaussian_fwhm(img, x, y)[0] for x, y in positions]
    values = [v for v in values if np.isfinite(v)]
    return float(np.median(values)) if values else float("nan")


def isolated_stars(img: np.ndarray, count: int = 25, border: int = 60,
                   min_separation: float = 15.0, smooth: float = 1.0) -> np.ndarray:
    """(x, y) of the brightest isolated, unsaturated-looking local maxima of a smoothed copy."""
    core = np.nan_to_num(np.asarray(img, np.float32), nan=float(np.nanmedian(img)))
    sm = ndimage.gaussian_filter(core, smooth) - ndimage.median_filter(core, 25)
    peaks = (sm == ndimage.maximum_filter(sm, 9)) & (sm > 8 * robust_sigma(sm))
    ys, xs = np.nonzero(peaks)
    h, w = core.shape
    inside = (xs > border) & (xs < w - border) & (ys > border) & (ys < h - border)
    ys, xs = ys[inside], xs[inside]
    order = np.argsort(sm[ys, xs])[::-1]
    pts = np.column_stack([xs[order], ys[order]]).astype(float)
    chosen: list[np.ndarray] = []
    for p in pts:
        near = np.hypot(*(pts - p).T)
        if ((near > 0) & (near < min_separation)).any():
            continue
        chosen.append(p)
    chosen_arr = np.array(chosen[3:3 + count])  # skip the very brightest (may saturate)
    return chosen_arr.reshape(-1, 2)


def half_flux_fwhm(img: np.ndarray, positions: np.ndarray, rmax: float = 12.0) -> float:
    """Median over the given stars of twice the half-flux radius (sep), on the image less its
    background: the FWHM for a Gaussian star, and robust enough for faint stars in noisy
    subframes (a sum over the aperture, no fit that can wander off)."""
    import sep

    data = np.array(np.nan_to_num(img, nan=float(np.nanmedian(img))), np.float64, order="C")
    data -= sep.Background(data, bw=32, bh=32).back()
    x, y = np.ascontiguousarray(positions[:, 0]), np.ascontiguousarray(positions[:, 1])
    r, flags = sep.flux_radius(data, x, y, np.full(len(x), rmax), 0.5, subpix=5)
    good = np.isfinite(r) & (r > 0) & (flags == 0)
    return float(2 * np.median(r[good])) if good.any() else float("nan")


def faint_stars(img: np.ndarray, count: int = 30, border: int = 60,
                min_separation: float = 14.0) -> np.ndarray:
    """(x, y) of isolated stars of a (stacked) frame: local maxima of a 1.5 px-smoothed copy
    standing 6 sigma above its noise, none other within ``min_separation`` px."""
    import sep

    core = np.nan_to_num(np.asarray(img, np.float32), nan=float(np.nanmedian(img)))
    core = np.ascontiguousarray(core, dtype=np.float64)
    sm = ndimage.gaussian_filter(core - sep.Background(core, bw=32, bh=32).back(), 1.5)
    peaks = (sm == ndimage.maximum_filter(sm, 7)) & (sm > 6 * robust_sigma(sm))
    ys, xs = np.nonzero(peaks)
    h, w = core.shape
    inside = (xs > border) & (xs < w - border) & (ys > border) & (ys < h - border)
    pts = np.column_stack([xs[inside], ys[inside]]).astype(float)
    flux = sm[ys[inside], xs[inside]]
    pts = pts[np.argsort(flux)[::-1]]
    keep = [p for p in pts if (np.hypot(*(pts - p).T) < min_separation).sum() == 1]
    return np.array(keep[:count]).reshape(-1, 2)
