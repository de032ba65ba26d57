"""Finding stars with SEP (Source Extractor as a library) and drawing a soft star mask."""

from __future__ import annotations

import numpy as np
import sep
from scipy import ndimage


def luminance(img: np.ndarray) -> np.ndarray:
    """The plane stars are detected on: the image itself, or the mean of its channels."""
    return img if img.ndim == 2 else img.mean(axis=2, dtype=np.float32)


def sep_ready(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A writable, C-contiguous, native float32 copy with NaN filled, and the NaN mask.

    SEP refuses read-only and byte-swapped buffers, and NaN would poison its background.
    """
    data = np.array(plane, dtype=np.float32, order="C", copy=True)
    missing = ~np.isfinite(data)
    if missing.any():
        data[missing] = np.median(data[~missing]) if not missing.all() else 0.0
    return data, missing


def background(plane: np.ndarray, box: int = 64) -> tuple[np.ndarray, float]:
    """SEP's smooth background map of a plane and the global noise (RMS) around it."""
    data, missing = sep_ready(plane)
    box = int(max(8, min(box, *data.shape)))
    bkg = sep.Background(data, mask=missing, bw=box, bh=box)
    return bkg.back().astype(np.float32), float(bkg.globalrms)


def detect_stars(plane: np.ndarray, *, threshold: float, min_area: int, max_radius: float) -> np.ndarray:
    """SEP catalogue of compact sources ``threshold`` noise sigmas above the background.

    Sources whose major axis (``a``, an RMS size in pixels) exceeds ``max_radius`` are nebulae,
    galaxies or the cores of clusters, not stars: they are left out.
    """
    data, missing = sep_ready(plane)
    back, rms = background(data)
    if rms <= 0:
        return np.zeros(0, dtype=[("x", "f8"), ("y", "f8"), ("a", "f8"), ("b", "f8"), ("theta", "f8")])
    sub = data - back
    # Dense fields overflow SEP's default buffers; size them to the image.
    sep.set_extract_pixstack(max(300_000, data.size // 2))
    sep.set_sub_object_limit(4096)
    objs = sep.extract(sub, float(threshold), err=rms, mask=missing, minarea=int(min_area))
    return objs[objs["a"] <= max_radius]


def star_mask(shape: tuple[int, int], objs: np.ndarray, *, scale: float, feather: float) -> np.ndarray:
    """(H, W) float32 mask: 1 on each star's ellipse of ``scale`` times its RMS size, 0 elsewhere,
    softened by a Gaussian of ``feather`` pixels (still exactly 0 far from every star)."""
    mask = np.zeros(shape, dtype=np.uint8)
    if len(objs):
        # at least a pixel or so of radius, so faint tiny stars are covered too
        a = np.maximum(objs["a"], 0.7)
        b = np.maximum(objs["b"], 0.7)
        sep.mask_ellipse(mask, objs["x"], objs["y"], a, b, objs["theta"], r=float(scale))
    out = mask.astype(np.float32)
    if feather > 0 and len(objs):
        out = ndimage.gaussian_filter(out, float(feather), truncate=3.0)
        np.clip(out, 0.0, 1.0, out=out)
    return out
