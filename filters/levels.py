"""Levels and Brightness/Contrast: the classic tone adjustments."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from filters._common import CHANNEL_CHOICES, apply_to_channel, as_image, map_elementwise, report
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: Largest relative difference of the midtone gamma from an exact power (measured: 6e-6 for
#: results between 1e-30 and 1e30; below 1e-7 absolute on 0..1).
GAMMA_RTOL = 1e-5


def levels_kernel(
    black: float = 0.0,
    midtone: float = 1.0,
    white: float = 1.0,
    out_black: float = 0.0,
    out_white: float = 1.0,
    clip: bool = False,
) -> Callable[[np.ndarray, np.ndarray], None]:
    """The levels transfer as ``chunk(src, dst)`` writing into ``dst`` (which may be ``src``:
    the render engine runs it in place on cache-sized chunks, fused with the layers around it).
    ValueError for parameters levels refuses."""
    if not white > black:
        raise ValueError(M_("white ({white}) must be above black ({black})", white=white, black=black))
    if not midtone > 0:
        raise ValueError(M_("midtone must be > 0, got {midtone}", midtone=midtone))
    scale = np.float32(1.0 / (white - black))
    b = np.float32(black)
    inv_gamma = np.float32(1.0 / midtone)
    o_scale, o_off = np.float32(out_white - out_black), np.float32(out_black)
    # Steps that would change nothing are left out (x - 0 and x * 1 are x, bit for bit): each
    # numpy call is a pass over the chunk. Gamma 2 and 1/2 are exact square/sqrt, cheaper than
    # (and within GAMMA_RTOL of) exp2/log2.
    shift, spread = b != 0, scale != 1
    if inv_gamma == 1:
        gamma: Callable[[np.ndarray, np.ndarray], None] | None = None
    elif inv_gamma == 2:
        gamma = np.square
    elif inv_gamma == 0.5:
        gamma = np.sqrt
    else:
        def gamma(t: np.ndarray, out: np.ndarray) -> None:
            # t ** g as exp2(g log2 t): SIMD exp2/log2 are ~3x faster than float32 power,
            # within GAMMA_RTOL (relative); 0 -> 0, 1 -> 1, inf -> inf, NaN -> NaN.
            np.log2(t, out=out)
            out *= inv_gamma
            np.exp2(out, out=out)
    scale_out = not (o_scale == 1 and o_off == 0)

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        # read before dst is written (dst may be src). A cheap check saves the clip pass
        # when nothing is below black (NaN makes it False: np.clip keeps NaN).
        below_black = not clip and not src.min() >= b
        t = src
        if shift:
            np.subtract(t, b, out=dst)
            t = dst
        if spread:
            np.multiply(t, scale, out=dst)
            t = dst
        # np.clip with scalar bounds is SIMD (np.maximum by a scalar is several times slower).
        if clip:
            np.clip(t, np.float32(0), np.float32(1), out=dst)
            t = dst
        elif below_black:
            np.clip(t, np.float32(0), np.float32(np.inf), out=dst)
            t = dst
        if gamma is not None:
            with np.errstate(divide="ignore", over="ignore"):  # log2(0), huge ** g: inf
                gamma(t, dst)
            t = dst
        if t is not dst:
            np.copyto(dst, t)
        if scale_out:
            dst *= o_scale
            dst += o_off

    return chunk


def levels_curve(
    x: np.ndarray,
    black: float = 0.0,
    midtone: float = 1.0,
    white: float = 1.0,
    out_black: float = 0.0,
    out_white: float = 1.0,
    clip: bool = False,
) -> np.ndarray:
    """The levels transfer applied element-wise to ``x`` (any shape), float32 out."""
    chunk = levels_kernel(black, midtone, white, out_black, out_white, clip)
    return map_elementwise(chunk, np.asarray(x, np.float32))


def levels_pointwise(params: dict, shape: tuple[int, ...]) -> Callable | None:
    """The render engine's fused form of :func:`levels` (``extra["pointwise"]``): the same
    chunk kernel, or None where it is not element-wise (one channel, luminance)."""
    if params.get("channel", "all") != "all" and len(shape) == 3 and shape[2] > 1:
        return None
    return levels_kernel(*(params[k] for k in ("black", "midtone", "white", "out_black",
                                                "out_white")), bool(params["clip"]))


def levels(
    img: np.ndarray,
    black: float = 0.0,
    midtone: float = 1.0,
    white: float = 1.0,
    out_black: float = 0.0,
    out_white: float = 1.0,
    channel: str = "all",
    clip: bool = False,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Photoshop's Levels: set the black point, white point and midtone gamma.

    Input values from ``black`` to ``white`` are spread over ``out_black`` to ``out_white``;
    ``midtone`` is Photoshop's grey slider value (gamma): 1 leaves midtones alone, above 1
    brightens them, below 1 darkens them (Photoshop 1.00 = PixInsight midtones 0.5).

    Everything below ``black`` becomes ``out_black`` (that is what a black point does). Above
    ``white`` the curve continues instead of clipping, so stacked linear data keeps its
    highlight headroom (the display clips, not the data); set ``clip=True`` for Photoshop's
    behaviour of cutting at the white point.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    black, white : float
        Input black and white points (white > black).
    midtone : float
        Gamma, > 0.
    out_black, out_white : float
        Output levels.
    channel : {"all", "luminance", "red", "green", "blue"}
        Where to apply; "luminance" adjusts brightness only and keeps colour.
    clip : bool
        Clip the normalised value at the white point (Photoshop).

    Notes
    -----
    ``t = max(0, (x - black) / (white - black))`` (``min(t, 1)`` with ``clip``),
    ``out = out_black + (out_white - out_black) * t ** (1 / midtone)``. NaN stays NaN. The
    power is computed as ``exp2(log2(t) / midtone)`` in float32, within ``GAMMA_RTOL`` (1e-5)
    relative of the exact value (exactly, as a square or square root, for midtone 0.5 and 2).

    Examples
    --------
    >>> import numpy as np, filters
    >>> filters.levels(np.array([[0.1, 0.3, 0.5]], np.float32), black=0.1, white=0.5).round(3)
    array([[0. , 0.5, 1. ]], dtype=float32)
    """
    report(progress, 0.0)
    out = apply_to_channel(
        img, channel, lambda x: levels_curve(x, black, midtone, white, out_black, out_white, clip)
    )
    report(progress, 1.0)
    return out


