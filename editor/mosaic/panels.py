"""One panel on a canvas window: resampled, balanced and weighted (used by both blends).

Panels are bilinearly resampled (no overshoot around stars), balanced (gain, offset,
gradient) and weighted by their distance to the footprint edge times their blend weight.
Previews (scale < 1) sample a block-averaged copy of each panel, so they look like a
downscaled full render, not an aliased one.
"""

from __future__ import annotations

import itertools
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy import ndimage

from editor.mosaic.plan import MosaicPlan, PanelParams
from editor.mosaic.transforms import Window, panel_coords

STRIP_PIXELS = 4_000_000
#: Largest side of the coarse grid the footprint distance is computed on.
DISTANCE_GRID = 1024


class PanelCache:
    """Per-panel levels and distance maps, computed once per pixel buffer (thread-safe).

    Least recently used entries go first past ``max_items`` (a whole clear emptied the
    levels a coarser one is derived from). A value being made by one thread is waited for by
    the others (the canvas's tile threads all ask for the same panels' levels at once: each
    made its own full-resolution pass before)."""

    def __init__(self, max_items: int = 1024) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._making: dict[tuple, threading.Event] = {}
        self.max_items = max_items
        #: panel key -> the level passes running on it (:func:`panel_level`)
        self._passes_lock = threading.Lock()
        self._passes: dict[Any, list[_Pass]] = {}

    def peek(self, key: tuple) -> Any:
        """The value stored for ``key`` (made as most recently used), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                busy = self._making.get(key)
                if busy is None:
                    busy = self._making[key] = threading.Event()
                    break
            busy.wait()  # made by another thread: take its value (or make it if it failed)
        try:
            value = make()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._making.pop(key, None)
            busy.set()


_DEFAULT_CACHE = PanelCache()
_IDS: dict[int, tuple[weakref.ref, int]] = {}
_NEXT_ID = itertools.count()
_IDS_LOCK = threading.Lock()


def _array_key(img: np.ndarray) -> tuple[str, int]:
    """A cache key for a panel given without one: unique while ``img`` lives (``id()``
    alone is reused by the next array, which then got the last one's levels)."""
    with _IDS_LOCK:
        got = _IDS.get(id(img))
        if got is not None and got[0]() is img:
            return ("array", got[1])
        if len(_IDS) > 4096:
            for i in [i for i, (r, _) in _IDS.items() if r() is None]:
                del _IDS[i]
        token = next(_NEXT_ID)
        _IDS[id(img)] = (weakref.ref(img), token)
        return ("array", token)


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


#: Levels from this one on (blocks of 8 x 8 pixels, 1/64 of a panel: 210 MB for the 12 RGB
#: panels of a 1 GP mosaic) are kept whenever a level is made from full resolution, so every
#: coarser preview scale is derived from them (a first fit view: one pass over the panels).
KEEP_FROM_LEVEL = 3
#: Full-resolution rows read per strip when levels are made (~32 MB of float32 per strip).
_STRIP_BYTES = 32 * 1024**2


@dataclass
class Level:
    """A panel reduced ``2**level`` times: ``means`` (float32, NaN where a block has no
    data) and ``counts`` of the finite panel pixels behind each mean (None: every block is
    whole and finite, the counts are the blocks' sizes)."""

    level: int
    means: np.ndarray
    counts: np.ndarray | None

    @property
    def nbytes(self) -> int:
        return self.means.nbytes + (0 if self.counts is None else self.counts.nbytes)


def _block_sizes(n: int, level: int) -> np.ndarray:
    """Panel pixels along one axis in each block of a level (the last block may be short)."""
    step = 1 << level
    return np.minimum(step, n - np.arange(-(-n // step)) * step).astype(np.float64)


def _count_dtype(level: int) -> type:
    return np.uint8 if level <= 3 else np.uint16 if level <= 7 else np.uint32


def _halve(m: np.ndarray, c: np.ndarray | None, rows: np.ndarray, cols: np.ndarray, level: int
           ) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_halve_weighted`, 2x faster where every block is whole and finite (a panel's
    interior): there all four weights are the same power of two, so the weighted sum is the
    plain sum scaled exactly and the mean is the plain sum / 4, the same bits. The last row
    and column, where blocks may be short or padded, take the weighted rule."""
    if c is not None:
        return _halve_weighted(m, c, rows, cols, level)
    h, w = m.shape[:2]
    oh, ow = (h + 1) // 2, (w + 1) // 2
    eh, ew = h & ~1, w & ~1
    total = m[0:eh:2, 0:ew:2].astype(np.float64)
    total += m[0:eh:2, 1:ew:2]
    total += m[1:eh:2, 0:ew:2]
    total += m[1:eh:2, 1:ew:2]
    total *= 0.25
    means = np.empty((oh, ow) + m.shape[2:], np.float32)
    means[:eh // 2, :ew // 2] = total
    full = 1 << level
    if h & 1 or rows[-1] != full:
        y = 2 * (oh - 1)
        means[oh - 1:] = _halve_weighted(m[y:], None, rows[y:], cols, level)[0]
    if w & 1 or cols[-1] != full:
        x = 2 * (ow - 1)
        means[:, ow - 1:] = _halve_weighted(m[:, x:], None, rows, cols[x:], level)[0]
    return means, None


def _halve_weighted(m: np.ndarray, c: np.ndarray | None, rows: np.ndarray, cols: np.ndarray,
                    level: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows of level ``level + 1`` from an even number of rows (or the last, odd one) of
    ``level``: each mean is the count-weighted mean of its 2 x 2 finer means in float64, so
    it is the mean of the finite panel pixels of its block, as the block means of a direct
    reduction (the panel's values, summed in another order: within float32 rounding).
    ``rows``/``cols``: the input blocks' sizes (their product is the count when ``c`` is
    None). Elementwise in a fixed order, so a level is the same bits whether it is made from
    full resolution, from a finer level kept in the cache, in whatever strips."""
    h, w = m.shape[:2]
    ph, pw = h + (h & 1), w + (w & 1)
    extra = m.shape[2:]
    if c is None:
        wt = np.zeros((ph, pw), np.float64)
        wt[:h, :w] = rows[:, None] * cols[None, :]
        if extra:
            wt = wt[..., None]
        val = m
    else:
        wt = np.zeros((ph, pw) + c.shape[2:], np.float64)
        wt[:h, :w] = c
        val = np.where(c > 0, m, np.float32(0))
    if (ph, pw) != (h, w):
        padded = np.zeros((ph, pw) + extra, np.float32)
        padded[:h, :w] = val
        val = padded
    total = val[0::2, 0::2] * wt[0::2, 0::2]
    total += val[0::2, 1::2] * wt[0::2, 1::2]
    total += val[1::2, 0::2] * wt[1::2, 0::2]
    total += val[1::2, 1::2] * wt[1::2, 1::2]
    count = wt[0::2, 0::2] + wt[0::2, 1::2]
    count += wt[1::2, 0::2]
    count += wt[1::2, 1::2]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (total / count).astype(np.float32)  # 0 / 0: NaN, a block with no data
    if c is None:
        return means, None
    return means, count.astype(_count_dtype(level + 1))


def _top_level(shape: tuple[int, ...]) -> int:
    """The level where the panel is one block."""
    return max(1, int(max(shape[0], shape[1]) - 1).bit_length())


def make_levels(img: np.ndarray, target: int, finer: Level | None = None) -> dict[int, Level]:
    """Levels ``target`` and coarser of the panel ``img``, made from ``finer`` (a level below
    ``target``) or, without one, from full resolution in strips (a memory-mapped panel is
    read once and its pages handed back). Returned: ``target`` and the levels from
    ``KEEP_FROM_LEVEL`` on (not those between: at 1 GP, level 2 of every panel is 840 MB)."""
    from editor.io.mapped import drop_pages

    h, w = img.shape[:2]
    top = max(target, _top_level(img.shape))
    base = 0 if finer is None else finer.level
    sizes = {lv: (_block_sizes(h, lv), _block_sizes(w, lv)) for lv in range(base, top + 1)}
    out: dict[int, Level] = {}
    pending: dict[int, tuple[np.ndarray, np.ndarray | None, int]] = {}

    def store(lv: int, y0: int, m: np.ndarray, c: np.ndarray | None) -> None:
        got = out.get(lv)
        if got is None:
            n = len(sizes[lv][0]), len(sizes[lv][1])
            got = out[lv] = Level(lv, np.empty(n + m.shape[2:], np.float32), None)
        y1 = y0 + m.shape[0]
        got.means[y0:y1] = m
        if c is not None and got.counts is None:  # the first rows with missing data
            got.counts = _explicit(None, got.means, sizes[lv], 0).astype(_count_dtype(lv))
        if got.counts is not None:
            got.counts[y0:y1] = _explicit(c, m, sizes[lv], y0)

    def feed(lv: int, y0: int, m: np.ndarray, c: np.ndarray | None, last: bool) -> None:
        """Rows y0.. of level ``lv``; pairs of rows go up a level, an odd row waits."""
        if lv == target or (lv > base and lv >= KEEP_FROM_LEVEL):
            store(lv, y0, m, c)
        if lv == top:
            return
        held = pending.pop(lv, None)
        if held is not None:
            hm, hc, hy = held
            if hc is not None or c is not None:
                hc = _explicit(hc, hm, sizes[lv], hy)
                c = np.concatenate([hc, _explicit(c, m, sizes[lv], y0)])
            m, y0 = np.concatenate([hm, m]), hy
        n = m.shape[0] if last else m.shape[0] & ~1
        if n < m.shape[0]:
            pending[lv] = (m[n:], None if c is None else c[n:], y0 + n)
        if n == 0:
            if last:
                feed(lv + 1, y0 // 2, *_empty_rows(m), last=True)
            return
        rows = sizes[lv][0][y0:y0 + n]
        m2, c2 = _halve(m[:n], None if c is None else c[:n], rows, sizes[lv][1], lv)
        feed(lv + 1, y0 // 2, m2, c2, last)

    if finer is not None:
        src, src_counts = finer.means, finer.counts
    else:
        src, src_counts = img, None
    sh = src.shape[0]
    row_bytes = src.shape[1] * 4 * (1 if src.ndim == 2 else src.shape[2])
    per = max(2, (_STRIP_BYTES // max(1, row_bytes)) & ~1)
    for y0 in range(0, sh, per):
        y1 = min(sh, y0 + per)
        m = _native(src[y0:y1])
        if finer is None:
            c = None
            if not np.isfinite(m).all():
                c = np.isfinite(m).astype(np.uint8)
                m = np.where(c > 0, m, np.float32(np.nan))
            drop_pages(img)
        else:
            c = None if src_counts is None else src_counts[y0:y1]
        feed(base, y0, m, c, y1 == sh)
    return out


def _native(part: np.ndarray) -> np.ndarray:
    """Rows of a panel as native float32. A panel mapped in place from a project is a
    big-endian planar (3, H, W) member seen as (H, W, 3): converted plane by plane, each a
    contiguous run of the file (4x faster than numpy's cast of the strided view)."""
    if part.ndim == 3 and part.dtype != np.float32:
        out = np.empty(part.shape, np.float32)
        for c in range(part.shape[2]):
            out[..., c] = part[..., c]
        return out
    return np.asarray(part, dtype=np.float32)


def _explicit(c: np.ndarray | None, m: np.ndarray, sizes: tuple[np.ndarray, np.ndarray], y0: int
              ) -> np.ndarray:
    """Counts of rows y0.. of a level as an array (None: the blocks' sizes)."""
    if c is not None:
        return c
    n = m.shape[0]
    got = sizes[0][y0:y0 + n, None] * sizes[1][None, :]
    if m.ndim == 3:
        got = np.repeat(got[..., None], m.shape[2], axis=2)
    return got.astype(np.uint32)


def _empty_rows(m: np.ndarray) -> tuple[np.ndarray, None]:
    return np.empty((0,) + m.shape[1:], np.float32), None


def panel_level(img: np.ndarray, level: int, cache: PanelCache, key: Any) -> Level:
    """Level ``level`` of a panel: from the cache, else derived from the finest level below
    it that the cache holds, else made from full resolution (keeping the coarse levels
    made on the way for the next preview scales). A pass already running on the panel that
    keeps ``level`` is waited for: the window's thumbnail, render and histogram threads ask
    levels 6, 3 and 4 at once, and each made its own full-resolution pass before."""

    def make() -> Level:
        while True:
            finer = None
            for lv in range(level - 1, 0, -1):
                finer = cache.peek(("level", key, lv))
                if finer is not None:
                    break
            with cache._passes_lock:
                # Under the lock that a pass leaves under once it has stored its levels:
                # either the level is cached now or the pass that keeps it is still listed.
                got = cache.peek(("level", key, level))
                if got is not None:
                    return got
                running = cache._passes.setdefault(key, [])
                wait = next((p.done for p in running if p.keeps(level)), None)
                if wait is None:
                    mine = _Pass(0 if finer is None else finer.level, level,
                                 max(level, _top_level(img.shape)))
                    running.append(mine)
            if wait is None:
                break
            wait.wait()  # then from the cache (or a pass of its own if that one failed)
        try:
            made = make_levels(img, level, finer)
            for lv, got in made.items():
                if lv == level or cache.peek(("level", key, lv)) is None:
                    cache.put(("level", key, lv), got)
            return made[level]
        finally:
            with cache._passes_lock:
                running.remove(mine)
                if not running:
                    cache._passes.pop(key, None)
            mine.done.set()

    return cache.get(("level", key, level), make)


class _Pass:
    """A :func:`make_levels` pass running on one panel, from level ``base`` (0: full
    resolution) for ``target``; ``done`` is set when its levels are in the cache."""

    def __init__(self, base: int, target: int, top: int) -> None:
        self.base, self.target, self.top = base, target, top
        self.done = threading.Event()

    def keeps(self, level: int) -> bool:
        """Whether the pass stores ``level`` (the rule of :func:`make_levels`)."""
        return level == self.target or (self.base < level <= self.top and level >= KEEP_FROM_LEVEL)


def preview_level(scale: float) -> int:
    """The power-of-two level at or below the preview's block size floor(1 / scale) (0: full
    resolution); the level the preview samples when that block size is a power of two."""
    return preview_block(scale).bit_length() - 1


def preview_block(scale: float) -> int:
    """Panel pixels per preview block: floor(1 / scale), as always (1: full resolution)."""
    return 1 if scale >= 1 else max(1, int(math.floor(1.0 / scale + 1e-6)))


def area_base(k: int) -> int:
    """The level blocks of ``k`` pixels (not a power of two) are made from: two levels below
    k's own (at least 4 level blocks across one of k, so little is assumed about where in a
    level block its pixels lie), but not finer than KEEP_FROM_LEVEL while that is still below
    k's level (then one below). 0: from full resolution (k < 8: zoomed-in views, which the
    tiled canvas shows at power-of-two levels anyway), exactly as before. A fixed function of
    k, so a preview never depends on what the cache held."""
    n = k.bit_length() - 1
    if n < 3:
        return 0
    return n - 2 if n - 2 >= KEEP_FROM_LEVEL else min(n - 1, KEEP_FROM_LEVEL)


def _overlaps(n: int, k: int, level: int) -> Any:
    """Sparse (blocks of k) x (level blocks) matrix: the share of each level block's pixels
    (along one axis of n pixels) that lies in each block of k."""
    from scipy import sparse

    s = 1 << level
    rows, cols, vals = [], [], []
    for i in range(-(-n // k)):
        a0, a1 = i * k, min((i + 1) * k, n)
        for j in range(a0 // s, (a1 - 1) // s + 1):
            b0, b1 = j * s, min((j + 1) * s, n)
            rows.append(i)
            cols.append(j)
            vals.append((min(a1, b1) - max(a0, b0)) / (b1 - b0))
    return sparse.csr_matrix((vals, (rows, cols)), shape=(-(-n // k), -(-n // s)), dtype=np.float64)


def area_blocks(lev: Level, shape: tuple[int, ...], k: int) -> np.ndarray:
    """Means of k x k blocks of a panel of ``shape`` made from its level ``lev``: each level
    block's finite pixels counted in a block of k by the share of the block it overlaps (as
    if spread evenly over it). Exact where the blocks of k are made of whole level blocks;
    sparse products in a fixed order, so the same bits every time."""
    h, w = shape[:2]
    fy, fx = _overlaps(h, k, lev.level), _overlaps(w, k, lev.level)
    sy, sx = _block_sizes(h, lev.level), _block_sizes(w, lev.level)
    nch = 1 if lev.means.ndim == 2 else lev.means.shape[2]
    out = np.empty((fy.shape[0], fx.shape[0]) + lev.means.shape[2:], np.float32)
    if lev.counts is None:
        whole = np.outer(fy @ sy, fx @ sx)
    for c in range(nch):
        m = lev.means if nch == 1 else lev.means[..., c]
        if lev.counts is None:
            count = whole
            weighted = m * (sy[:, None] * sx[None, :])
        else:
            cnt = (lev.counts if lev.counts.ndim == 2 else lev.counts[..., c]).astype(np.float64)
            count = np.asarray((fx @ np.asarray(fy @ cnt).T).T)
            weighted = np.where(cnt > 0, m, 0) * cnt
        total = np.asarray((fx @ np.asarray(fy @ weighted).T).T)
        with np.errstate(invalid="ignore", divide="ignore"):
            got = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
        if nch == 1:
            out[...] = got
        else:
            out[..., c] = got
    return out


def preview_source(img: np.ndarray, scale: float, cache: PanelCache, key: Any
                   ) -> tuple[np.ndarray, int]:
    """(the panel reduced for a preview at ``scale``, its block size k): blocks of
    k = floor(1 / scale) pixels as before, made without reading the panel again whenever a
    level it derives from is in the cache (see :func:`panel_level`, :func:`area_base`)."""
    k = preview_block(scale)
    if k == 1:
        return img, 1
    n = k.bit_length() - 1
    if k == 1 << n:
        return panel_level(img, n, cache, key).means, k
    base = area_base(k)
    if base == 0:  # blocks of 3, 5, 6 or 7 pixels: from full resolution, the former rule
        return cache.get(("blocks", key, k), lambda: reduce_blocks(img, k)), k
    return cache.get(("area", key, k),
                     lambda: area_blocks(panel_level(img, base, cache, key), img.shape, k)), k


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
    key = key if key is not None else _array_key(img)
    reduced, k = preview_source(img, scale, cache, key)
    src = (reduced, None)
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


