"""Cosmetic correction: find hot and cold pixels, replace them from same-colour neighbours.

The hot-pixel map comes from the master dark's thermal signal (dark minus bias, else minus its
median), like Siril's "cosmetic correction from the master dark": pixels more than ``sigma``
robust standard deviations above (hot) or below (cold) the median of their colour plane. Cold
(dead) pixels also come from the master flat: photosites answering less than half as much light
as the median. A flagged pixel is replaced by the median of its 8 nearest neighbours of the same
colour: 1 px away on a mono sensor, 2 px away on a Bayer mosaic (so a red photosite is rebuilt
from red ones only), other flagged neighbours left out.
"""

from __future__ import annotations

import numpy as np

from editor.stacking.normalisation import robust_location_scale


def cfa_planes(shape: tuple[int, int], pattern: str | None) -> list[tuple[slice, slice]]:
    """Slices of the 4 sub-grids of a Bayer mosaic (the whole frame for mono)."""
    if not pattern:
        return [(slice(None), slice(None))]
    return [(slice(r, None, 2), slice(c, None, 2)) for r in (0, 1) for c in (0, 1)]


def bad_pixel_map(thermal: np.ndarray, pattern: str | None, *, hot_sigma: float = 5.0,
                  cold_sigma: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """(hot, cold) boolean maps from a dark's thermal signal, plane by CFA plane."""
    hot = np.zeros(thermal.shape, dtype=bool)
    cold = np.zeros(thermal.shape, dtype=bool)
    for sl in cfa_planes(thermal.shape, pattern):
        plane = thermal[sl]
        med, sigma = robust_location_scale(plane)
        if not np.isfinite(sigma) or sigma <= 0:
            continue
        with np.errstate(invalid="ignore"):
            hot[sl] = plane > med + hot_sigma * sigma
            cold[sl] = plane < med - cold_sigma * sigma
    return hot, cold


def dead_pixels_from_flat(flat: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Photosites of a normalised master flat (median 1) answering below ``threshold``,
    where their 5x5 neighbourhood does not (so vignetted corners are not 'dead')."""
    from scipy import ndimage

    local = ndimage.median_filter(np.nan_to_num(flat, nan=1.0), size=5, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        return (flat < threshold * local) & (local > 0.1)


def correct_pixels(img: np.ndarray, bad: np.ndarray, pattern: str | None) -> np.ndarray:
    """A copy of a 2-D ``img`` with ``bad`` pixels replaced by their same-colour neighbours'
    median (kept as they are when every such neighbour is bad too)."""
    out = np.array(img, dtype=np.float32, copy=True)
    ys, xs = np.nonzero(bad)
    if ys.size == 0:
        return out
    step = 2 if pattern else 1
    h, w = img.shape
    samples = np.full((ys.size, 8), np.nan, dtype=np.float32)
    k = 0
    for dy in (-step, 0, step):
        for dx in (-step, 0, step):
            if dy == 0 and dx == 0:
                continue
            yy, xx = ys + dy, xs + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            yc, xc = np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)
            good = inside & ~bad[yc, xc]
            samples[good, k] = img[yc[good], xc[good]]
            k += 1
    usable = np.isfinite(samples).any(axis=1)
    out[ys[usable], xs[usable]] = np.nanmedian(samples[usable], axis=1)
    return out
