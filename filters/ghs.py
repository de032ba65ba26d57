"""Generalised Hyperbolic Stretch (GHS), as in Siril and PixInsight's GHS."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from filters._common import CHANNEL_CHOICES, apply_to_channel, map_elementwise, report
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register


def _base(
    D: float, b: float
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[float], float]]:
    """The GHS family T(u), u >= 0 distance from the symmetry point, and its slope T'(u)."""
    if b == -1:
        return (lambda u: np.log1p(D * u)), (lambda u: D / (1 + D * u))
    if b < 0:
        e = (b + 1) / b
        k = 1.0 / (b + 1)
        return (lambda u: k * (1 - np.power(1 - b * D * u, e))), (
            lambda u: D * (1 - b * D * u) ** (1 / b)
        )
    if b == 0:
        return (lambda u: -np.expm1(-D * u)), (lambda u: D * math.exp(-D * u))
    return (lambda u: 1 - np.power(1 + b * D * u, -1 / b)), (
        lambda u: D * (1 + b * D * u) ** (-1 / b - 1)
    )


def ghs_curve(
    x: np.ndarray, D: float, b: float = 0.0, SP: float = 0.0, LP: float = 0.0, HP: float = 1.0
) -> np.ndarray:
    """The GHS transfer applied element-wise (any shape); see :func:`ghs`."""
    if not LP <= SP <= HP:
        raise ValueError(M_("GHS needs LP <= SP <= HP, got LP={LP}, SP={SP}, HP={HP}", LP=LP, SP=SP, HP=HP))
    d = math.expm1(float(D))  # the slider is ln(D + 1), as in Siril and PixInsight
    a = np.asarray(x, np.float32)
    if d == 0:
        return a.astype(np.float32, copy=True)
    T, slope = _base(d, float(b))

    def full(v: np.ndarray | float) -> np.ndarray:
        """Symmetric around SP, straight lines below LP and above HP (shadow/highlight
        protection), continuous with a continuous slope."""
        u = np.asarray(v, np.float64) - SP
        lim = np.where(u >= 0, HP - SP, SP - LP)
        t = np.minimum(np.abs(u), lim)
        s = np.sign(u)
        y = s * T(t)
        beyond = np.abs(u) - t
        return y + s * beyond * np.where(u >= 0, slope(HP - SP), slope(SP - LP))

    y0, y1 = float(full(0.0)), float(full(1.0))
    scale = np.float32(1.0 / (y1 - y0))
    sp = np.float32(SP)
    hi_len, lo_len = np.float32(HP - SP), np.float32(SP - LP)
    hi_slope, lo_slope = np.float32(slope(HP - SP)), np.float32(slope(SP - LP))

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        # float32 on cache-sized chunks: the same formula as full(), several times faster
        u = src - sp
        neg = u < 0
        np.abs(u, out=u)
        lim = np.where(neg, lo_len, hi_len)
        t = np.minimum(u, lim)
        u -= t  # distance beyond LP / HP, on the straight protection lines
        u *= np.where(neg, lo_slope, hi_slope)
        with np.errstate(invalid="ignore", over="ignore"):
            dst[...] = T(t)
        dst += u
        np.negative(dst, out=dst, where=neg)
        dst -= np.float32(y0)
        dst *= scale

    return map_elementwise(chunk, a)


def ghs(
    img: np.ndarray,
    D: float = 2.0,
    b: float = 0.0,
    SP: float = 0.0,
    LP: float = 0.0,
    HP: float = 1.0,
    channel: str = "all",
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Generalised Hyperbolic Stretch: a controllable stretch for linear data.

    The parameters are those of Siril's and PixInsight's GHS:

    - ``D`` stretch factor, as ln(D + 1) (0 = no stretch, 5 = strong, up to 10);
    - ``b`` local intensity: how concentrated the contrast boost is around ``SP``
      (-1 logarithmic, 0 exponential, 1 harmonic, larger = more focused);
    - ``SP`` symmetry point: the brightness that gets the most contrast (put it on the sky
      background or the faint nebula);
    - ``LP`` protect shadows: below it the curve is a straight line (LP <= SP);
    - ``HP`` protect highlights: above it the curve is a straight line (HP >= SP), which
      keeps star cores from bloating.

    0 maps to 0 and 1 to 1; values above 1 continue along the straight highlight line and
    negative values along the shadow line (nothing is clipped). NaN stays NaN.

    Notes
    -----
    With ``d = exp(D) - 1`` and ``u = x - SP >= 0``: ``T(u) = ln(1 + d u)`` (b = -1),
    ``(1 - (1 - b d u)^((b+1)/b)) / (b + 1)`` (b < 0), ``1 - exp(-d u)`` (b = 0),
    ``1 - (1 + b d u)^(-1/b)`` (b > 0); ``-T(SP - x)`` below SP; tangent lines beyond LP and
    HP; finally ``(T(x) - T(0)) / (T(1) - T(0))`` (Payne & Cranfield, 2021).
    """
    report(progress, 0.0)
    out = apply_to_channel(img, channel, lambda x: ghs_curve(x, D, b, SP, LP, HP))
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="ghs",
        nonlinear=True,
        name="Generalised Hyperbolic Stretch",
        func=ghs,
        params=(
            Param("D", "float", 2.0, label="Stretch factor ln(D+1)", min=0.0, max=10.0,
                  step=0.01),
            Param("b", "float", 0.0, label="Local intensity (b)", min=-5.0, max=15.0, step=0.1),
            Param("SP", "float", 0.0, label="Symmetry point", min=0.0, max=1.0, step=0.0001),
            Param("LP", "float", 0.0, label="Protect shadows", min=0.0, max=1.0, step=0.0001),
            Param("HP", "float", 1.0, label="Protect highlights", min=0.0, max=1.0,
                  step=0.0001),
            Param("channel", "choice", "all", label="Channel", choices=CHANNEL_CHOICES,
                  doc="Stretch each channel, or the luminance only (keeps colour)."),
        ),
        doc="Siril/PixInsight Generalised Hyperbolic Stretch.",
    )
)
