"""Image statistics and histograms for the UI (info panel, histogram, stretch dialogs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from filters._common import as_image, channels, luminance, run_parallel
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
    img: np.ndarray, bins: int = 256, range: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of every channel and of the luminance.

    Parameters
    ----------
    bins : int
        Number of equal bins.
    range : (low, high), optional
        Default: 0..1 widened to the data's min/max when the data goes beyond.
        Values outside the range are not counted; NaN is never counted.

    Returns
    -------
    counts : ndarray, int64, (C + 1, bins)
        One row per channel, then the luminance (Rec. 709; for a mono image a copy of it).
    edges : ndarray, float64, (bins + 1,)
    """
    img = as_image(img)
    if bins < 1:
        raise ValueError(f"bins: must be >= 1, got {bins}")
    if range is None:
        finite = img[np.isfinite(img)] if not np.isfinite(img).all() else img
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        lo, hi = min(0.0, lo), max(1.0, hi)
    else:
        lo, hi = float(range[0]), float(range[1])
    if not hi > lo:
        raise ValueError(f"range: high must be above low, got {(lo, hi)}")
    edges = np.linspace(lo, hi, bins + 1)
    scale = np.float32(bins / (hi - lo))

    def count(plane: np.ndarray) -> np.ndarray:
        flat = plane.reshape(-1) if plane.flags.c_contiguous else plane.ravel()
        total = np.zeros(bins + 2, np.int64)
        step = 1 << 22
        for s in np.arange(0, flat.size, step):
            x = (flat[s : s + step] - np.float32(lo)) * scale
            # outside/NaN -> the two spill bins; the top edge belongs to the last bin
            idx = np.full(x.shape, bins + 1, np.int64)
            inside = (x >= 0) & (x <= bins)
            idx[inside] = np.minimum(x[inside].astype(np.int64), bins - 1)
            total += np.bincount(idx, minlength=bins + 2)
        return total[:bins]

    planes = channels(img) + [luminance(img) if img.ndim == 3 else img]
    counts = run_parallel([lambda p=p: count(p) for p in planes])
    return np.stack(counts), edges
