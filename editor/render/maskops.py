"""The finishing controls every mask has: levels, feather, invert, density.

Order: levels (black point, PixInsight midtones balance, white point) -> feather (Gaussian,
sigma in full-resolution px, scaled with the preview) -> invert -> density.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from filters import midtones_transfer  # the one definition (PixInsight's MTF)
from filters._common import has_nan


def mask_levels(x: np.ndarray, black: float, midtone: float, white: float) -> np.ndarray:
    if black == 0.0 and white == 1.0 and midtone == 0.5:
        return x
    span = max(white - black, 1e-6)
    y = np.clip((x - np.float32(black)) / np.float32(span), 0.0, 1.0).astype(np.float32)
    return y if midtone == 0.5 else midtones_transfer(y, midtone)


def feather_halo(feather: float, scale: float) -> int:
    sigma = feather * scale
    return 0 if sigma <= 0 else int(math.ceil(4.0 * sigma)) + 1


#: 1.0 as float32 bits: as uint32, the float32 values 0..1 are exactly the bits 0..ONE_BITS
#: (negative values have the sign bit set; NaN, inf and values above 1 have bigger bits).
ONE_BITS = np.uint32(0x3F800000)


def in_unit_range(m: np.ndarray) -> bool:
    """True when every value of ``m`` is within 0..1 (NaN: False); one reduction for a clean
    float32 mask instead of min() and max(). (-0.0 fails the bits test and is looked at again.)"""
    if m.size == 0:
        return False
    if m.dtype == np.float32 and m.view(np.uint32).max() <= ONE_BITS:
        return True
    return bool(m.min() >= 0.0 and m.max() <= 1.0)


def finish_mask(raw: np.ndarray, props: dict, scale: float) -> np.ndarray:
    """Apply a mask's controls (``props`` as in Mask.props()) to raw (H, W) values 0..1."""
    m = np.asarray(raw, dtype=np.float32)
    black, midtone, white = float(props["black"]), float(props["midtone"]), float(props["white"])
    sigma = float(props["feather"]) * scale
    d = float(props["density"])
    if (black, midtone, white, d) == (0.0, 0.5, 1.0, 1.0) and sigma <= 0 and not props["invert"]:
        # no controls (a generated mask made chunk by chunk: the render's hot path): a clean
        # mask in 0..1 is the result, found with one reduction (NaN fails it)
        if in_unit_range(m):
            return m
    if has_nan(m):  # (or inf) one fast pass decides; no copy of a clean mask
        m = np.nan_to_num(m, nan=0.0)
    m = mask_levels(m, black, midtone, white)
    if sigma > 0:
        m = ndimage.gaussian_filter(m, sigma, mode="nearest", truncate=4.0)
    if props["invert"]:
        m = 1.0 - m
    if d != 1.0:
        m = 1.0 - d * (1.0 - m)
    if in_unit_range(m):
        return m  # already 0..1 (a generated mask's own levels clip it): no copy
    return np.clip(m, 0.0, 1.0).astype(np.float32, copy=False)
