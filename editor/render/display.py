"""Screen transfer for the view only: linear float pixels -> 8-bit RGB for display.

The document is never changed. ``stretch="none"`` shows the values 0..1 as they are, as
PixInsight and Siril do: linear data looks dark until it is stretched, and once a stretch
layer has made the values display-referred the screen shows exactly what a PNG/JPEG export
writes (editor.io writes values as they are, sRGB-tagged). ``"auto"`` applies a
PixInsight-style STF (shadows clip, midtones balance, highlights) measured with
``filters.auto_stretch_params``, then shows the stretched values as they are. A tuple/dict of STF parameters applies
fixed ones (to show two states with the same stretch). ``clip_warning`` paints pixels at or
below 0 blue and at or above 1 red (after the stretch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

STF = tuple[Any, Any, Any]  # (shadows, midtones, highlights), scalars or per-channel arrays


def stf_params(arr: np.ndarray, *, linked: bool = True) -> STF:
    """Auto STF parameters for ``arr`` (filters.auto_stretch_params)."""
    import filters

    return filters.auto_stretch_params(arr, linked=linked)


def apply_stf(arr: np.ndarray, stf: STF | dict) -> np.ndarray:
    """x -> MTF(m, clip((x - shadows) / (highlights - shadows), 0, 1)) per channel."""
    if isinstance(stf, dict):
        stf = (stf["shadows"], stf["midtones"], stf["highlights"])
    s, m, h = (np.asarray(v, dtype=np.float32) for v in stf)
    x = arr.astype(np.float32, copy=False)
    if x.ndim == 3 and s.ndim == 1:
        s, m, h = s[None, None, :], m[None, None, :], h[None, None, :]
    elif x.ndim == 2 and s.ndim == 1:
        s, m, h = s[0], m[0], h[0]
    # Any unit: a 1e-18 wide range is a range (no absolute floor); NaN (missing) shows black.
    width = np.where(h > s, h - s, np.float32(1.0)).astype(np.float32)
    y = np.nan_to_num(np.clip((x - s) / width, 0.0, 1.0), nan=0.0)
    return _mtf(y, m)


def stf_is_stale(arr: np.ndarray, stf: STF | dict) -> bool:
    """True when a kept screen stretch no longer shows ``arr``: through it, nine pixels in
    ten are black, or white, or the picture has fewer than 16 grey levels. A fresh auto
    stretch shows the sky near 0.25 with hundreds of levels; ordinary edits move that a
    little, but e.g. an Auto Stretch layer over ADU data leaves a stretch measured in ADU
    showing the new 0..1 values as one flat grey. Meant for whole-image previews.

    Runs on the UI thread as each preview arrives, so it looks at a fixed ~16k-pixel sample
    (a strided view: nothing full-size is copied) and counts grey levels with one bincount
    (a sort, as np.unique does, took ~10 ms of the UI thread)."""
    step = max(1, int(np.sqrt(arr.shape[0] * arr.shape[1] / 16384)))
    sample = np.asarray(arr[::step, ::step], dtype=np.float32)
    if not np.isfinite(sample).any():
        return False
    grey = (apply_stf(sample, stf) * 255.0 + 0.5).astype(np.uint8)
    if grey.ndim == 3:
        grey = grey.max(axis=2)
    counts = np.bincount(grey.ravel(), minlength=256)
    n = max(1, grey.size)
    return counts[0] / n > 0.9 or counts[255] / n > 0.9 or int(np.count_nonzero(counts)) < 16


def _mtf(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """filters.midtones_transfer with a scalar, or one balance per channel."""
    import filters

    m = np.asarray(m, dtype=np.float64)
    if m.size == 1:
        return np.asarray(filters.midtones_transfer(x, float(m.reshape(-1)[0])), dtype=np.float32)
    flat = m.reshape(-1)
    planes = [filters.midtones_transfer(x[..., c], float(flat[c])) for c in range(x.shape[-1])]
    return np.stack(planes, axis=-1).astype(np.float32, copy=False)


def display_image(arr: np.ndarray, stretch: str | STF | dict = "none",
                  clip_warning: bool = False) -> np.ndarray:
    """uint8 (h, w, 3) for the screen from linear (h, w) or (h, w, 3) float pixels."""
    a = np.asarray(arr, dtype=np.float32)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if isinstance(stretch, str):
        if stretch == "none":
            y = np.clip(np.nan_to_num(a, nan=0.0), 0.0, 1.0)
        elif stretch == "auto":
            y = apply_stf(a, stf_params(a))
        else:
            raise ValueError(f"unknown stretch {stretch!r} (none, auto, or STF parameters)")
    else:
        y = apply_stf(a, stretch)
    rgb = y if y.ndim == 3 else np.repeat(y[:, :, None], 3, axis=2)
    out = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if clip_warning:
        lo = (rgb <= 0.0).all(axis=2) if rgb.ndim == 3 else rgb <= 0
        hi = (rgb >= 1.0).any(axis=2)
        out[lo] = (0, 64, 255)
        out[hi] = (255, 0, 0)
    return out
