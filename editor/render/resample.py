"""Placing a source on the (possibly scaled) canvas: proxy pyramid + exact area averaging.

A render at scale ``s`` works on a canvas of ``round(H*s) x round(W*s)`` pixels; canvas pixel
``i`` covers full-resolution rows ``[i/s, (i+1)/s)``. A source is sampled by averaging the
area it covers there (a box filter, what a telescope pixel does), computed with sparse
matrices from the coarsest proxy level that still has at least one pixel per output pixel.
Proxies (x2, x4, x8... area reductions) are built lazily and kept with the source: the
first level asked for is built with every finer one from one read of the source (level 1, a
quarter of the source, is kept only when asked for); the smallest proves the source finite or not
(:func:`known_finite`).

Output pixels are computed the same way whatever window is asked for, so a region render
is bit-identical to the crop of a whole-canvas render.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from editor.core.sources import Source


@dataclass(frozen=True)
class Window:
    """Rows y0..y1 and columns x0..x1 (end exclusive) of the scaled canvas."""

    y0: int
    y1: int
    x0: int
    x1: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.y1 - self.y0, self.x1 - self.x0)

    def expand(self, halo: int, bounds: "Window") -> "Window":
        if halo <= 0:
            return self
        return Window(max(bounds.y0, self.y0 - halo), min(bounds.y1, self.y1 + halo),
                      max(bounds.x0, self.x0 - halo), min(bounds.x1, self.x1 + halo))

    def crop_of(self, inner: "Window") -> tuple[slice, slice]:
        """Slices that cut ``inner`` out of an array covering self."""
        return (slice(inner.y0 - self.y0, inner.y1 - self.y0),
                slice(inner.x0 - self.x0, inner.x1 - self.x0))

    def as_list(self) -> list[int]:
        return [self.y0, self.y1, self.x0, self.x1]


def reduce2(img: np.ndarray) -> np.ndarray:
    """Half-size area average; an odd last row/column is averaged with a copy of itself.
    Each output pixel is ``(((p + q) + r) + s) * 0.25`` in float32 (p, q: the left column of
    its 2x2 block, top then bottom; r, s: the right one), whatever way it is computed."""
    return reduce_levels(img, 1)[0]


def _pixel_view(x: np.ndarray) -> np.ndarray:
    """(k, w) of whole pixels (one void item of C float32) of a (k, w, C) array, for copies
    of every other column: numpy moves 12-byte items in long loops, where the float view's
    innermost loop of 3 made each strided step cost ~4x more."""
    c = x.shape[2]
    return x.view(np.dtype((np.void, 4 * c)))[..., 0]


def _cols(x: np.ndarray, first: int, dst: np.ndarray) -> None:
    """``dst`` = columns first, first + 2, ... of x (k, w, C); when they run out (an odd
    width, odd columns) the last column of x again, as the padded rule says."""
    n = len(range(first, x.shape[1], 2))
    np.copyto(_pixel_view(dst[:, :n]), _pixel_view(x[:, first::2]))
    if n < dst.shape[1]:
        dst[:, n:] = x[:, -1:]


def _reduce_rows(e: np.ndarray, o: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
    """``out`` (k, ceil(w/2), C) = the 2x2 means of top rows ``e`` and bottom rows ``o``
    (k, w, C; ``o is e`` for an odd last row): ((p + q) + r) + s, then * 0.25, as
    :func:`reduce2` rules. Every add runs along whole rows (numpy's fast contiguous loops):
    the right column's r and s are added from rows shifted by one pixel, so each even
    column gets its own block's sum (the odd ones get sums nobody reads), and only the
    even columns are copied out."""
    s = tmp[: e.size].reshape(e.shape)
    np.add(e, o, out=s)  # p + q
    for x in (e, o):  # + r, then + s
        np.add(s[:, :-1], x[:, 1:], out=s[:, :-1])
        s[:, -1] += x[:, -1]  # the last column: its own r, s when the width is odd
    _cols(s, 0, out)
    out *= np.float32(0.25)


#: Source rows per band when building proxies (a multiple of 2**levels is used: every band
#: but the last reduces whole 2x2 blocks at every level, so bands give the same values as
#: the whole). 64 rows of a 7746 px RGB source are 6 MB: the level-1 rows are reduced again
#: while they are still in the cache.
PROXY_BAND_ROWS = 64
#: Proxy levels built together from one read of a source (deeper ones from the last: a band
#: must hold 2**levels rows).
ONE_PASS_LEVELS = 6
#: Images from this size are reduced on two threads (pieces of rows, same values).
PARALLEL_BYTES = 32 << 20


def reduce_levels(img: np.ndarray, levels: int, first: int = 1) -> list[np.ndarray]:
    """``[reduce2(img), reduce2(reduce2(img)), ...]`` (``levels`` of them, those from level
    ``first`` on returned: the finer ones only pass through a band buffer) in one read of
    ``img``, by bands of rows (on two threads for a big image), handing the pages of a
    memory-mapped image back as it goes: the same values as reducing the whole, without the
    whole image resident or any full-size temporary."""
    grey = img.ndim == 2
    x = img[:, :, None] if grey else img
    h, w, c = x.shape
    # Whole pixels must be contiguous float32 items for the column copies: else per band.
    packed = x.dtype == np.float32 and x.strides[2] == 4 and x.strides[1] == 4 * c
    shapes = []
    for _ in range(levels):
        h, w = (h + 1) // 2, (w + 1) // 2
        shapes.append((h, w, c))
    from editor.render.buffers import fresh

    unit = 2**levels
    band = max(unit, PROXY_BAND_ROWS // unit * unit)
    # faulted in at once, not by both threads in turn; a level not kept: None (a band buffer)
    outs: list[np.ndarray | None] = [fresh(s) if k >= first else None
                                     for k, s in enumerate(shapes, 1)]
    rows = x.shape[0]
    big = img.nbytes >= 64 * 1024**2
    threads = 2 if img.nbytes >= PARALLEL_BYTES and rows >= 4 * band else 1
    # Pieces of whole bands, taken in turn by the threads (one descheduled by another
    # process does not hold the other up); each starts on a band: whole blocks at every level.
    step = band * max(1, rows // (8 * band)) if threads > 1 else max(1, rows)
    pieces = iter([(y, min(y + step, rows)) for y in range(0, rows, step)])
    take = threading.Lock()

    def run() -> None:
        half = max(1, band // 2)
        tmp = np.empty(half * x.shape[1] * c, np.float32)  # the row sums, in cache
        # a level not kept: its rows of one band ((band + 1) // 2 at most)
        bufs = [np.empty(((band >> k) + 1,) + s[1:], np.float32) if o is None else None
                for k, (o, s) in enumerate(zip(outs, shapes))]
        while True:
            with take:
                piece = next(pieces, None)
            if piece is None:
                return
            reduce_piece(*piece, tmp, bufs)

    def reduce_piece(y0: int, y1: int, tmp: np.ndarray, bufs: list) -> None:
        from editor.io.mapped import drop_resident

        for b0 in range(y0, y1, band):
            cur, r0 = x[b0:min(b0 + band, y1)], b0
            if not packed:
                cur = np.ascontiguousarray(cur, np.float32)
            for out, buf in zip(outs, bufs):
                n = cur.shape[0]
                dst = (buf[: (n + 1) // 2] if out is None
                       else out[r0 // 2: r0 // 2 + (n + 1) // 2])
                _reduce_rows(cur[0:n - 1:2] if n > 1 else cur, cur[1::2] if n > 1 else cur,
                             dst[: n // 2] if n > 1 else dst, tmp)
                if n > 1 and n % 2:  # the last row of the image: paired with itself
                    last = cur[n - 1:]
                    _reduce_rows(last, last, dst[n // 2:], tmp)
                cur, r0 = dst, r0 // 2
            if big and (b0 - y0) % 256 == 0:  # a mapped source: hand its pages back
                drop_resident()

    if threads == 2:
        errors: list[BaseException] = []

        def second() -> None:
            try:
                run()
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller
                errors.append(exc)

        t = threading.Thread(target=second, name="proxy-reduce")
        t.start()
        try:
            run()
        finally:
            t.join()
        if errors:
            raise errors[0]
    else:
        run()
    kept = [o for o in outs if o is not None]
    return [o[:, :, 0] for o in kept] if grey else kept


def reduce2_banded(img: np.ndarray) -> np.ndarray:
    """:func:`reduce2` (kept for callers: it always works by bands now)."""
    return reduce2(img)


def proxy_level(source: Source, level: int) -> np.ndarray:
    """The source reduced ``2**level`` times (level 0 = the pixels), built on first use; when
    nothing is built yet, every level up to ``level`` comes from one read of the source."""
    if level == 0:
        return source.pixels
    from editor.io.mapped import prebuilt_level

    built = prebuilt_level(source.pixels, level)  # made while a big source was converted
    if built is not None:
        return built
    with source._lock:
        cached = source._pyramid.get(level)
        if cached is not None:
            return cached
        have = [k for k in source._pyramid if k < level]
    if not have and prebuilt_level(source.pixels, 1) is None:
        # Level 1 (a quarter of the source: 120 MB at 40 MP) is kept only when asked for; a
        # deeper level only passes through it (a 1/2 view builds it when it needs it).
        first = 1 if level == 1 else 2
        made = reduce_levels(source.pixels, min(level, ONE_PASS_LEVELS), first)
        if level > ONE_PASS_LEVELS:  # the rest from the last of them (they are small)
            for _ in range(level - ONE_PASS_LEVELS):
                made.append(reduce2(made[-1]))
        _note_finite(source, made[-1])
        with source._lock:
            for k, arr in enumerate(made, first):
                arr.flags.writeable = False
                source._pyramid.setdefault(k, arr)
            return source._pyramid[level]
    below = proxy_level(source, level - 1)
    reduced = reduce2(below)
    reduced.flags.writeable = False
    with source._lock:
        return source._pyramid.setdefault(level, reduced)


#: Sources known to hold only finite values (see :func:`known_finite`).
_FINITE: "weakref.WeakKeyDictionary[Source, bool]" = weakref.WeakKeyDictionary()
_FINITE_LOCK = threading.Lock()


def _note_finite(source: Source, level: np.ndarray) -> None:
    """Remember whether a proxy ``level`` of ``source`` (its smallest, just built) is all
    finite: a NaN or infinity of the source reaches every level (a sum keeps it), so a
    finite level proves the whole source finite."""
    finite = bool(np.isfinite(level).all())
    with _FINITE_LOCK:
        _FINITE[source] = finite


def known_finite(source: Source) -> bool:
    """True when ``source`` is known to hold no NaN or infinity (from a proxy level built for
    a measuring render or a preview, or made while a big source was converted); False when
    it holds some or nobody knows yet. Lets a full-resolution tile skip its NaN pass."""
    with _FINITE_LOCK:
        got = _FINITE.get(source)
    if got is not None:
        return got
    from editor.io.mapped import prebuilt_level

    for level in (6, 5, 4, 3, 2, 1):
        built = prebuilt_level(source.pixels, level)
        if built is not None:
            _note_finite(source, built)
            return known_finite(source)
    return False


def choose_level(scale: float, size: tuple[int, int]) -> int:
    """The coarsest proxy level with at least one proxy pixel per output pixel."""
    if scale >= 0.5:
        return 0
    level = int(math.floor(math.log2(1.0 / scale) + 1e-9))
    while level > 0 and (size[0] >> level) < 2 and (size[1] >> level) < 2:
        level -= 1
    return max(level, 0)


def _axis_weights(n_src: float, n_level: int, pixel: float, offset: float, scale: float,
                  lo: int, hi: int, n_canvas: float | None
                  ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Sparse (hi-lo, n_level) area weights and the covered fraction of each output pixel.

    Output pixel ``i`` covers source interval [(i/scale - offset), ((i+1)/scale - offset)) in
    full-resolution pixels, clipped to the canvas (the last pixel of a scaled canvas may
    reach past its edge: only the part on the canvas counts); proxy units divide by ``pixel``.
    """
    i = np.arange(lo, hi, dtype=np.float64)
    a = i / scale - offset
    b = (i + 1) / scale - offset
    if n_canvas is not None:
        a = np.maximum(a, -offset)
        b = np.minimum(b, n_canvas - offset)
    a_c = np.clip(a, 0.0, n_src) / pixel
    b_c = np.clip(b, 0.0, n_src) / pixel
    coverage = (b_c - a_c) * pixel / np.maximum(b - a, 1e-12)
    taps = int(math.ceil(1.0 / (scale * pixel))) + 2
    rows, cols, vals = [], [], []
    j0 = np.floor(a_c).astype(np.int64)
    for t in range(taps):
        j = j0 + t
        ov = np.minimum(j + 1, b_c) - np.maximum(j, a_c)
        ok = (ov > 1e-12) & (j < n_level)
        rows.append(np.nonzero(ok)[0])
        cols.append(j[ok])
        vals.append(ov[ok])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    norm = np.zeros(hi - lo)
    np.add.at(norm, r, v)
    v = v / norm[r]
    m = sparse.csr_matrix((v.astype(np.float32), (r, c)), shape=(hi - lo, n_level))
    return m, coverage.astype(np.float32)


def place_source(source: Source, scale: float, window: Window,
                 offset: tuple[float, float] = (0.0, 0.0),
                 canvas: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The source placed at canvas ``offset`` (y, x), sampled on ``window`` of the scaled canvas.

    ``canvas`` is the full-resolution (H, W) of the canvas (None: unbounded). Returns (pixels,
    coverage) where coverage is the (h, w) fraction of each output pixel the source covers,
    or None when it covers the whole window.
    """
    oy, ox = float(offset[0]), float(offset[1])
    h, w = source.height, source.width
    if scale == 1.0 and oy == int(oy) and ox == int(ox):
        return _place_exact(source.pixels, window, int(oy), int(ox))
    level = choose_level(scale, (h, w))
    img = proxy_level(source, level)
    pixel = float(2**level)
    ch, cw = (None, None) if canvas is None else canvas
    wy, cy = _axis_weights(h, img.shape[0], pixel, oy, scale, window.y0, window.y1, ch)
    wx, cx = _axis_weights(w, img.shape[1], pixel, ox, scale, window.x0, window.x1, cw)
    ny, nx = window.shape
    chans = 1 if img.ndim == 2 else img.shape[2]
    # Only the rows and columns the window reads (a tile of a wide canvas would otherwise
    # resample a band of the whole width); the same weights in the same order: same values.
    (r0, r1), (c0, c1) = _used(wy), _used(wx)
    img = np.ascontiguousarray(img[r0:r1, c0:c1])
    wy = sparse.csr_matrix((wy.data, wy.indices - r0, wy.indptr), shape=(wy.shape[0], r1 - r0))
    wx = sparse.csr_matrix((wx.data, wx.indices - c0, wx.indptr), shape=(wx.shape[0], c1 - c0))
    tmp = wy @ img.reshape(img.shape[0], -1)  # (ny, W*C)
    tmp = np.asarray(tmp, dtype=np.float32).reshape(ny, img.shape[1], chans)
    tmp = np.ascontiguousarray(tmp.transpose(1, 0, 2)).reshape(img.shape[1], ny * chans)
    out = np.asarray(wx @ tmp, dtype=np.float32).reshape(nx, ny, chans).transpose(1, 0, 2)
    out = np.ascontiguousarray(out if chans > 1 else out[:, :, 0])
    cov = cy[:, None] * cx[None, :]
    if np.all(cov >= 1.0 - 1e-6):
        return out, None
    return out, cov


def _used(m: sparse.csr_matrix) -> tuple[int, int]:
    """The range of columns ``m`` has weights in ((0, 1) when it has none)."""
    if m.indices.size == 0:
        return 0, min(1, m.shape[1])
    return int(m.indices.min()), int(m.indices.max()) + 1


def _place_exact(pixels: np.ndarray, window: Window, oy: int, ox: int
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    h, w = pixels.shape[:2]
    ny, nx = window.shape
    shape = (ny, nx) + pixels.shape[2:]
    sy0, sy1 = max(window.y0 - oy, 0), min(window.y1 - oy, h)
    sx0, sx1 = max(window.x0 - ox, 0), min(window.x1 - ox, w)
    if sy0 == window.y0 - oy and sx0 == window.x0 - ox and sy1 - sy0 == ny and sx1 - sx0 == nx:
        return pixels[sy0:sy1, sx0:sx1], None
    out = np.zeros(shape, dtype=np.float32)
    cov = np.zeros((ny, nx), dtype=np.float32)
    if sy1 > sy0 and sx1 > sx0:
        dy, dx = sy0 + oy - window.y0, sx0 + ox - window.x0
        out[dy:dy + sy1 - sy0, dx:dx + sx1 - sx0] = pixels[sy0:sy1, sx0:sx1]
        cov[dy:dy + sy1 - sy0, dx:dx + sx1 - sx0] = 1.0
    return out, cov
