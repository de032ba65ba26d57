"""One panel on a canvas window: resampled, balanced and weighted (used by both blends).

Panels are bilinearly resampled (no overshoot around stars), balanced (gain, offset,
gradient) and weighted by their distance to the footprint edge times their blend weight.
Previews (scale < 1) sample a block-averaged copy of each panel, so they look like a
downscaled full render, not an aliased one.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable

import numpy as np
from scipy import ndimage

from editor.mosaic.plan import MosaicPlan, PanelParams
from editor.mosaic.transforms import Window, panel_coords

STRIP_PIXELS = 4_000_000
#: Largest side of the coarse grid the footprint distance is computed on.
DISTANCE_GRID = 1024


class PanelCache:
    """Per-panel reductions and distance maps, computed once per pixel buffer (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple, Any] = {}

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                return self._items[key]
        value = make()
        with self._lock:
            if len(self._items) > 64:
                self._items.clear()
            self._items[key] = value
        return value


_DEFAULT_CACHE = PanelCache()


def reduce_blocks(img: np.ndarray, k: int) -> np.ndarray:
    """Mean of k x k blocks, NaN ignored (a block with no data stays NaN). Done in strips of
    block rows (~32 MB read each), so a memory-mapped panel is never copied whole."""
    if k <= 1:
        return img
    h, w = img.shape[:2]
    oh, ow = -(-h // k), -(-w // k)
    out = np.empty((oh, ow) + img.shape[2:], np.float32)
    row_bytes = w * k * 4 * (1 if img.ndim == 2 else img.shape[2])
    per = max(1, (32 * 1024**2) // max(1, row_bytes))
    from editor.io.mapped import drop_pages

    for r0 in range(0, oh, per):
        r1 = min(oh, r0 + per)
        out[r0:r1] = _reduce_strip(img[r0 * k:min(h, r1 * k)], k, r1 - r0, ow)
        drop_pages(img)  # a mapped panel's pages read for the strip go back to the file
    return out


def _reduce_strip(img: np.ndarray, k: int, oh: int, ow: int) -> np.ndarray:
    """Block means of one strip. Whole blocks without NaN (a panel's interior, nearly all of
    it) take the plain sum: no padded copy, validity mask, masked copy or count reduction
    (2-3x less time per strip, and each new preview scale reduces every panel again). The
    same float64 sum of the same values divided by the same k * k as the general rule, so
    the same float32 bits; blocks at the panel's edges and strips with NaN take the rule."""
    h, w = img.shape[:2]
    whole = w // k
    if h == oh * k and whole > 0:
        part = np.asarray(img[:, :whole * k], dtype=np.float32)
        if np.isfinite(part).all():
            total = part.reshape((oh, k, whole, k) + img.shape[2:]).sum(axis=(1, 3), dtype=np.float64)
            main = (total / (k * k)).astype(np.float32)
            if whole == ow:
                return main
            rest = _reduce_blocks_nan(img[:, whole * k:], k, oh, ow - whole)
            return np.concatenate([main, rest], axis=1)
    return _reduce_blocks_nan(img, k, oh, ow)


def _reduce_blocks_nan(img: np.ndarray, k: int, oh: int, ow: int) -> np.ndarray:
    """Block means with NaN ignored and the strip padded with NaN to whole blocks."""
    h, w = img.shape[:2]
    pad = [(0, oh * k - h), (0, ow * k - w)] + ([(0, 0)] if img.ndim == 3 else [])
    p = np.pad(np.asarray(img, dtype=np.float32), pad, constant_values=np.nan)
    blocks = p.reshape((oh, k, ow, k) + img.shape[2:])
    valid = np.isfinite(blocks)
    total = np.where(valid, blocks, 0).sum(axis=(1, 3), dtype=np.float64)
    count = valid.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


def footprint_distance(img: np.ndarray) -> tuple[np.ndarray, int]:
    """(distance in panel pixels to the nearest missing pixel or the panel's edge, on a grid
    reduced by the returned factor). Smooth, so a coarse grid loses nothing."""
    h, w = img.shape[:2]
    f = max(1, math.ceil(max(h, w) / DISTANCE_GRID))
    # Every f-th pixel: the weights only need to be smooth, and a full-resolution validity
    # reduction cost seconds per 30 MP panel on the first preview.
    sub = img[f // 2::f, f // 2::f]
    valid = np.isfinite(sub if sub.ndim == 2 else sub.sum(axis=2))
    from editor.io.mapped import drop_pages

    drop_pages(img)  # the rows read (every page of them) go back to a mapped panel's file
    padded = np.pad(valid, 1, constant_values=False)
    dist = ndimage.distance_transform_edt(padded)[1:-1, 1:-1].astype(np.float32) * f
    return dist, f  # node (i, j) sits at panel pixel (f i + f // 2, f j + f // 2)


def prepare(img: np.ndarray) -> tuple[np.ndarray, None]:
    """The panel as sampled (kept for callers that cache a prepared panel)."""
    return img, None


def _bilinear_setup(rows: np.ndarray, cols: np.ndarray, h: int, w: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(flat index of the top-left neighbour, row fraction, column fraction, outside mask)
    of bilinear samples at (rows, cols) of an (h, w) plane (h, w >= 2)."""
    r0 = np.floor(rows)
    c0 = np.floor(cols)
    np.clip(r0, 0, h - 2, out=r0)
    np.clip(c0, 0, w - 2, out=c0)
    fr = (rows - r0).astype(np.float32, copy=False)
    fc = (cols - c0).astype(np.float32, copy=False)
    idx = r0.astype(np.intp) * w + c0.astype(np.intp)
    outside = (rows < 0) | (rows > h - 1) | (cols < 0) | (cols > w - 1)
    return idx, fr, fc, outside


def _bilinear_plane(flat: np.ndarray, w: int, idx: np.ndarray, fr: np.ndarray,
                    fc: np.ndarray) -> np.ndarray:
    # Shifted views instead of idx + 1, idx + w, ...: no index arrays to add and allocate.
    a = flat.take(idx)
    top = a + (flat[1:].take(idx) - a) * fc
    b = flat[w:].take(idx)
    top += ((b + (flat[w + 1:].take(idx) - b) * fc) - top) * fr
    return top


def bilinear(planes: list[np.ndarray], rows: np.ndarray, cols: np.ndarray,
             clamp: bool = False) -> list[np.ndarray]:
    """Bilinear samples of each (h, w) plane at (rows, cols), in float32; outside the plane
    NaN, or (``clamp``) the nearest edge value. NumPy rather than ``ndimage.map_coordinates``:
    numpy's gathers and arithmetic release the GIL, so tiles on threads run in parallel
    (map_coordinates held it: two threads ran no faster than one). Within 1.2e-7 of it."""
    h, w = planes[0].shape
    if clamp:
        rows = np.clip(rows, 0, h - 1)
        cols = np.clip(cols, 0, w - 1)
    if h < 2 or w < 2:  # one row or column: pad by repeating it (an edge case, tiny)
        planes = [np.pad(p, ((0, 1 if h < 2 else 0), (0, 1 if w < 2 else 0)), mode="edge")
                  for p in planes]
        h2, w2 = planes[0].shape
        idx, fr, fc, _ = _bilinear_setup(rows, cols, h2, w2)
        outside = (rows < 0) | (rows > h - 1) | (cols < 0) | (cols > w - 1)
        w = w2
    else:
        idx, fr, fc, outside = _bilinear_setup(rows, cols, h, w)
    out = []
    for p in planes:
        v = _bilinear_plane(np.ascontiguousarray(p, dtype=np.float32).reshape(-1), w, idx, fr, fc)
        if not clamp:
            v[outside] = np.nan
        out.append(v)
    return out


def sample_prepared(prep: tuple[np.ndarray, None], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear samples at (rows, cols); NaN outside the panel and next to missing data.

    Only the panel's pixels under the samples' bounding box are read, copied into one
    contiguous plane per channel: a tile of a memory-mapped panel touches just the pages it
    needs. NaN pixels are sampled as they are: bilinear interpolation mixes the four
    neighbours, so any missing one makes the sample NaN, which is the rule wanted."""
    img = prep[0]
    h, w = img.shape[:2]
    nch = 1 if img.ndim == 2 else img.shape[2]
    # The samples' bounding box within the panel (coordinate maps are smooth: min/max of
    # the whole arrays, clipped, never miss a sample inside the panel).
    y0, x0 = max(0, int(np.floor(rows.min()))), max(0, int(np.floor(cols.min())))
    y1 = min(h, int(np.floor(rows.max())) + 2)
    x1 = min(w, int(np.floor(cols.max())) + 2)
    if y1 <= y0 or x1 <= x0 or not (np.isfinite(rows.min()) and np.isfinite(cols.min())):
        return np.full(rows.shape + (() if img.ndim == 2 else (nch,)), np.nan, np.float32)
    crop = img[y0:y1, x0:x1]
    planes = [crop] if img.ndim == 2 else [crop[..., c] for c in range(nch)]
    # Outside the crop means outside the panel: bilinear() makes those samples NaN.
    got = bilinear(planes, rows - np.float32(y0), cols - np.float32(x0))
    return got[0] if img.ndim == 2 else np.stack(got, -1)


def sample(img: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``img`` at (rows, cols); NaN outside it and next to missing data."""
    return sample_prepared(prepare(img), rows, cols)


def balance_values(values: np.ndarray, p: PanelParams, rows: np.ndarray, cols: np.ndarray
                   ) -> np.ndarray:
    """gain * v + offset + gx * u + gy * w per channel (u, w: panel position in -1..1)."""
    h, w = p.shape
    u = cols / (w / 2.0) - 1.0
    v = rows / (h / 2.0) - 1.0
    out = np.empty_like(values)
    chans = 1 if values.ndim == 2 else values.shape[2]
    for c in range(chans):
        k = min(c, len(p.gain) - 1)
        gx, gy = p.gradient[min(c, len(p.gradient) - 1)]
        src = values if values.ndim == 2 else values[..., c]
        res = src * np.float32(p.gain[k]) + np.float32(p.offset[min(c, len(p.offset) - 1)])
        if gx or gy:
            res += np.float32(gx) * u + np.float32(gy) * v
        if values.ndim == 2:
            out[...] = res
        else:
            out[..., c] = res
    return out


def _panel_window(p: PanelParams, win: Window, scale: float) -> Window | None:
    """The part of ``win`` (scaled canvas) the panel can touch, or None."""
    y0 = max(win[0], math.floor(p.bbox[0] * scale) - 1)
    y1 = min(win[1], math.ceil(p.bbox[1] * scale) + 1)
    x0 = max(win[2], math.floor(p.bbox[2] * scale) - 1)
    x1 = min(win[3], math.ceil(p.bbox[3] * scale) + 1)
    return None if y1 <= y0 or x1 <= x0 else (y0, y1, x0, x1)


def panel_layer(plan: MosaicPlan, index: int, img: np.ndarray, win: Window, scale: float,
                cache: PanelCache | None = None, key: Any = None
                ) -> tuple[Window, np.ndarray, np.ndarray] | None:
    """(sub-window, balanced values, feather weights) of one panel on ``win``, or None."""
    p = plan.panels[index]
    sub = _panel_window(p, win, scale)
    if sub is None:
        return None
    cache = cache or _DEFAULT_CACHE
    key = key if key is not None else id(img)
    k = max(1, int(math.floor(1.0 / scale + 1e-6))) if scale < 1 else 1
    src = cache.get(("reduce", key, k), lambda: prepare(reduce_blocks(img, k)))
    dist, f = cache.get(("dist", key), lambda: footprint_distance(img))
    rows, cols = panel_coords(p.transform, sub, scale, plan.wcs)
    values = sample_prepared(src, (rows + 0.5) / k - 0.5, (cols + 0.5) / k - 0.5) if k > 1 else sample_prepared(src, rows, cols)
    weight = bilinear([dist], (rows - f // 2) / np.float32(f), (cols - f // 2) / np.float32(f),
                      clamp=True)[0]
    if plan.feather_px:
        weight = np.minimum(weight, np.float32(plan.feather_px))
    weight = np.maximum(weight, np.float32(1e-3)) * np.float32(p.weight)
    values = balance_values(values, p, rows, cols)
    if values.ndim == 2:
        invalid = ~np.isfinite(values)
    else:  # channel by channel: a sum over the last axis is a slow strided reduction
        total = values[..., 0].copy()
        for c in range(1, values.shape[2]):
            total += values[..., c]
        invalid = ~np.isfinite(total)
    weight = weight.astype(np.float32, copy=False)
    np.copyto(weight, np.float32(0), where=invalid)
    # Zero where the weight is zero, so a blend multiplies without NaN * 0 = NaN.
    np.copyto(values, np.float32(0), where=invalid if values.ndim == 2 else invalid[..., None])
    return sub, values, weight


