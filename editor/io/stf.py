"""Auto-stretch (STF) parameters from per-channel samples, without importing ``filters``.

Why not :func:`filters.auto_stretch_params` itself: importing the ``filters`` package imports
every filter and, through them, scipy.ndimage, scipy.interpolate and scipy.signal: 0.4-0.7 s
on the reference machine, half of what Siril needs for a whole load-stretch-save of 24 MP.
``nebulayer convert --stretch auto`` therefore measures here, with the same numbers:

* the statistics are :mod:`filters.stretch_stats` itself (a numpy-only module), loaded from
  its file when the ``filters`` package is not imported yet;
* :func:`stf_params` repeats the few lines of ``auto_stretch_params`` that combine them
  (tests/io/test_convert_stream.py checks that both give the same numbers);
* :func:`mtf_constants` gives the float32 constants ``filters.auto_stretch`` computes with,
  so a stretch applied chunk by chunk is bit-identical to it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

import numpy as np

from editor.locale import _

_STATS: ModuleType | None = None


def stretch_stats() -> ModuleType:
    """:mod:`filters.stretch_stats` (numpy only), without running ``filters/__init__``."""
    global _STATS
    if "filters.stretch_stats" in sys.modules:
        return sys.modules["filters.stretch_stats"]
    if _STATS is None:
        spec = importlib.util.find_spec("filters")  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(_("the 'filters' package is not installed"))
        path = Path(list(spec.submodule_search_locations)[0]) / "stretch_stats.py"
        mod_spec = importlib.util.spec_from_file_location("_nebulayer_stretch_stats", path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[mod_spec.name] = module  # dataclasses look their module up by name
        mod_spec.loader.exec_module(module)
        _STATS = module
    return _STATS


def even_sample_indices(h: int, w: int) -> np.ndarray:
    """Flat (top-row-first) indices of the even subsample the stretch statistics use: the
    same pixels ``filters.stretch_stats.finite_sample`` takes from a whole (H, W) plane."""
    step = max(1, (h * w) // stretch_stats().STATS_SAMPLES)
    return np.arange(0, h * w, step, dtype=np.int64)


def stf_params(samples: Sequence[np.ndarray], *, linked: bool = True,
               shadows_clip: float = -2.8, target_background: float = 0.25
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shadows, midtones, highlights) per channel, as ``filters.auto_stretch_params`` gives
    them for the whole image, from each channel's :func:`even_sample_indices` sample (1-D
    float32, in that order). A sample of at most 2 x STATS_SAMPLES values is not subsampled
    again, so the statistics see exactly the pixels they see on the whole image."""
    ss = stretch_stats()
    threads = min(len(samples), os.cpu_count() or 1)
    if threads > 1:  # the medians release the GIL; each thread holds ~5 copies of a sample
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            stats = list(pool.map(lambda s: ss.plane_stats(np.ascontiguousarray(s, np.float32)),
                                  samples))
    else:
        stats = [ss.plane_stats(np.ascontiguousarray(s, np.float32)) for s in samples]
    med = np.array([np.nan if st.empty else st.median for st in stats])
    mad = np.array([np.nan if st.empty else st.mad for st in stats])
    mad = np.nan_to_num(mad, nan=0.0)  # full resolution: no reduction to undo
    mad = np.where(np.isnan(med), np.nan, mad)
    lows = np.array([st.low for st in stats])
    highs = np.array([st.high for st in stats])
    if linked:
        med = np.full_like(med, np.nanmean(med)) if np.isfinite(med).any() else med
        mad = np.full_like(mad, np.nanmean(mad)) if np.isfinite(mad).any() else mad
        lows = np.full_like(lows, lows.min())
        highs = np.full_like(highs, highs.max())
    med = np.nan_to_num(med, nan=0.0)
    mad = np.nan_to_num(mad, nan=0.0)
    normalised = (lows == 0.0) & (highs == 1.0)
    floor = np.array([st.floor for st in stats])
    if linked:
        floor = np.full_like(floor, floor.min())
    shadows = np.clip(med + shadows_clip * ss.MAD_TO_SIGMA * mad, floor, highs)
    width = np.where(normalised, 1.0, np.maximum(highs - shadows, 1e-300))
    x = np.clip((med - shadows) / width, 1e-7, 1.0 - 1e-7)
    b = float(target_background)
    midtones = (b - 1) * x / ((2 * b - 1) * x - b)  # MTF(x; b)
    midtones = np.clip(midtones, 1e-6, 1 - 1e-6)
    return shadows, midtones, highs


class MTF:
    """One channel's stretch ``MTF((x - c0) / (c1 - c0); m)`` with the float32 constants and
    the order of operations of ``filters.auto_stretch`` (same bits), applied in place."""

    def __init__(self, c0: float, m: float, c1: float, cap: bool) -> None:
        self.lo = np.float32(c0)
        self.scale = np.float32(1.0 / (c1 - c0) if c1 > c0 else 1.0)
        self.m = np.float32(m)
        self.k1 = self.m - np.float32(1)
        self.k2 = np.float32(2) * self.m - np.float32(1)
        # A darkening MTF (m > 0.5) has a pole above 1: clip there. filters.auto_stretch clips
        # every channel when any channel darkens; ``cap`` says whether it does.
        self.cap = bool(cap)

    def apply(self, x: np.ndarray, den: np.ndarray) -> None:
        """Stretch ``x`` in place; ``den`` is scratch of the same shape."""
        np.subtract(x, self.lo, out=x)
        x *= self.scale
        np.maximum(x, np.float32(0), out=x)
        if self.cap:
            np.minimum(x, np.float32(1), out=x)
        np.multiply(x, self.k2, out=den)
        den -= self.m
        x *= self.k1
        with np.errstate(invalid="ignore"):  # inf / inf of an infinite input: NaN, as filters
            x /= den

    def of(self, value: float) -> float:
        """The stretched value of one input value (computed as the arrays are)."""
        x = np.array([value], np.float32)
        self.apply(x, np.empty_like(x))
        return float(x[0])


def auto_stretch_array(img: np.ndarray) -> np.ndarray:
    """``filters.auto_stretch(img)`` (linked, default clip and target), the same bits, without
    importing the filters: for ``convert`` of files the streamed path does not cover."""
    img = np.asarray(img, np.float32)
    h, w = img.shape[:2]
    planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    k = even_sample_indices(h, w)
    flat = np.ascontiguousarray(img).reshape(h * w, -1)  # no copy: ``img`` is C-ordered
    samples = [flat[k, c] for c in range(flat.shape[1])]  # the pixels finite_sample takes
    c0, m, c1 = stf_params(samples)
    cap = bool(np.any(m > 0.5))
    mtfs = [MTF(a, b, c, cap) for a, b, c in zip(c0, m, c1)]
    out = np.empty(img.shape, np.float32)
    rows = max(1, (1 << 18) // (w * (1 if img.ndim == 2 else img.shape[2])))
    scratch = np.empty((rows, w), np.float32)
    plane = np.empty((rows, w), np.float32)
    for y in range(0, h, rows):  # cache-sized slices, one channel at a time
        n = min(rows, h - y)
        for c, f in enumerate(mtfs):
            x = plane[:n]
            np.copyto(x, planes[c][y:y + n])
            f.apply(x, scratch[:n])
            (out[y:y + n] if img.ndim == 2 else out[y:y + n, :, c])[...] = x
    return out
