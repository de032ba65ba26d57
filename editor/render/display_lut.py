"""Fast screen transfer: the core's display curve applied through a lookup table.

:func:`editor.render.display.display_image` evaluates the stretch (STF, sRGB) per pixel in
float32, ~130 ms for a 1600 x 1000 RGB preview, which alone would eat the whole latency budget
of a slider drag. Here the core's own curve is sampled once into a 16 384-entry table per
channel (so the maths stays in :mod:`editor.render.display`), and each pixel only needs a
scale, a clamp, a cast and a table lookup: the trick pyqtgraph's ImageItem uses. Rows are
split across two threads (numpy releases the GIL). The result matches ``display_image`` to
within one grey level (tests/render/test_display_lut.py). It lives in the renderer, not the
UI, because it is numpy only and any view (the canvas, a review page, a script) can use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

LUT_SIZE = 16384  # x 3 channels still indexes with uint16; 48 kB stays in cache
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nebulayer-display")
#: Below this many pixels the rows are not split over the pool: a display tile (256 px) is
#: converted on its own tile thread, which is already one of two running at once.
SPLIT_MIN_PIXELS = 300_000
_CURVES: OrderedDict[Any, Any] = OrderedDict()  # the last few stretches' tables (a tiled
_CURVES_LOCK = threading.Lock()                  # view converts dozens of tiles with one)


def _curves(stretch: Any, channels: int) -> list[tuple[float, float, np.ndarray, float]]:
    """:func:`_domain_and_curve`, remembered for the last 8 stretches (~1 ms each to build)."""
    try:
        key = (_hashable(stretch), channels)
    except TypeError:
        return _domain_and_curve(stretch, channels)
    with _CURVES_LOCK:
        hit = _CURVES.get(key)
        if hit is not None:
            _CURVES.move_to_end(key)
            return hit
    curves = _domain_and_curve(stretch, channels)
    with _CURVES_LOCK:
        _CURVES[key] = curves
        while len(_CURVES) > 8:
            _CURVES.popitem(last=False)
    return curves


def _hashable(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((str(k), _hashable(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (np.floating, np.integer)):
        return (type(v).__name__, v.item())
    hash(v)
    return (type(v).__name__, v)


def _domain_and_curve(stretch: Any, channels: int) -> list[tuple[float, float, np.ndarray, float]]:
    """Per channel: (lo, hi, uint8 table, white point): value -> table[(v - lo) / (hi - lo)];
    values at or above the white point are what the clipping warning marks.

    The tables are made by :func:`editor.render.display.display_image` itself, run on a ramp
    covering the part of the input range where the curve is not flat. Entry ``i`` holds the
    value at ``lo + (hi - lo) * (i / (LUT_SIZE - 1)) ** 2`` (see :func:`_apply`).
    """
    from editor.render.display import display_image

    grid = np.linspace(0.0, 1.0, LUT_SIZE, dtype=np.float32) ** 2
    if isinstance(stretch, str):
        if stretch != "none":
            raise ValueError(f"unknown stretch {stretch!r}")
        table = display_image(grid[None, :], stretch="none")[0, :, 0].copy()
        return [(0.0, 1.0, table, 1.0)] * channels
    if isinstance(stretch, dict):
        stretch = (stretch["shadows"], stretch["midtones"], stretch["highlights"])
    s, m, h = (np.resize(np.asarray(v, dtype=np.float64).ravel(), channels) for v in stretch)
    lo = s
    hi = white = np.where(h > s, h, s + 1e-12)
    # A strong stretch (faint data: m ~ 1e-5) saturates long before the highlights point, so
    # a table over the whole shadows..highlights range would spend all but a few entries on
    # white and posterise the picture. The table ends where the curve reaches the top grey
    # level instead; the inverse of MTF(x; m) is MTF(y; 1 - m).
    m_safe = np.clip(m, 1e-9, 1 - 1e-9)
    y_top = 1.0 - 0.25 / 255.0
    x_top = -m_safe * y_top / ((1 - 2 * m_safe) * y_top - (1 - m_safe))
    hi = np.where(m_safe < 0.5, lo + (hi - lo) * np.clip(x_top, 1e-9, 1.0), hi)
    ramp = (lo[None, :] + grid[:, None] * (hi - lo)[None, :]).astype(np.float32)
    stf = (s.astype(np.float32), m.astype(np.float32), h.astype(np.float32))
    if channels == 1:
        tables = display_image(ramp[None, :, 0], stretch=tuple(v[0] for v in stf))[0, :, :1]
    else:
        tables = display_image(ramp[None, :, :], stretch=stf)[0]
    return [(float(lo[c]), float(hi[c]), tables[:, c].copy(), float(white[c])) for c in range(channels)]


def _apply(arr: np.ndarray, lo: np.ndarray, k: np.ndarray, offsets: np.ndarray, table: np.ndarray,
           out: np.ndarray, clip_warning: bool) -> None:
    """``out`` = table[channel, round(sqrt((arr - lo) * k) * (LUT_SIZE - 1))] for a block of
    rows, all channels.

    The square root gives the shadows, where a stretch is steepest (an auto stretch of faint
    data rises from black to mid-grey within a few millionths), most of the table: with a
    uniform table such data came out in a dozen grey levels.

    ``arr`` is (rows, w * c) and ``lo``/``k``/``offsets`` are per-channel values tiled along a
    row, so every numpy loop runs over long contiguous rows (broadcasting a (3,) vector over
    (h, w, 3) would run inner loops of length 3, several times slower).
    """
    t = arr - lo
    t *= k
    np.fmax(t, np.float32(0), out=t)  # fmax also turns NaN (missing data) into 0
    np.fmin(t, np.float32(1), out=t)
    np.sqrt(t, out=t)
    t *= np.float32(LUT_SIZE - 1)
    t += np.float32(0.5)
    idx = t.astype(np.uint16)
    idx += offsets
    out[...] = np.take(table, idx)  # take into a new array is faster than take(out=)


def fast_display_image(arr: np.ndarray, stretch: Any = "none", clip_warning: bool = False) -> np.ndarray:
    """Same picture as ``display_image(arr, stretch, clip_warning)``, uint8 (h, w, 3)."""
    a = np.asarray(arr, dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    h, w, channels = a.shape
    curves = _curves(stretch, channels)
    lo = np.tile(np.array([c[0] for c in curves], dtype=np.float32), w)
    k = np.tile(np.array([1.0 / (c[1] - c[0]) for c in curves], dtype=np.float32), w)
    offsets = np.tile(np.arange(channels, dtype=np.uint16) * LUT_SIZE, w)
    top = np.tile(np.array([c[3] for c in curves], dtype=np.float32), w)
    table = np.concatenate([c[2] for c in curves])
    flat = np.ascontiguousarray(a).reshape(h, w * channels)
    pix = np.empty((h, w * channels), dtype=np.uint8)
    if h < 64 or h * w < SPLIT_MIN_PIXELS:
        _apply(flat, lo, k, offsets, table, pix, False)
    else:
        mid = h // 2
        parts = [_pool.submit(_apply, flat[:mid], lo, k, offsets, table, pix[:mid], False),
                 _pool.submit(_apply, flat[mid:], lo, k, offsets, table, pix[mid:], False)]
        for p in parts:
            p.result()
    pix = pix.reshape(h, w, channels)
    out = pix if channels == 3 else np.repeat(pix, 3, axis=2)
    if clip_warning:
        # the same test as display_image: all channels at 0 (or NaN) -> blue, any at 1 -> red
        not_above = ~(flat > lo).reshape(h, w, channels)
        at_top = (flat >= top).reshape(h, w, channels)
        low, high = not_above[:, :, 0].copy(), at_top[:, :, 0].copy()
        for c in range(1, channels):
            low &= not_above[:, :, c]
            high |= at_top[:, :, c]
        out[low] = (0, 64, 255)
        out[high] = (255, 0, 0)
    return out
