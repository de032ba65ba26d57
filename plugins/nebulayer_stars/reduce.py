"""Star reduction: shrink stars by morphological erosion, applied only through a star mask.

This is the classic PixInsight/Photoshop recipe ("MorphologicalTransformation through a star
mask"): a minimum filter of radius ``radius`` (``iterations`` times) shrinks every bright
blob; blending it in only where the star mask is on keeps nebulae and background untouched::

    target = min(img, max(erode(img), background))
    out    = img + amount * mask * (target - img)

The background floor keeps erosion from digging dark holes in the sky around stars. Pixels
where the mask is 0 come out bit-identical; no pixel gets brighter.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage

from .detect import background, detect_stars, luminance, star_mask


def _disk(radius: float) -> np.ndarray:
    r = max(float(radius), 1.0)  # below one pixel there is nothing to erode
    n = int(np.floor(r))
    y, x = np.mgrid[-n:n + 1, -n:n + 1]
    return (x * x + y * y) <= r * r + 1e-6


def stars_mask(img: np.ndarray, *, progress: Callable[[float], None] | None = None,
               threshold: float = 5.0, min_area: int = 5, max_radius: float = 8.0,
               mask_scale: float = 3.0, feather: float = 1.5) -> np.ndarray:
    """A soft mask of the stars (1 on stars, 0 elsewhere), for star reduction or protection."""
    objs = detect_stars(luminance(img), threshold=threshold, min_area=min_area, max_radius=max_radius)
    if progress is not None:
        progress(0.7)
    mask = star_mask(img.shape[:2], objs, scale=mask_scale, feather=feather)
    if progress is not None:
        progress(1.0)
    return mask


def reduce_stars(img: np.ndarray, *, progress: Callable[[float], None] | None = None,
                 amount: float = 1.0, radius: float = 1.5, iterations: int = 1,
                 threshold: float = 5.0, min_area: int = 5, max_radius: float = 8.0,
                 mask_scale: float = 3.0, feather: float = 1.5) -> np.ndarray:
    """Make stars smaller and fainter while leaving everything outside the star mask unchanged.

    Examples
    --------
    >>> sky = np.random.default_rng(0).normal(0.1, 0.002, (64, 64)).astype(np.float32)
    >>> y, x = np.mgrid[:64, :64]
    >>> img = sky + np.exp(-((x - 32) ** 2 + (y - 32) ** 2) / 4.5).astype(np.float32)
    >>> out = reduce_stars(img)
    >>> bool(out[32, 35] < img[32, 35]) and bool(out[5, 5] == img[5, 5])
    True
    """
    img = np.asarray(img, dtype=np.float32)
    mask = stars_mask(img, progress=None, threshold=threshold, min_area=min_area,
                      max_radius=max_radius, mask_scale=mask_scale, feather=feather)
    if progress is not None:
        progress(0.4)
    if not mask.any() or amount == 0:
        return img.copy()
    planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    out = img.copy()
    footprint = _disk(radius)
    weight = np.float32(amount) * mask
    for ci, plane in enumerate(planes):
        filled = np.where(np.isfinite(plane), plane, np.float32(np.nanmedian(plane)))
        eroded = filled
        for _ in range(max(int(iterations), 1)):
            eroded = ndimage.grey_erosion(eroded, footprint=footprint, mode="mirror")
        back, _ = background(plane)
        target = np.minimum(filled, np.maximum(eroded, back))
        result = plane + weight * (target - filled)
        result = np.where(np.isfinite(plane), result, plane).astype(np.float32)
        if img.ndim == 2:
            out = result
        else:
            out[..., ci] = result
        if progress is not None:
            progress(0.4 + 0.6 * (ci + 1) / len(planes))
    return out
