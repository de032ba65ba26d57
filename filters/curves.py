"""Curves: a smooth tone curve through user points (Photoshop/PixInsight Curves)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from filters._common import CHANNEL_CHOICES, apply_to_channel, map_elementwise, report, scratch
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: Steps of the curve's table over 0..1 (2**20): a pixel takes the entry nearest to it (a tie:
#: the even one), so the result differs from the exact spline by at most the curve's slope
#: times half a step (``slope * 2**-21`` = 4.8e-7 x slope), i.e. the input is read at 20-bit
#: precision.
LUT_SIZE = 1 << 20
#: 1.0 as float32 bits (as uint32, the floats 0..1 are the bits 0..ONE_BITS); 8.0 and its bits:
#: floats in 8..16 are exactly 2**-20 = 1 / LUT_SIZE apart, so ``x + GRID`` rounds x in 0..1 to
#: the nearest table step and its bits minus GRID_BITS are that step's index.
ONE_BITS = np.uint32(0x3F800000)
GRID = np.float32(8.0)
GRID_BITS = np.int32(0x41000000)

IDENTITY = ((0.0, 0.0), (1.0, 1.0))


def curve_function(points: Sequence[Sequence[float]]) -> PchipInterpolator:
    """The monotone cubic (PCHIP) spline through ``points``, sorted by x (duplicates: last)."""
    pts = sorted({float(x): float(y) for x, y in points}.items())
    if len(pts) < 2:
        raise ValueError(
            "points: " + M_("a curve needs at least 2 points with different x, got {points!r}", points=points)
        )
    xs, ys = np.array(pts).T
    return PchipInterpolator(xs, ys, extrapolate=False)


class _Lut:
    """The curve as a table on 0..1 plus its straight continuations outside 0..1."""

    def __init__(self, points: tuple[tuple[float, float], ...]) -> None:
        spline = curve_function(points)
        x0, x1 = float(spline.x[0]), float(spline.x[-1])
        # Nearest entry of a fine table rather than interpolation in a coarse one: a single
        # gather per pixel. Linear interpolation in 2**16 or 2**12 entries (within L2 / L1)
        # measured 1.3-1.4x the time on issue 13's preview: numpy's gather costs ~0.7 ns per
        # element whatever the table's size, and interpolation needs a second one (or an
        # int64 pair) plus the fraction's passes.
        self.lut = _tabulate(spline)
        self.lut.flags.writeable = False
        slope = spline.derivative()
        # Outside 0..1 (stacked data headroom, negative noise) the curve goes on straight
        # with its end slope when its end points reach that far, else it stays flat.
        self.hi = (x1, float(spline(x1)), float(slope(x1)) if x1 >= 1.0 else 0.0)
        self.lo = (x0, float(spline(x0)), float(slope(x0)) if x0 <= 0.0 else 0.0)


def _tabulate(spline: PchipInterpolator) -> np.ndarray:
    """The spline at ``i / LUT_SIZE`` for i = 0..LUT_SIZE, flat outside its points.

    Each cubic piece is evaluated by Horner's rule on its run of table steps: about five times
    faster than calling the spline on a million points, which matters while a user drags a
    curve point (every position is a new table).
    """
    grid = np.arange(LUT_SIZE + 1, dtype=np.float64)
    grid /= LUT_SIZE
    breaks, coef = spline.x, spline.c  # coef[:, k]: cubic of piece k in (x - breaks[k])
    starts = np.searchsorted(grid, breaks[:-1], side="left")
    ends = np.append(starts[1:], np.searchsorted(grid, breaks[-1], side="right"))
    out = np.empty(LUT_SIZE + 1, np.float32)
    out[: starts[0]] = coef[3, 0]  # before the first point: its value
    out[ends[-1] :] = spline(breaks[-1])  # after the last point: its value
    for k, (a, b) in enumerate(zip(starts, ends)):
        if b <= a:
            continue
        t = grid[a:b] - breaks[k]
        y = t * coef[0, k]
        y += coef[1, k]
        y *= t
        y += coef[2, k]
        y *= t
        y += coef[3, k]
        out[a:b] = y
    return out


@lru_cache(maxsize=8)
def _cached_table(points: tuple[tuple[float, float], ...]) -> _Lut:
    return _Lut(points)


#: lru_cache does not hold other callers back while it builds: the render's tile threads all
#: asked for a new curve's table at once and each built it (10-18 ms of CPU apiece).
_table_lock = threading.Lock()


def _table(points: tuple[tuple[float, float], ...]) -> _Lut:
    """The table of a curve, kept for re-renders with the same points (4 MiB each; building
    one costs about a tenth of applying it to a 40 MP image); built once when threads ask for
    it together."""
    with _table_lock:
        return _cached_table(points)


def curves_kernel(points: Sequence[Sequence[float]]) -> Callable[[np.ndarray, np.ndarray], None]:
    """The curve as ``chunk(src, dst)`` writing into ``dst`` (which may be ``src``: the render
    engine runs it in place on cache-sized chunks, fused with the layers around it)."""
    table = _table(tuple((float(x), float(y)) for x, y in points))
    lut = table.lut

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        if src.size == 0:
            return
        idx = scratch("idx", src.size, np.int32).reshape(src.shape)
        # One reduction instead of min() and max(): as uint32, the floats 0..1 are exactly the
        # bits 0..ONE_BITS (negative values have the sign bit, NaN and values above 1 bigger
        # bits). -0.0 takes the other path, with the same result.
        inside = bool(src.view(np.uint32).max() <= ONE_BITS)
        if not inside and np.may_share_memory(src, dst):
            # the values outside 0..1 and NaN are read again after dst is written
            keep = scratch("curves_src", src.size, np.float32).reshape(src.shape)
            np.copyto(keep, src)
            src = keep
        if inside:
            np.add(src, GRID, out=dst)
        else:
            np.clip(src, np.float32(0), np.float32(1), out=dst)
            dst += GRID
        # x + 8 is x rounded to the table step (floats in 8..9 are 2**-20 apart), and its bits
        # minus those of 8.0 are that step's index: one add and one integer subtraction where
        # x * n + 0.5 and a cast took three passes
        np.subtract(dst.view(np.int32), GRID_BITS, out=idx)
        # "wrap" is "clip" for indices within the table and ~30 % faster; NaN's garbage index
        # takes "clip" (numpy's "wrap" walks a far index back one table length at a time,
        # ~1000 steps per NaN pixel: 0.9 MP RGB with 30 % NaN took 420 ms, now ~8-15 ms)
        np.take(lut, idx, mode="wrap" if inside else "clip", out=dst)
        if inside:
            return
        ends = ((table.hi, np.greater, 1), (table.lo, np.less, 0))
        for (x_end, y_end, slope), beyond, edge in ends:
            if slope != 0.0:  # (a flat end is the table's end entry: nothing to compute)
                outside = beyond(src, np.float32(edge))
                if outside.any():
                    dst[outside] = y_end + slope * (src[outside] - x_end)
        missing = np.isnan(src)
        if missing.any():
            np.copyto(dst, np.float32(np.nan), where=missing)

    return chunk


def curves_pointwise(params: dict, shape: tuple[int, ...]) -> Callable | None:
    """The render engine's fused form of :func:`curves` (``extra["pointwise"]``): the same
    chunk kernel, or None where it is not element-wise (one channel, luminance)."""
    if params.get("channel", "all") != "all" and len(shape) == 3 and shape[2] > 1:
        return None
    return curves_kernel(params["points"])


def curves(
    img: np.ndarray,
    points: Sequence[Sequence[float]] = IDENTITY,
    channel: str = "all",
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Reshape the tones with a smooth curve through the given (input, output) points.

    Like the Curves dialog of Photoshop or PixInsight: ``points`` are (x, y) pairs on the 0..1
    scale; the curve passes through every point, is smooth, and never overshoots (a monotone
    spline: where the points rise the curve rises, so no tone reversals).

    Before the first point and after the last the curve is flat (as in Photoshop). Values
    outside 0..1 (stacked data headroom above 1, noise below 0) continue in a straight line
    with the curve's end slope when the end point is at 1 (or 0) or beyond, so the identity
    curve changes nothing.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    points : sequence of (x, y)
        At least two points with different x.
    channel : {"all", "luminance", "red", "green", "blue"}

    Notes
    -----
    Piecewise cubic Hermite interpolation (``scipy.interpolate.PchipInterpolator``, Fritsch-
    Carlson slopes), tabulated at 2**20 + 1 steps over 0..1; each pixel takes the nearest
    entry (a tie, halfway between two, the even one), so the difference from the exact spline is at most ``slope * 2**-21`` (4.8e-7 for
    a slope of 1), and exact at 0, 1 and every multiple of 2**-20. Outside 0..1 the straight
    continuations are computed exactly. NaN stays NaN.

    Examples
    --------
    >>> import numpy as np, filters
    >>> filters.curves(np.array([[0.25, 0.5]], np.float32), [(0, 0), (0.5, 0.75), (1, 1)])
    array([[0.453125, 0.75    ]], dtype=float32)
    """
    report(progress, 0.0)
    chunk = curves_kernel(points)

    def tone(x: np.ndarray) -> np.ndarray:
        return map_elementwise(chunk, np.asarray(x, np.float32))

    out = apply_to_channel(img, channel, tone)
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="curves",
        nonlinear=True,
        name="Curves",
        func=curves,
        params=(
            Param("points", "points", IDENTITY, label="Curve",
                  doc="(input, output) points on the 0..1 scale; the curve passes through them."),
            Param("channel", "choice", "all", label="Channel", choices=CHANNEL_CHOICES,
                  doc="Apply to all channels, the luminance only (keeps colour), or one channel."),
        ),
        doc="A smooth, monotone tone curve through your points (Photoshop/PixInsight Curves).",
        extra={"pointwise": curves_pointwise},
    )
)
