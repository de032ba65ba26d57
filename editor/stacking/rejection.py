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


def _nan_std(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=0) / n
        var = np.nansum((values - mean) ** 2, axis=0) / np.maximum(n - 1, 1)
    return np.sqrt(var)


def _clip_loop(values: np.ndarray, bounds) -> tuple[np.ndarray, np.ndarray]:
    """Iterate: ``bounds(kept)`` gives (lower, upper, active) per pixel; reject outside."""
    low = np.zeros(values.shape, dtype=bool)
    high = np.zeros(values.shape, dtype=bool)
    finite = np.isfinite(values)
    for _ in range(MAX_ITERATIONS):
        kept = np.where(finite & ~low & ~high, values, np.nan)
        lower, upper, active = bounds(kept)
        with np.errstate(invalid="ignore"):
            new_low = active & (kept < lower)
            new_high = active & (kept > upper)
        if not (new_low.any() or new_high.any()):
            break
        low |= new_low
        high |= new_high
    return low, high


def sigma_clip(values: np.ndarray, k_low: float, k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        n = np.isfinite(kept).sum(axis=0)
        med, std = nan_median(kept), _nan_std(kept, n)
        return med - k_low * std, med + k_high * std, n >= 3

    return _clip_loop(values, bounds)


def winsorized_clip(values: np.ndarray, k_low: float,
                    k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        n = np.isfinite(kept).sum(axis=0)
        med, sigma = nan_median(kept), _nan_std(kept, n)
        for _ in range(MAX_ITERATIONS):
            wins = np.clip(kept, med - 1.5 * sigma, med + 1.5 * sigma)
            new = 1.134 * _nan_std(wins, n)
            with np.errstate(invalid="ignore"):
                done = np.nanmax(np.abs(new - sigma) / np.maximum(sigma, 1e-30), initial=0)
            sigma = new
            if done < 5e-4:
                break
        return med - k_low * sigma, med + k_high * sigma, n >= 3

    return _clip_loop(values, bounds)


def linear_fit_clip(values: np.ndarray, k_low: float,
                    k_high: float) -> tuple[np.ndarray, np.ndarray]:
    def bounds(kept: np.ndarray):
        # Fit y = a + b * rank to the sorted kept values; compare each value to the line at
        # its own rank (ranks of unsorted values come from a double argsort).
        n = np.isfinite(kept).sum(axis=0).astype(np.float64)
        order = np.argsort(kept, axis=0)
        rank = np.argsort(order, axis=0).astype(np.float64)
        valid = np.isfinite(kept)
        x = np.where(valid, rank, 0.0)
        y = np.where(valid, kept, 0.0).astype(np.float64)
        sx, sy = x.sum(0), y.sum(0)
        sxx, sxy = (x * x).sum(0), (x * y).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
            b = np.where(np.isfinite(b), b, 0.0)
            a = (sy - b * sx) / n
            fit = a + b * rank
            sigma = np.where(valid, np.abs(kept - fit), 0.0).sum(0) / n
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
