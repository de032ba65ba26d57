"""Gaussian blur for any radius, fast at huge radii, NaN-aware.

Small radii use the exact separable filter: scipy.ndimage below 2.5 px, banded matrix
products (BLAS) from 2.5 to 9 px, the usual sharpening range. From 9 px the image is shrunk
by an integer factor ``f`` (triangle-weighted average), blurred with the remaining sigma on
the small grid and enlarged back (cubic B-spline up to 12 px, linear interpolation above):
the cost no longer grows with the radius, so a 1000 px blur of a 40 MP image takes a
fraction of a second.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from filters._common import CHUNK, WORKERS, as_image, has_nan, report, run_parallel
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: Sigma of the small-grid blur, in small pixels, at least this: sets the accuracy.
RATIO = 6.0
#: Between 2 * CUBIC_RATIO and 2 * RATIO the grid is enlarged by cubic B-splines instead,
#: which stay within ERROR_BOUND with a small-grid sigma of only this many samples.
CUBIC_RATIO = 2.5
#: Largest absolute error vs the exact Gaussian, as a fraction of the data range (max - min),
#: checked by the tests (measured worst cases: 6e-4 at a sharp step, 7.5e-4 on full-range
#: pixel noise at 8 px).
ERROR_BOUND = 1e-3


def _tent(f: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Integer offsets (from ``i * f``) and weights of the triangle of half-width ``f`` centred
    on the block centre ``i * f + (f - 1) / 2``, and its variance."""
    c = (f - 1) / 2.0
    offs = np.arange(math.floor(c - f) + 1, math.ceil(c + f))
    w = f - np.abs(offs - c)
    keep = w > 0
    offs, w = offs[keep], w[keep] / w[keep].sum()
    var = float((w * (offs - c) ** 2).sum())
    return offs, w.astype(np.float32), var