def brightness_contrast(
    img: np.ndarray,
    brightness: float = 0.0,
    contrast: float = 0.0,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Brightness/Contrast as in GIMP (and close to Photoshop's Legacy mode).

    ``brightness`` -1..1 moves every value towards black (negative) or white (positive);
    ``contrast`` -1..1 steepens or flattens the tone around mid-grey 0.5. Meant for stretched
    (non-linear) data; not clipped, so values may leave 0..1.

    Notes
    -----
    ``v = x (1 + b)`` for ``b < 0``, else ``v = x + (1 - x) b``;
    ``out = (v - 0.5) tan((c + 1) pi / 4) + 0.5`` (GIMP's formula).

    Examples
    --------
    >>> import numpy as np, filters
    >>> filters.brightness_contrast(np.array([[0.5]], np.float32), 0.0, 0.5)
    array([[0.5]], dtype=float32)
    """
    if not -1 <= brightness <= 1 or not -1 <= contrast < 1:
        raise ValueError(M_("brightness must be in -1..1 and contrast in -1..1 (1 excluded)"))
    img = as_image(img)
    report(progress, 0.0)
    slant = np.float32(math.tan((contrast + 1.0) * math.pi / 4.0))
    b = np.float32(brightness)

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        if b < 0:
            np.multiply(src, np.float32(1) + b, out=dst)
        else:  # x + (1 - x) b = x (1 - b) + b
            np.multiply(src, np.float32(1) - b, out=dst)
            dst += b
        dst -= np.float32(0.5)
        dst *= slant
        dst += np.float32(0.5)

    out = map_elementwise(chunk, img)
    report(progress, 1.0)
    return out


_CHANNEL = Param("channel", "choice", "all", label="Channel", choices=CHANNEL_CHOICES,
                 doc="Apply to all channels, the luminance only (keeps colour), or one channel.")

register(
    FilterSpec(
        id="levels",
        nonlinear=True,
        name="Levels",
        func=levels,
        params=(
            Param("black", "float", 0.0, label="Black point", min=-1.0, max=2.0, step=0.001,
                  slider_range=(0.0, 1.0)),
            Param("midtone", "float", 1.0, label="Gamma", min=0.05, max=10.0,
                  step=0.01, log_scale=True, slider_range=(0.2, 5.0),
                  doc="Photoshop's midtones gamma: above 1 brightens."),
            Param("white", "float", 1.0, label="White point", min=-1.0, max=100.0, step=0.001,
                  slider_range=(0.0, 2.0)),
            Param("out_black", "float", 0.0, label="Output black", min=-1.0, max=2.0,
                  step=0.001),
            Param("out_white", "float", 1.0, label="Output white", min=-1.0, max=2.0,
                  step=0.001),
            _CHANNEL,
            Param("clip", "bool", False, label="Clip at white point",
                  doc="Cut values above the white point, as Photoshop does."),
        ),
        doc="Black point, white point and midtone gamma (Photoshop Levels).",
        extra={"pointwise": levels_pointwise},
    )
)

register(
    FilterSpec(
        id="brightness_contrast",
        nonlinear=True,
        name="Brightness/Contrast",
        func=brightness_contrast,
        params=(
            Param("brightness", "float", 0.0, label="Brightness", min=-1.0, max=1.0, step=0.01),
            Param("contrast", "float", 0.0, label="Contrast", min=-1.0, max=0.99, step=0.01),
        ),
        doc="Shift brightness and steepen or flatten contrast around mid-grey.",
    )
)
