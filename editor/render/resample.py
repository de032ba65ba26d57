"""Placing a source on the (possibly scaled) canvas: proxy pyramid + exact area averaging.

A render at scale ``s`` works on a canvas of ``round(H*s) x round(W*s)`` pixels; canvas pixel
``i`` covers full-resolution rows ``[i/s, (i+1)/s)``. A source is sampled by averaging the
area it covers there (a box filter, what a telescope pixel does), computed with sparse
matrices from the coarsest proxy level that still has at least one pixel per output pixel.
Proxies (x2, x4, x8... area reductions) are built lazily and kept with the source.

Output pixels are computed the same way whatever window is asked for, so a region render
is bit-identical to the crop of a whole-canvas render.
"""

from __future__ import annotations

import math
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
    """Half-size area average; an odd last row/column is averaged with a copy of itself
    (computed in place of the copy: padding a 100 MP source cost a full copy of it)."""
    h, w = img.shape[:2]
    hh, hw = h // 2, w // 2
    out = np.empty(((h + 1) // 2, (w + 1) // 2) + img.shape[2:], np.float32)
    ev, od = slice(0, 2 * hh, 2), slice(1, 2 * hh, 2)
    ec, oc = slice(0, 2 * hw, 2), slice(1, 2 * hw, 2)
    _quad(out[:hh, :hw], img[ev, ec], img[od, ec], img[ev, oc], img[od, oc])
    if w % 2:
        col = img[:, w - 1:w]
        _quad(out[:hh, hw:], col[ev], col[od], col[ev], col[od])
    if h % 2:
        row = img[h - 1:h]
        _quad(out[hh:, :hw], row[:, ec], row[:, ec], row[:, oc], row[:, oc])
        if w % 2:
            c = img[h - 1:h, w - 1:w]
            _quad(out[hh:, hw:], c, c, c, c)
    return out


def _quad(dst: np.ndarray, p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> None:
    """dst = (p + q + r + s) / 4 in float32, summed in that order."""
    np.add(p, q, out=dst)
    dst += r
    dst += s
    dst *= np.float32(0.25)


#: Rows of a source reduced at once when building the first proxy (even: bands reduce exactly
#: as the whole; 256 rows of a 12000 px RGB source are 37 MB).
PROXY_BAND_ROWS = 256


def reduce2_banded(img: np.ndarray) -> np.ndarray:
    """:func:`reduce2` of a big (possibly memory-mapped) image by bands of rows, handing the
    mapped pages back after each band: the same values, without the whole source resident
    (nor reduce2's half-size temporaries of all of it) at once."""
    h = img.shape[0]
    if h <= 2 * PROXY_BAND_ROWS or img.nbytes < 64 * 1024**2:
        return reduce2(img)
    from editor.io.mapped import drop_resident

    out = np.empty(((h + 1) // 2,) + ((img.shape[1] + 1) // 2,) + img.shape[2:], np.float32)
    for y0 in range(0, h, PROXY_BAND_ROWS):
        band = img[y0:y0 + PROXY_BAND_ROWS]
        out[y0 // 2:y0 // 2 + (band.shape[0] + 1) // 2] = reduce2(band)
        drop_resident()
    return out


def proxy_level(source: Source, level: int) -> np.ndarray:
    """The source reduced ``2**level`` times (level 0 = the pixels), built on first use."""
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
        below = source.pixels if level == 1 else None
    if below is None:
        below = proxy_level(source, level - 1)
    reduced = reduce2_banded(below) if level == 1 else reduce2(below)
    reduced.flags.writeable = False
    with source._lock:
        return source._pyramid.setdefault(level, reduced)


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
