"""Pixel rejection across a stack of aligned frames, vectorised over a band of rows.

Each function takes ``values`` of shape (N, ...) (N frames; NaN = no data) and returns
``(low, high)`` boolean arrays of the same shape: the values rejected below and above. The
algorithms are Siril's (and PixInsight's), iterated until nothing more is rejected:

* ``sigma``: reject values beyond ``median -/+ k * sigma`` of the values still kept.
* ``winsorized``: as ``sigma``, but sigma comes from the values winsorized at median +- 1.5
  sigma (iterated, x 1.134), so the outliers being hunted do not inflate it (Huber's method).
* ``linear-fit``: fit a straight line to the sorted kept values; reject values further than
  ``k`` mean absolute deviations from the line (good for large stacks with sky gradients).

Stacks of fewer than 3 kept values are left alone.
"""

from __future__ import annotations

import numpy as np

REJECTIONS = ("none", "sigma", "winsorized", "linear-fit")
MAX_ITERATIONS = 10


def nan_median(values: np.ndarray) -> np.ndarray:
    """Median over axis 0 ignoring NaN (a sort puts NaN last), NaN where nothing is finite."""
    ordered = np.sort(values, axis=0)
    n = np.isfinite(values).sum(axis=0)
    last = values.shape[0] - 1
    lo = np.clip((n - 1) // 2, 0, last)[None]
    hi = np.clip(n // 2, 0, last)[None]
    med = 0.5 * (np.take_along_axis(ordered, lo, 0)[0] + np.take_along_axis(ordered, hi, 0)[0])
    return np.where(n > 0, med, np.nan).astype(np.float32)


def _std(values: np.ndarray, n: np.ndarray, finite: np.ndarray | None = None) -> np.ndarray:
    """Sample standard deviation over axis 0 of the finite values (``n`` of them)."""
    finite = np.isfinite(values) if finite is None else finite
    dev = np.where(finite, values, np.float32(0))
    mean = dev.sum(axis=0) / np.maximum(n, 1).astype(np.float32)
    dev -= mean
    dev *= finite
    dev *= dev
    return np.sqrt(dev.sum(axis=0) / np.maximum(n - 1, 1).astype(np.float32))


def _clip_loop(values: np.ndarray, bounds) -> tuple[np.ndarray, np.ndarray]:
    """Iterate: ``bounds(kept)`` gives (lower, upper, active) per pixel; reject outside.

    Works on (N, pixels) and, after each round, only on the pixels that just lost a value:
    the others have converged (most pixels stop after the first round).
    """
    shape = values.shape
    kept = np.array(values, dtype=np.float32).reshape(shape[0], -1)
    low = np.zeros(kept.shape, dtype=bool)
    high = np.zeros(kept.shape, dtype=bool)
    cols = np.arange(kept.shape[1])
    for _ in range(MAX_ITERATIONS):
        sub = kept[:, cols]
        lower, upper, ok = bounds(sub)
        with np.errstate(invalid="ignore"):
            new_low = ok & (sub < lower)
            new_high = ok & (sub > upper)
        changed = (new_low | new_high).any(axis=0)
        if not changed.any():
            break
        cols, new_low, new_high, sub = cols[changed], new_low[:, changed], \
            new_high[:, changed], sub[:, changed]
        low[:, cols] |= new_low
        high[:, cols] |= new_high
        sub[new_low | new_high] = np.nan
        kept[:, cols] = sub
    return low.reshape(shape), high.reshape(shape)


def sigma_clip(values: np.ndarray, k_low: float, k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        n = np.isfinite(kept).sum(axis=0)
        med, std = nan_median(kept), _std(kept, n)
        return med - k_low * std, med + k_high * std, n >= 3

    return _clip_loop(values, bounds)


def _winsorized_sigma(kept: np.ndarray, med: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Huber's robust sigma: winsorize at median +- 1.5 sigma, sigma = 1.134 x std, until
    it changes by less than 0.05% (pixel by pixel)."""
    finite = np.isfinite(kept)
    sigma = _std(kept, n, finite)
    cols = np.arange(kept.shape[1])
    for _ in range(MAX_ITERATIONS):
        s, m = sigma[cols], med[cols]
        wins = np.clip(kept[:, cols], m - 1.5 * s, m + 1.5 * s)
        new = 1.134 * _std(wins, n[cols], finite[:, cols])
        sigma[cols] = new
        with np.errstate(invalid="ignore"):
            moving = np.abs(new - s) > 5e-4 * s
        cols = cols[moving]
        if cols.size == 0:
            break
    return sigma


def winsorized_clip(values: np.ndarray, k_low: float,
                    k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        n = np.isfinite(kept).sum(axis=0)
        med = nan_median(kept)
        sigma = _winsorized_sigma(kept, med, n)
        return med - k_low * sigma, med + k_high * sigma, n >= 3

    return _clip_loop(values, bounds)


def linear_fit_clip(values: np.ndarray, k_low: float,
                    k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        # Fit y = a + b * rank to the sorted kept values; compare each value to the line at
        # its own rank (ranks of unsorted values come from a double argsort).
        valid = np.isfinite(kept)
        n = valid.sum(axis=0).astype(np.float64)
        rank = np.argsort(np.argsort(kept, axis=0), axis=0).astype(np.float32)
        x = np.where(valid, rank, 0.0)
        y = np.where(valid, kept, 0.0)
        sx, sy = x.sum(0, dtype=np.float64), y.sum(0, dtype=np.float64)
        sxx, sxy = (x * x).sum(0, dtype=np.float64), (x * y).sum(0, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
            b = np.where(np.isfinite(b), b, 0.0)
            a = (sy - b * sx) / n
            fit = (a + b * rank).astype(np.float32)
            sigma = (np.where(valid, np.abs(kept - fit), 0.0).sum(0) / n).astype(np.float32)
        return fit - k_low * sigma, fit + k_high * sigma, n >= 3

    return _clip_loop(values, bounds)


def reject(values: np.ndarray, method: str, k_low: float,
           k_high: float) -> tuple[np.ndarray, np.ndarray]:
    """Dispatch on ``method`` (one of :data:`REJECTIONS`)."""
    if method == "none":
        empty = np.zeros(values.shape, dtype=bool)
        return empty, empty
    funcs = {"sigma": sigma_clip, "winsorized": winsorized_clip, "linear-fit": linear_fit_clip}
    if method not in funcs:
        raise ValueError(f"rejection must be one of {REJECTIONS}, not {method!r}")
    return funcs[method](values, k_low, k_high)
