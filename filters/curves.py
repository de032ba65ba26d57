"""Curves: a smooth tone curve through user points (Photoshop/PixInsight Curves)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from filters._common import CHANNEL_CHOICES, apply_to_channel, map_elementwise, report, scratch
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: Table size of the curve; linear interpolation between entries is within ~1e-6 of the spline.
LUT_SIZE = 4096

IDENTITY = ((0.0, 0.0), (1.0, 1.0))


def curve_function(points: Sequence[Sequence[float]]) -> PchipInterpolator:
    """The monotone cubic (PCHIP) spline through ``points``, sorted by x (duplicates: last)."""
    pts = sorted({float(x): float(y) for x, y in points}.items())
    if len(pts) < 2:
        raise ValueError(
            f"points: a curve needs at least 2 points with different x, got {points!r}"
        )
    xs, ys = np.array(pts).T
    return PchipInterpolator(xs, ys, extrapolate=False)


class _Lut:
    """The curve as a table on 0..1 plus its straight continuations outside 0..1."""

    def __init__(self, points: Sequence[Sequence[float]]) -> None:
        spline = curve_function(points)
        x0, x1 = float(spline.x[0]), float(spline.x[-1])
        grid = np.linspace(0.0, 1.0, LUT_SIZE + 1)
        self.lut = spline(np.clip(grid, x0, x1)).astype(np.float32)  # flat outside the points
        self.dlut = np.append(np.diff(self.lut), np.float32(0))
        slope = spline.derivative()
        # Outside 0..1 (stacked data headroom, negative noise) the curve goes on straight
        # with its end slope when its end points reach that far, else it stays flat.
        self.hi = (x1, float(spline(x1)), float(slope(x1)) if x1 >= 1.0 else 0.0)
        self.lo = (x0, float(spline(x0)), float(slope(x0)) if x0 <= 0.0 else 0.0)


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
    Carlson slopes), evaluated through a 4097-entry table with linear interpolation
    (difference from the exact spline ~1e-6). NaN stays NaN.

    Examples
    --------
    >>> import numpy as np, filters
    >>> filters.curves(np.array([[0.25, 0.5]], np.float32), [(0, 0), (0.5, 0.75), (1, 1)])
    array([[0.453125, 0.75    ]], dtype=float32)
    """
    report(progress, 0.0)
    table = _Lut(points)
    lut, dlut = table.lut, table.dlut
    n = np.float32(LUT_SIZE)

    def tone(x: np.ndarray) -> np.ndarray:
        def chunk(src: np.ndarray, dst: np.ndarray) -> None:
            k = src.size
            idx, whole, tab = (scratch("idx", k, np.int32), scratch("whole", k, np.float32),
                               scratch("tab", k, np.float32))
            lo, hi = src.min(), src.max()
            inside = bool(lo >= 0) and bool(hi <= 1)  # False when NaN is present
            if inside:
                np.multiply(src, n, out=dst)
            else:
                np.clip(src, np.float32(0), np.float32(1), out=dst)
                dst *= n
            # index and fraction with explicit float32/int32 casts (mixed-type arithmetic
            # would silently run in float64, four times slower)
            with np.errstate(invalid="ignore"):
                np.copyto(idx, dst, casting="unsafe")  # NaN gives garbage, fixed below
            np.copyto(whole, idx, casting="unsafe")
            dst -= whole  # the fraction; NaN stays NaN
            np.take(dlut, idx, mode="clip", out=tab)
            dst *= tab
            np.take(lut, idx, mode="clip", out=tab)
            dst += tab
            if inside:
                return
            for (x_end, y_end, slope), outside in ((table.hi, src > 1), (table.lo, src < 0)):
                if slope != 0.0 and outside.any():
                    dst[outside] = y_end + slope * (src[outside] - x_end)

        return map_elementwise(chunk, np.asarray(x, np.float32))

    out = apply_to_channel(img, channel, tone)
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="curves",
        name="Curves",
        func=curves,
        params=(
            Param("points", "points", IDENTITY, label="Curve",
                  doc="(input, output) points on the 0..1 scale; the curve passes through them."),
            Param("channel", "choice", "all", label="Channel", choices=CHANNEL_CHOICES,
                  doc="Apply to all channels, the luminance only (keeps colour), or one channel."),
        ),
        doc="A smooth, monotone tone curve through your points (Photoshop/PixInsight Curves).",
    )
)