def _reduce_rows(a: np.ndarray, f: int, pad: int) -> np.ndarray:
    """Samples every ``f`` rows (at block centres) of the triangle-weighted average of ``2f``
    rows, edge rows repeated beyond the image ('nearest'), ``pad`` extra samples each side.

    A triangle (two boxes) rather than one box: the box lets pixel noise alias into the
    result at about 1/RATIO of its amplitude, the triangle at about its square.
    """
    h = a.shape[0]
    n = -(-h // f) + 2 * pad
    offs, w, _ = _tent(f)

    def accumulate(taps: list[tuple[int, float]]) -> np.ndarray:
        acc = np.zeros((n,) + a.shape[1:], np.float32)
        tmp = np.empty_like(acc)
        for o, wt in taps:
            s_lo = max(0, -(-(pad * f - o) // f))  # first sample whose row is >= 0
            s_hi = min(n - 1, (h - 1 - o + pad * f) // f)  # last sample whose row is < h
            if s_hi >= s_lo:
                r0 = (s_lo - pad) * f + o
                t = tmp[s_lo : s_hi + 1]
                np.multiply(a[r0 : r0 + (s_hi - s_lo) * f + 1 : f], np.float32(wt), out=t)
                acc[s_lo : s_hi + 1] += t
            if s_lo > 0:
                acc[:s_lo] += np.float32(wt) * a[0]
            if s_hi < n - 1:
                acc[s_hi + 1 :] += np.float32(wt) * a[h - 1]
        return acc

    taps = list(zip(offs.tolist(), w.tolist()))
    parts = run_parallel([lambda g=taps[i::WORKERS]: accumulate(g) for i in range(WORKERS)])
    out = parts[0]
    for p in parts[1:]:
        out += p
    return out


def _bspline_weights(t: float) -> tuple[float, ...]:
    """Cubic B-spline weights of the 4 coefficients around phase ``t`` in [0, 1)."""
    return ((1 - t) ** 3 / 6, (3 * t**3 - 6 * t**2 + 4) / 6,
            (-3 * t**3 + 3 * t**2 + 3 * t + 1) / 6, t**3 / 6)


def _upsample(
    s: np.ndarray, f: int, pad: int, h: int, base: np.ndarray | None = None,
    cubic: bool = False,
) -> np.ndarray:
    """Enlarge samples (block centres, ``pad`` extra each side) to ``h`` rows.

    Linear interpolation, or cubic B-spline (4 taps) from prefiltered coefficients. With
    ``base`` (an (h, ...) image) return ``base - blur + 0.5`` (a high pass) in the same pass,
    so the large result is written once. Works on bands of rows so that temporaries stay in
    cache, spread over the threads.
    """
    out = np.empty((h,) + s.shape[1:], np.float32)
    phases = []
    for k in range(f):
        d = (k - (f - 1) / 2.0) / f  # offset of row k of a block from the block centre
        lo = math.floor(d)
        t = d - lo
        if cubic:
            phases.append((pad + lo - 1, [np.float32(v) for v in _bspline_weights(t)]))
        else:
            phases.append((pad + lo, [np.float32(1 - t), np.float32(t)]))
    nb = -(-h // f)
    row_len = int(np.prod(s.shape[1:]))
    step = max(1, CHUNK // (4 * row_len))
    blocks = [(j0, min(nb, j0 + step)) for j0 in range(0, nb, step)]

    def work(group: list[tuple[int, int]]) -> None:
        for j0, j1 in group:
            for k, (start, weights) in enumerate(phases):
                n = len(range(j0 * f + k, min(h, j1 * f), f))
                if n == 0:
                    continue
                dst = out[j0 * f + k : j0 * f + k + (n - 1) * f + 1 : f]
                j = start + j0
                np.multiply(s[j : j + n], weights[0], out=dst)
                for tap in range(1, len(weights)):
                    dst += weights[tap] * s[j + tap : j + tap + n]
                if base is not None:
                    np.subtract(base[j0 * f + k : j0 * f + k + (n - 1) * f + 1 : f], dst,
                                out=dst)
                    dst += np.float32(0.5)

    run_parallel([lambda g=blocks[i::WORKERS]: work(g) for i in range(WORKERS)])
    return out


class Grid:
    """The small grid of a decimated blur: lets a caller finish smooth work there (cheap)
    and enlarge only the final result, e.g. the contrast masks."""

    def __init__(self, shape: tuple[int, ...], f: int, pad: int, cubic: bool = False) -> None:
        self.shape, self.f, self.pad, self.cubic = shape, f, pad, cubic
        self.size = (-(-shape[0] // f), -(-shape[1] // f))  # samples inside the image

    def clamp_edges(self, small: np.ndarray) -> np.ndarray:
        """Copy of padded samples whose samples outside the image repeat the image's edge
        values ('nearest'), as a full-resolution filter would see them."""
        out = small.copy()
        for axis in (0, 1):
            o = np.moveaxis(out, axis, 0)
            n, f, pad = self.shape[axis], self.f, self.pad
            pos = (np.arange(o.shape[0]) - pad) * f + (f - 1) / 2.0  # sample centres
            for edge, outside in ((0, pos < 0), (n - 1, pos > n - 1)):
                u = pad + (edge - (f - 1) / 2.0) / f
                i = int(np.floor(u))
                t = np.float32(u - i)
                o[outside] = o[i] + t * (o[i + 1] - o[i])
        return out

    def expand(self, small: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Linear interpolation of padded samples to full size (``base - it + 0.5`` with base)."""
        f, pad = self.f, self.pad
        (nby, nbx), (h, w) = self.size, self.shape[:2]
        if self.cubic:
            # B-spline coefficients: the padding (>= 6 edge samples) absorbs the prefilter's
            # edge transient (it decays as 0.27^n).
            small = ndimage.spline_filter(small, 3, mode="mirror", output=np.float32) \
                if small.ndim == 2 else np.stack(
                    [ndimage.spline_filter(small[..., ch], 3, mode="mirror", output=np.float32)
                     for ch in range(small.shape[2])], axis=-1)
            small = small[pad - 2 : pad + nby + 2, pad - 2 : pad + nbx + 2]
            wide = _upsample(np.ascontiguousarray(np.swapaxes(small, 0, 1)), f, 2, w, cubic=True)
            return _upsample(np.ascontiguousarray(np.swapaxes(wide, 0, 1)), f, 2, h, base, True)
        small = small[pad - 1 : pad + nby + 1, pad - 1 : pad + nbx + 1]
        wide = _upsample(np.ascontiguousarray(np.swapaxes(small, 0, 1)), f, 1, w)
        return _upsample(np.ascontiguousarray(np.swapaxes(wide, 0, 1)), f, 1, h, base)


def decimation_factor(sigma: float, shape: tuple[int, ...]) -> int:
    """The shrink factor used for ``sigma`` (1 = exact full-resolution blur)."""
    f = int(sigma // RATIO)
    return f if f >= 2 and min(shape[:2]) >= 2 else 1


def _grid_blur(
    x: np.ndarray, sigma: float, f: int, cubic: bool = False
) -> tuple[np.ndarray, Grid]:
    """Blurred samples (with ``pad`` edge samples each side) of NaN-free ``x`` on its grid."""
    # The triangle prefilter blurs by its variance, and linear interpolation by f^2/6 on
    # average (0 on the samples, f^2/4 midway; cubic B-spline interpolation of prefiltered
    # samples adds almost nothing); the small blur supplies the rest.
    interp = 0.0 if cubic else f * f / 6.0
    sig_small = math.sqrt(max(sigma * sigma - _tent(f)[2] - interp, 0.0)) / f
    pad = int(math.ceil(4.0 * sig_small)) + (8 if cubic else 2)
    small = _reduce_rows(x, f, pad)
    small = np.swapaxes(_reduce_rows(np.swapaxes(small, 0, 1), f, pad), 0, 1)
    sig = (sig_small, sig_small) + (0.0,) * (x.ndim - 2)
    return ndimage.gaussian_filter(small, sig, mode="nearest"), Grid(x.shape, f, pad, cubic)


def blur_on_grid(img: np.ndarray, sigma: float) -> tuple[np.ndarray, Grid] | None:
    """NaN-aware Gaussian blur left on the small grid, or None when ``sigma`` is too small
    to shrink the image. Samples far from any valid pixel are NaN."""
    f = decimation_factor(sigma, img.shape)
    if f == 1:
        return None
    if not has_nan(img):
        return _grid_blur(img, sigma, f)
    valid = np.isfinite(img)
    num, grid = _grid_blur(np.where(valid, img, np.float32(0)), sigma, f)
    den, _ = _grid_blur(valid.astype(np.float32), sigma, f)
    with np.errstate(invalid="ignore", divide="ignore"):
        small = np.where(den > 1e-6, num / den, np.float32(np.nan)).astype(np.float32)
    return small, grid


def _blur_decimated(
    x: np.ndarray, sigma: float, f: int, base: np.ndarray | None = None, cubic: bool = False
) -> np.ndarray:
    """Blur of ``x`` ((H, W) or (H, W, C), all channels at once) through the small grid."""
    small, grid = _grid_blur(x, sigma, f, cubic)
    return grid.expand(small, base)


def _blur_exact(x: np.ndarray, sigma: float) -> np.ndarray:
    """scipy's exact Gaussian, in row bands (with a halo of the kernel radius) on all cores."""
    h = x.shape[0]
    halo = int(4.0 * sigma + 0.5) + 1  # scipy's kernel radius at truncate=4, plus one
    out = np.empty(x.shape, np.float32)
    n_bands = WORKERS if h >= 4 * halo * WORKERS else 1
    edges = np.linspace(0, h, n_bands + 1).astype(int)
    chans = [None] if x.ndim == 2 else list(range(x.shape[2]))

    def band(r0: int, r1: int, c: int | None) -> None:
        a0, a1 = max(0, r0 - halo), min(h, r1 + halo)
        # one contiguous plane: scipy is several times slower on interleaved channels
        src = np.ascontiguousarray(x[a0:a1] if c is None else x[a0:a1, :, c])
        y = ndimage.gaussian_filter(src, sigma, mode="nearest", truncate=4.0)
        dst = out[r0:r1] if c is None else out[r0:r1, :, c]
        dst[...] = y[r0 - a0 : r0 - a0 + (r1 - r0)]

    run_parallel([lambda r0=r0, r1=r1, c=c: band(r0, r1, c)
                  for c in chans for r0, r1 in zip(edges[:-1], edges[1:])])
    return out


#: From this sigma up to BANDED_TO the exact blur runs as banded matrix products (faster there
#: than both scipy's tap-by-tap filter and the cubic decimated blur; measured on 40 MP RGB).
BANDED_FROM, BANDED_TO = 2.5, 9.0
#: Outputs per matrix product along a row: BLAS multiplies (BAND + 2 r) taps per output, so
#: small bands waste little; 32 measured fastest (5-8x scipy's gaussian_filter1d at r 3-8).
BAND = 32
#: Rows a worker blurs at a time: the column product reads BAND_ROWS + 2 r source rows once
#: for them; the intermediate (BAND_ROWS rows) stays in the worker's cache.
BAND_ROWS = 64
#: Output columns per chunk of the row products: BAND_ROWS x COLS x channels floats (about
#: 400 KB for RGB) stay in cache from the copy out of the interleaved rows to the store.
COLS = 512


def gaussian_kernel(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """scipy.ndimage's sampled Gaussian weights (radius ``int(truncate * sigma + 0.5)``)."""
    radius = int(truncate * sigma + 0.5)
    k = np.exp(-0.5 / (sigma * sigma) * np.arange(-radius, radius + 1, dtype=np.float64) ** 2)
    return k / k.sum()


def _band_matrix(kernel: np.ndarray, j0: int, j1: int, n: int) -> tuple[np.ndarray, int, int]:
    """Matrix taking source samples ``s0:s1`` to outputs ``j0:j1`` of the 1-D convolution of an
    axis of length ``n``, samples beyond the ends repeating the edge ('nearest')."""
    r = len(kernel) // 2
    s0, s1 = max(0, j0 - r), min(n, j1 + r)
    rows = np.repeat(np.arange(j1 - j0), len(kernel))
    cols = np.clip(np.add.outer(np.arange(j0, j1), np.arange(-r, r + 1)), 0, n - 1) - s0
    m = np.zeros((j1 - j0, s1 - s0), np.float64)
    np.add.at(m, (rows, cols.reshape(-1)), np.tile(kernel, j1 - j0))
    return m.astype(np.float32), s0, s1


def _axis_blocks(kernel: np.ndarray, n: int, block: int
                 ) -> list[tuple[int, int, int, int, np.ndarray]]:
    """(j0, j1, s0, s1, matrix (j1-j0, s1-s0)) for each block of outputs along an axis of
    length ``n``; the blocks away from the ends share one matrix."""
    r = len(kernel) // 2
    made: dict[tuple[int, int, int], np.ndarray] = {}
    out = []
    for j0 in range(0, n, block):
        j1 = min(n, j0 + block)
        s0, s1 = max(0, j0 - r), min(n, j1 + r)
        key = (j0 - s0, s1 - j1, j1 - j0)  # equal keys, equal matrices (see _band_matrix)
        if key not in made:
            made[key] = _band_matrix(kernel, j0, j1, n)[0]
        out.append((j0, j1, s0, s1, made[key]))
    return out


def _one_blas_thread():  # type: ignore[no-untyped-def]
    """A context limiting BLAS to one thread while our workers each run their products
    (OpenBLAS's own threads inside our pool only add contention), or a no-op when already
    inside a worker (the caller set the limit) or threadpoolctl is missing."""
    import contextlib
    import threading

    if WORKERS == 1 or threading.current_thread().name.startswith("filters"):
        return contextlib.nullcontext()
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - a missing or odd BLAS only costs speed
        return contextlib.nullcontext()


_CONTROLLER = None


def _blur_banded(x: np.ndarray, sigma: float, base: np.ndarray | None = None) -> np.ndarray:
    """The exact sampled Gaussian (scipy's weights, truncated at 4 sigma, edges 'nearest') as
    banded matrix products: BLAS multiplies with SIMD, several times faster than a tap-by-tap
    convolution at radii of a few pixels. With ``base``: ``base - blur + 0.5``.

    Each worker takes bands of BAND_ROWS rows: one product down the columns of the interleaved
    rows (channels ride along), then per channel a copy into a contiguous plane and products
    along the rows, BAND outputs at a time; the result (with the high pass, if asked) is
    written once into the output. Buffers are the worker's own and reused, so the image is
    read about (BAND_ROWS + 2 r) / BAND_ROWS times and written once."""
    kernel = gaussian_kernel(sigma)
    h, w = x.shape[:2]
    c = 1 if x.ndim == 2 else x.shape[2]
    src = np.ascontiguousarray(x).reshape(h, w * c)
    out = np.empty((h, w, c), np.float32)
    based = None if base is None else np.asarray(base, np.float32).reshape(h, w, c)
    down = _axis_blocks(kernel, h, BAND_ROWS)
    along = [(j0, j1, s0, s1, np.ascontiguousarray(m.T)) for j0, j1, s0, s1, m in
             _axis_blocks(kernel, w, BAND)]
    half = np.float32(0.5)

    r = len(kernel) // 2
    # Blocks along the rows grouped into column chunks whose interleaved band (all channels)
    # stays in the worker's L2 cache between the per-channel copies and stores.
    per = max(1, COLS // BAND)
    chunks = [along[i:i + per] for i in range(0, len(along), per)]

    def work(blocks: list[tuple[int, int, int, int, np.ndarray]]) -> None:
        rows = min(BAND_ROWS, h)
        tmp = np.empty((rows, w * c), np.float32)
        width = min(w, COLS + 2 * r + BAND)
        plane = np.empty((rows, width), np.float32)
        res = np.empty((rows, width), np.float32)
        for y0, y1, s0, s1, m in blocks:
            n = y1 - y0
            t = tmp[:n]
            np.matmul(m, src[s0:s1], out=t)
            t3 = t.reshape(n, w, c)
            for chunk in chunks:
                cj0, cj1 = chunk[0][0], chunk[-1][1]
                cs0, cs1 = chunk[0][2], chunk[-1][3]
                rc = res[:n, :cj1 - cj0]
                for ch in range(c):
                    p = plane[:n, :cs1 - cs0]
                    np.copyto(p, t3[:, cs0:cs1, ch])
                    for j0, j1, a0, a1, mh in chunk:
                        np.matmul(p[:, a0 - cs0:a1 - cs0], mh, out=rc[:, j0 - cj0:j1 - cj0])
                    if based is not None:
                        np.subtract(based[y0:y1, cj0:cj1, ch], rc, out=rc)
                        rc += half
                    out[y0:y1, cj0:cj1, ch] = rc

    groups = [down[i::WORKERS] for i in range(WORKERS)]
    with _one_blas_thread():
        run_parallel([lambda g=g: work(g) for g in groups if g])
    return out.reshape(x.shape)


def _blur(x: np.ndarray, sigma: float, base: np.ndarray | None = None) -> np.ndarray:
    """Blur of NaN-free ``x``; with ``base``, ``base - blur + 0.5``."""
    f = decimation_factor(sigma, x.shape)
    if f > 1:
        return _blur_decimated(x, sigma, f, base)
    fc = int(sigma // CUBIC_RATIO)
    if fc >= 2 and min(x.shape[:2]) >= 8 and not BANDED_FROM <= sigma < BANDED_TO:
        return _blur_decimated(x, sigma, fc, base, cubic=True)
    if sigma >= BANDED_FROM:
        return _blur_banded(x, sigma, base)
    out = _blur_exact(x, sigma)
    if base is not None:
        np.subtract(base, out, out=out)
        out += np.float32(0.5)
    return out


def blur_or_highpass(img: np.ndarray, sigma: float, highpass: bool = False) -> np.ndarray:
    """Shared core of :func:`gaussian_blur` and :func:`filters.highpass` (NaN-aware)."""
    base = img if highpass else None
    if not has_nan(img):
        return _blur(img, sigma, base)
    # Normalised convolution: missing pixels neither contribute nor darken their neighbours.
    valid = np.isfinite(img)
    num = _blur(np.where(valid, img, np.float32(0)), sigma)
    if img.ndim == 3 and all(np.array_equal(valid[..., 0], valid[..., c])
                             for c in range(1, img.shape[2])):
        # The usual case (empty mosaic borders, registration edges): every channel misses
        # the same pixels, so one channel's weights serve all of them.
        den = _blur(valid[..., 0].astype(np.float32), sigma)[..., None]
    else:
        den = _blur(valid.astype(np.float32), sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.divide(num, den, out=num)
    out[(den < 1e-6) | ~valid] = np.nan
    if highpass:
        np.subtract(img, out, out=out)
        out += np.float32(0.5)
    return out


def gaussian_blur(
    img: np.ndarray, sigma: float, *, progress: ProgressCallback | None = None
) -> np.ndarray:
    """Blur the image with a Gaussian of standard deviation ``sigma`` pixels (any size).

    Like Photoshop's Gaussian Blur "radius" and PixInsight's Convolution "StdDev": ``sigma`` is
    the standard deviation of the Gaussian, in pixels of this image. There is no upper limit;
    large radii are as fast as small ones. Pixels beyond the border are taken equal to the
    nearest edge pixel (scipy's ``mode='nearest'``, Photoshop's edge behaviour), so edges do
    not darken. Missing pixels (NaN) are ignored: the blur is the weighted average of the
    valid neighbours, and NaN pixels stay NaN.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    sigma : float
        Standard deviation in pixels; 0 returns a copy.
    progress : callable, optional
        Receives the fraction done.

    Returns
    -------
    ndarray, float32, same shape as ``img``.

    Notes
    -----
    ``out = (G_sigma * (x m)) / (G_sigma * m)`` where ``m`` is 1 on valid pixels, 0 on NaN
    (just ``G_sigma * x`` without NaN). For ``sigma < 9`` px this is the exact sampled
    Gaussian truncated at 4 sigma (float32 rounding only). Above, the image is averaged over
    ``2 f`` pixels with triangle weights and sampled every ``f`` pixels, blurred by the
    remaining sigma and enlarged again: by linear interpolation with ``f = floor(sigma /
    RATIO)`` from 12 px, by cubic B-splines with ``f = floor(sigma / CUBIC_RATIO)`` from 9 to
    12 px; the largest difference from the exact Gaussian is below
    ``ERROR_BOUND`` (1e-3) of the data range (max - min), worst at sharp steps, and far smaller
    on smooth sky.

    Examples
    --------
    >>> import numpy as np, filters
    >>> float(filters.gaussian_blur(np.ones((64, 64), np.float32), 300.0).max())
    1.0
    """
    img = as_image(img)
    sigma = float(sigma)
    if not sigma >= 0:
        raise ValueError("sigma: " + M_("must be >= 0, got {value}", value=sigma))
    report(progress, 0.0)
    if sigma == 0:
        return img.copy()
    out = blur_or_highpass(img, sigma)
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="gaussian_blur",
        name="Gaussian Blur",
        func=gaussian_blur,
        params=(
            Param("sigma", "float", 2.0, label="Radius", min=0.0, max=20000.0, step=0.1,
                  unit="px", spatial=True, log_scale=True,
                  doc="Standard deviation of the Gaussian, in pixels."),
        ),
        doc="Soften the image with a Gaussian of the given radius (standard deviation).",
    )
)


# ----------------------------------------------------------------------------- coarse fields
#: A large-radius filter takes its smooth part from a reduced copy of the whole image when
#: its radius there is at least this many pixels: a Gaussian of 16 px is smooth enough at
#: that spacing that bilinear interpolation adds < 1e-4 of the data range.
COARSE_MIN_SIGMA = 16.0


def uses_coarse_field(sigma_at_measuring_scale: float) -> bool:
    """Whether a filter of this sigma (px of the reduced copy) works from a coarse field."""
    return float(sigma_at_measuring_scale) >= COARSE_MIN_SIGMA


def coarse_positions(n: int, start: float, stop: float, extent: float | None,
                     n_coarse: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (or columns) of the coarse field under the ``n`` pixels of an image that spans
    fractions ``start..stop`` of the whole: (index of the sample before, weight of the one
    after). ``extent``: the whole image's length in pixels of this image (derived from the
    fractions when None). Pixel ``y`` of the whole (centre ``(y + 0.5) / extent``) lies at
    ``(y + 0.5) / extent * n_coarse - 0.5`` coarse samples; computed from the integer
    position, so every tile of one image gets the same weights for the same pixel."""
    if extent is None:
        extent = n / max(stop - start, 1e-12)
    first = int(round(start * extent))
    u = (np.arange(first, first + n, dtype=np.float64) + 0.5) * (n_coarse / extent) - 0.5
    u = np.clip(u, 0.0, n_coarse - 1.0)
    i0 = np.minimum(np.floor(u).astype(np.intp), max(n_coarse - 2, 0))
    return i0, (u - i0).astype(np.float32)


def expand_coarse(coarse: np.ndarray, shape: tuple[int, int], frame: tuple | None = None,
                  extent: tuple[float, float] | None = None) -> np.ndarray:
    """Bilinear enlargement of a coarse field covering the whole image onto the part of it
    ``frame`` = (top, bottom, left, right) (fractions; None: the whole) of ``shape`` pixels.

    Used by filters whose smooth part (a blur of hundreds of pixels) is computed once on a
    reduced copy of the whole image: each region or tile then needs no border at all."""
    top, bottom, left, right = frame if frame is not None else (0.0, 1.0, 0.0, 1.0)
    ey, ex = extent if extent is not None else (None, None)
    c = np.asarray(coarse, np.float32)
    if c.shape[0] == 1 and shape[0] != 1:
        c = np.concatenate([c, c], axis=0)
    if c.shape[1] == 1 and shape[1] != 1:
        c = np.concatenate([c, c], axis=1)
    if _same_grid(shape[0], top, bottom, ey, c.shape[0]) and \
            _same_grid(shape[1], left, right, ex, c.shape[1]):
        return c.copy()  # measured on this very image: the field itself, exactly
    iy, ty = coarse_positions(shape[0], top, bottom, ey, c.shape[0])
    ix, tx = coarse_positions(shape[1], left, right, ex, c.shape[1])
    tail = (slice(None), None) + (None,) * (c.ndim - 2)
    rows = c[iy] * (1 - ty)[tail] + c[iy + 1] * ty[tail]
    tail_x = (None, slice(None)) + (None,) * (c.ndim - 2)
    out = rows[:, ix] * (1 - tx)[tail_x]
    out += rows[:, ix + 1] * tx[tail_x]
    return out.astype(np.float32, copy=False)


def _same_grid(n: int, start: float, stop: float, extent: float | None, n_coarse: int) -> bool:
    whole = extent if extent is not None else n / max(stop - start, 1e-12)
    return n == n_coarse and start == 0.0 and abs(whole - n) < 1e-6
