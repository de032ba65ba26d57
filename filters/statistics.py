"""Image statistics and histograms for the UI (info panel, histogram, stretch dialogs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from filters._common import (
    CHUNK, WORKERS, as_image, channels, has_nan, luminance, run_parallel,
)
from filters.messages import M_
from filters.stretch import median_mad


def image_statistics(img: np.ndarray) -> dict[str, Any]:
    """Per-channel statistics of an image, ignoring missing (NaN) pixels.

    Returns
    -------
    dict
        ``channels`` (int) and, for each key below, a list with one float per channel:
        ``median``, ``mad`` (median absolute deviation, not scaled: times 1.4826 it is the
        noise sigma), ``min``, ``max``, ``mean``, ``clipped_low_pct`` (percent of valid pixels
        <= 0), ``clipped_high_pct`` (percent >= 1), ``nan_count`` (missing pixels, an int).
        Channels with no valid pixel give NaN statistics.

    Notes
    -----
    Median and MAD come from an even subsample of 2 Mpx per channel on bigger images
    (accurate to ~1e-3 sigma); everything else uses every pixel.
    """
    img = as_image(img)
    med, mad = median_mad(img)

    def one(plane: np.ndarray) -> dict[str, float]:
        finite = np.isfinite(plane)
        n_valid = int(np.count_nonzero(finite))
        nan_count = plane.size - n_valid
        if n_valid == 0:
            return dict(min=np.nan, max=np.nan, mean=np.nan, low=np.nan, high=np.nan,
                        nan=nan_count)
        v = plane if nan_count == 0 else plane[finite]
        return dict(
            min=float(np.min(v)), max=float(np.max(v)), mean=float(np.mean(v, dtype=np.float64)),
            low=100.0 * float(np.count_nonzero(v <= 0)) / n_valid,
            high=100.0 * float(np.count_nonzero(v >= 1)) / n_valid, nan=nan_count,
        )

    per = run_parallel([lambda p=p: one(p) for p in channels(img)])
    return {
        "channels": len(per),
        "median": [float(x) for x in med],
        "mad": [float(x) for x in mad],
        "min": [p["min"] for p in per],
        "max": [p["max"] for p in per],
        "mean": [p["mean"] for p in per],
        "clipped_low_pct": [p["low"] for p in per],
        "clipped_high_pct": [p["high"] for p in per],
        "nan_count": [int(p["nan"]) for p in per],
    }


def histogram(
    img: np.ndarray,
    bins: int = 256,
    range: tuple[float, float] | None = None,
    *,
    max_pixels: int | None = 8_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of every channel and of the luminance.

    Parameters
    ----------
    bins : int
        Number of equal bins.
    range : (low, high), optional
        Default: 0..1 widened to the data's min/max when the data goes beyond.
        Values outside the range are not counted; NaN is never counted.
    max_pixels : int or None
        Bigger images are histogrammed on an even grid of pixels (every k-th row and
        column) of at most this many pixels: the shape is the same and it is several times
        faster for a display histogram. None counts every pixel.

    Returns
    -------
    counts : ndarray, int64, (C + 1, bins)
        One row per channel, then the luminance (Rec. 709; for a mono image a copy of it).
    edges : ndarray, float64, (bins + 1,)
    """
    img = as_image(img)
    n_px = img.shape[0] * img.shape[1]
    if max_pixels is not None and n_px > max_pixels:
        k = int(np.ceil(np.sqrt(n_px / max_pixels)))
        img = img[::k, ::k]
    if bins < 1:
        raise ValueError("bins: " + M_("must be >= 1, got {value}", value=bins))
    if range is None:
        finite = img[np.isfinite(img)] if has_nan(img) else img
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        lo, hi = min(0.0, lo), max(1.0, hi)
    else:
        lo, hi = float(range[0]), float(range[1])
    if not hi > lo:
        raise ValueError("range: " + M_("high must be above low, got {range}", range=(lo, hi)))
    edges = np.linspace(lo, hi, bins + 1)
    cube = img[..., None] if img.ndim == 2 else img
    cube = np.concatenate([cube, luminance(img)[..., None]], axis=2) if img.ndim == 3 else \
        np.concatenate([cube, cube], axis=2)
    planes = cube.shape[2]
    band = max(1, CHUNK // (cube.shape[1] * planes))
    starts = [int(r) for r in np.arange(0, cube.shape[0], band)]  # `range` is a parameter
    offset = (np.arange(planes) * (bins + 2)).astype(np.int64)
    scale = np.float32(bins / (hi - lo))

    def count(group: list[int]) -> np.ndarray:
        total = np.zeros(planes * (bins + 2), np.int64)
        top = np.zeros(planes, np.int64)
        for r0 in group:
            v = cube[r0 : r0 + band]
            x = v - np.float32(lo)
            x *= scale
            top += np.count_nonzero(x == np.float32(bins), axis=(0, 1))  # the top edge is in
            # shift by one so "below the range" lands in spill bin 0 and NaN in bin 0 too
            np.clip(x, np.float32(-1), np.float32(bins + 0.5), out=x)
            x += np.float32(1)
            with np.errstate(invalid="ignore"):
                idx = x.astype(np.int64)
            np.clip(idx, 0, bins + 1, out=idx)
            idx += offset
            total += np.bincount(idx.reshape(-1), minlength=planes * (bins + 2))
        counts = total.reshape(planes, bins + 2)[:, 1 : bins + 1].copy()
        counts[:, -1] += top
        return counts

    groups = [starts[i::WORKERS] for i in np.arange(WORKERS)]
    parts = run_parallel([lambda g=g: count(g) for g in groups if g])
    counts = sum(parts[1:], parts[0])
    if img.ndim == 2:
        counts[1] = counts[0]
    return counts, edges
