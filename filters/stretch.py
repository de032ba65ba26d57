"""Stretches for linear data: PixInsight-style auto stretch (STF) and colour-keeping asinh."""

from __future__ import annotations

from typing import Callable

import numpy as np

from filters._common import (
    LUMA_WEIGHTS, as_image, channels, luminance, map_elementwise, report, run_row_bands,
    scratch,
)
from filters import stretch_stats
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: MAD of a normal distribution times this is its standard deviation.
MAD_TO_SIGMA = stretch_stats.MAD_TO_SIGMA
#: Pixels used for the median/MAD statistics (an even subsample of bigger images).
STATS_SAMPLES = stretch_stats.STATS_SAMPLES


def midtones_transfer(x: np.ndarray | float, m: float) -> np.ndarray:
    """PixInsight's midtones transfer function (MTF) with midtones balance ``m``.

    Maps 0 to 0, ``m`` to 0.5 and 1 to 1 along a smooth rational curve: ``m < 0.5``
    brightens (a stretch), 0.5 is the identity, ``m > 0.5`` darkens. Input is clipped at 0
    (and at 1 when ``m > 0.5``, where the curve has a pole above 1); for ``m <= 0.5`` values
    above 1 keep rising smoothly towards ``(1 - m) / (1 - 2 m)``.

    Notes
    -----
    ``MTF(x; m) = (m - 1) x / ((2 m - 1) x - m)``. Useful identity:
    ``MTF(x; MTF(b; x)) = b``, i.e. ``m = MTF(b; x)`` sends the value ``x`` to ``b``.

    Examples
    --------
    >>> import filters
    >>> round(float(filters.midtones_transfer(0.1, 0.1)), 6)
    0.5
    """
    if not 0 < m < 1:
        raise ValueError(M_("midtones balance must be between 0 and 1 (exclusive), got {m}", m=m))
    scalar = np.ndim(x) == 0
    a = np.atleast_1d(np.asarray(x, np.float32))
    mm = np.float32(m)
    k1, k2 = mm - 1, 2 * mm - 1

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        np.maximum(src, np.float32(0), out=dst)
        if mm > 0.5:
            np.minimum(dst, np.float32(1), out=dst)
        den = dst * k2
        den -= mm
        dst *= k1
        dst /= den

    out = map_elementwise(chunk, a)
    return out.reshape(()) if scalar else out


def median_mad(img: np.ndarray, *, skip_blanks: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel median and (unnormalised) median absolute deviation, NaN ignored.

    Images above 2 Mpx per channel use an even subsample of 2 Mpx (error ~1e-4 of sigma).
    ``skip_blanks``: also leave out exact zeros of empty areas, and take the noise from the
    mean absolute deviation where the MAD is 0 (see :mod:`filters.stretch_stats`).
    """
    img = as_image(img)
    meds, mads = [], []
    for plane in channels(img):
        if skip_blanks:
            st = stretch_stats.plane_stats(plane)
            meds.append(np.nan if st.empty else st.median)
            mads.append(np.nan if st.empty else st.mad)
            continue
        s = stretch_stats.finite_sample(plane)
        if s.size == 0:
            meds.append(np.nan)
            mads.append(np.nan)
            continue
        med = float(np.median(s))
        meds.append(med)
        mads.append(float(np.median(np.abs(s - np.float32(med)))))
    return np.array(meds), np.array(mads)


def mad_before_reduction(img: np.ndarray, mad: np.ndarray, reduction: float,
                         *, skip_blanks: bool = False) -> np.ndarray:
    """The per-channel MAD ``img`` had before an area-average reduction by ``reduction`` a side.

    Averaging k x k pixels divides white noise by k but keeps smooth structure. Comparing the
    MAD of ``img`` with the MAD after one more 2 x 2 average separates the two (a noise^2 +
    structure^2 model: M1^2 = n^2 + S^2, M2^2 = n^2/4 + S^2), so the noise can be scaled
    back up: ``MAD_full^2 = k^2 n^2 + S^2``. This lets a stretch measured on a preview-sized
    copy clip the full-resolution sky noise as PixInsight's AutoSTF would, not 4x harder.
    """
    if reduction <= 1.0:
        return mad
    img = as_image(img)
    h, w = (img.shape[0] // 2) * 2, (img.shape[1] // 2) * 2
    if h == 0 or w == 0:
        return mad
    quarter = np.float32(0.25)
    half = (img[0:h:2, 0:w:2] + img[1:h:2, 0:w:2] + img[0:h:2, 1:w:2] + img[1:h:2, 1:w:2]) * quarter
    _, mad2 = median_mad(half, skip_blanks=skip_blanks)
    mad2 = np.nan_to_num(mad2, nan=0.0)
    noise2 = np.maximum(mad**2 - mad2**2, 0.0) * (4.0 / 3.0)
    structure2 = np.maximum(mad**2 - noise2, 0.0)
    return np.sqrt(noise2 * float(reduction) ** 2 + structure2)


def auto_stretch_params(
    img: np.ndarray,
    *,
    linked: bool = True,
    shadows_clip: float = -2.8,
    target_background: float = 0.25,
    reduction: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (shadows, midtones, highlights) of PixInsight's automatic screen stretch (STF).

    Per channel: the shadows point sits ``shadows_clip`` noise sigmas (normalised MAD) from
    the median; the midtones balance sends the median background to ``target_background``;
    highlights stay at the top of the range. ``linked`` uses one set for all channels (from
    the channel means of the medians and MADs), which keeps the colour balance; unlinked
    stretches each channel to the same background, which neutralises a colour cast.

    ``reduction``: ``img`` is an area-averaged copy reduced that many times a side (a
    preview); the noise is then measured as it is at full resolution
    (:func:`mad_before_reduction`), so the copy gives the full image's stretch.

    Works on data in any unit (see :mod:`filters.stretch_stats`): NaN and the exact zeros of
    empty borders are left out of the statistics, and data outside 0..1 (ADU, physical units,
    negative sky) is measured against its own range [low, high] instead of 0..1.

    Returns
    -------
    shadows, midtones, highlights : ndarray, one value per channel (length 1 for mono), in the
    data's own units

    Notes
    -----
    ``c0 = clip(median + shadows_clip * sigma, low, high)`` (for data outside 0..1 the lower
    bound is ``low - (high - low)``),
    ``m = MTF(median - c0; target_background)``, ``c1 = high`` with ``low, high = 0, 1`` for
    data within 0..1 (exactly PixInsight's AutoSTF script); for other data ``low, high`` are
    the finite non-blank minimum and maximum and ``m = MTF((median - c0) / (high - c0);
    target_background)``, which sends the median exactly to the target. Sigma is 1.4826 MAD
    (other robust spreads when the MAD is 0: see :mod:`filters.stretch_stats`).
    """
    planes = channels(as_image(img))
    stats = [stretch_stats.plane_stats(p) for p in planes]
    med = np.array([np.nan if st.empty else st.median for st in stats])
    mad = np.array([np.nan if st.empty else st.mad for st in stats])
    mad = mad_before_reduction(img, np.nan_to_num(mad, nan=0.0), reduction, skip_blanks=True)
    mad = np.where(np.isnan(med), np.nan, mad)
    lows = np.array([st.low for st in stats])
    highs = np.array([st.high for st in stats])
    if linked:
        med = np.full_like(med, np.nanmean(med)) if np.isfinite(med).any() else med
        mad = np.full_like(mad, np.nanmean(mad)) if np.isfinite(mad).any() else mad
        lows = np.full_like(lows, lows.min())
        highs = np.full_like(highs, highs.max())
    med = np.nan_to_num(med, nan=0.0)
    mad = np.nan_to_num(mad, nan=0.0)
    # Normalised data: PixInsight's clip at 0. Other data may put its black point below its
    # minimum (a count map's background *is* its minimum: clipping there would make every
    # other value white), but not below 0 when zeros are empty borders (stretch_stats).
    normalised = (lows == 0.0) & (highs == 1.0)
    floor = np.array([st.floor for st in stats])
    if linked:
        floor = np.full_like(floor, floor.min())
    shadows = np.clip(med + shadows_clip * MAD_TO_SIGMA * mad, floor, highs)
    # PixInsight's script measures (median - c0) in 0..1; elsewhere the width actually mapped
    # to 0..1 (c0..high) is used, which sends the background exactly to the target.
    width = np.where(normalised, 1.0, np.maximum(highs - shadows, 1e-300))
    x = np.clip((med - shadows) / width, 1e-7, 1.0 - 1e-7)
    b = float(target_background)
    midtones = (b - 1) * x / ((2 * b - 1) * x - b)  # MTF(x; b)
    midtones = np.clip(midtones, 1e-6, 1 - 1e-6)
    return shadows, midtones, highs


def auto_stretch(
    img: np.ndarray,
    *,
    linked: bool = True,
    shadows_clip: float = -2.8,
    target_background: float = 0.25,
    progress: ProgressCallback | None = None,
    measured: dict | None = None,
) -> np.ndarray:
    """Make linear data visible in one click, like PixInsight's STF auto stretch.

    Clips the shadows just below the background noise and applies a midtones transfer that
    puts the sky background at ``target_background`` (0.25 = PixInsight's default look).
    See :func:`auto_stretch_params` for ``linked``. ``measured``: the result of
    :func:`auto_stretch_measure` on the whole image, to stretch a part or a reduced copy of
    it exactly like the whole (None: measure ``img``).

    Notes
    -----
    ``out = MTF((x - c0) / (c1 - c0); m)`` per channel with (c0, m, c1) from
    :func:`auto_stretch_params`. Values below the shadows point become 0; values above 1
    keep rising gently (the MTF has no pole for m <= 0.5). NaN stays NaN.
    """
    img = as_image(img)
    report(progress, 0.0)
    if measured is None:
        c0, m, c1 = auto_stretch_params(
            img, linked=linked, shadows_clip=shadows_clip, target_background=target_background
        )
    else:
        n = 1 if img.ndim == 2 else img.shape[2]
        c0, m, c1 = (_per_channel(measured[k], n) for k in ("shadows", "midtones", "highlights"))
    report(progress, 0.3)
    out = np.empty(img.shape, np.float32)
    # One pass over row bands of the interleaved image. Per-channel constants are tiled to a
    # whole row: broadcasting a length-3 axis would make numpy's inner loops 3 elements long.
    h = img.shape[0]
    flat_in = img.reshape(h, -1)
    flat_out = out.reshape(h, -1)
    reps = img.shape[1] if img.ndim == 3 else 1

    def row(v: np.ndarray) -> np.ndarray | np.float32:
        v = np.asarray(v, np.float32)
        return np.float32(v[0]) if np.all(v == v[0]) else np.tile(v, reps)

    lo = row(c0)
    scale = row(1.0 / np.where(c1 > c0, c1 - c0, 1.0))  # any unit: 1e-18 ranges too
    mm = row(m)
    k1, k2 = mm - np.float32(1), np.float32(2) * mm - np.float32(1)
    cap = bool(np.any(m > 0.5))  # a darkening MTF has a pole above 1: clip there

    def band(rows: slice) -> None:
        x = flat_out[rows]
        np.subtract(flat_in[rows], lo, out=x)
        x *= scale
        np.maximum(x, np.float32(0), out=x)
        if cap:
            np.minimum(x, np.float32(1), out=x)
        den = x * k2
        den -= mm
        x *= k1
        x /= den

    run_row_bands(band, h, flat_in.shape[1])
    report(progress, 1.0)
    return out


def auto_stretch_measure(
    img: np.ndarray,
    *,
    linked: bool = True,
    shadows_clip: float = -2.8,
    target_background: float = 0.25,
    measuring_scale: float = 1.0,
) -> dict:
    """The image's stretch, as plain numbers: {"shadows", "midtones", "highlights"}, one
    float per channel (see :func:`auto_stretch_params`); pass it to ``auto_stretch(measured=)``.
    ``measuring_scale`` < 1: ``img`` is an area-averaged copy at that scale of the image.
    """
    c0, m, c1 = auto_stretch_params(
        img, linked=linked, shadows_clip=shadows_clip, target_background=target_background,
        reduction=1.0 / measuring_scale,
    )
    return {"shadows": tuple(map(float, c0)), "midtones": tuple(map(float, m)),
            "highlights": tuple(map(float, c1))}


def _per_channel(values: object, n: int) -> np.ndarray:
    """``values`` for ``n`` channels; a count mismatch (a part of a mosaic that is mono where
    the whole is colour) uses their mean for every channel."""
    v = np.atleast_1d(np.asarray(values, np.float64))
    return v if v.size == n else np.full(n, float(np.mean(v)))


def asinh_stretch(
    img: np.ndarray,
    stretch: float = 100.0,
    black_point: float = 0.0,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Arcsinh stretch that keeps star colours (Siril's Asinh transformation).

    Brightens faint signal strongly and bright signal gently, like a logarithm that is linear
    near black. Every channel of a pixel is multiplied by the same factor, computed from its
    luminance, so the R:G:B ratios (hue and saturation) of linear data survive: stars keep
    their colour instead of bleaching to white. 1.0 stays 1.0; ``stretch`` 0 is no change.

    Parameters
    ----------
    stretch : float
        The strength beta (1..1000s). ``black_point`` is subtracted first (then /(1 - bp)).

    Notes
    -----
    ``x' = (x - bp) / (1 - bp)``, ``Y = luminance(x')`` (Rec. 709),
    ``out = x' asinh(beta Y) / (Y asinh(beta))`` (``beta / asinh(beta)`` times ``x'`` where
    ``Y <= 0``). NaN stays NaN.
    """
    img = as_image(img)
    chunk = asinh_kernel(stretch, black_point, 1 if img.ndim == 2 else img.shape[2])
    report(progress, 0.0)
    out = np.empty(img.shape, np.float32)
    if chunk is None:  # neither mono nor RGB: the luminance is the mean of the channels
        x = img
        if black_point != 0:
            x = (img - np.float32(black_point)) * np.float32(1.0 / (1.0 - black_point))
        y = luminance(x)
        k = map_elementwise(_asinh_factor(stretch), y)
        np.multiply(x, k[..., None], out=out)
    else:
        run_row_bands(lambda rows: chunk(img[rows], out[rows]), img.shape[0],
                      img[0].size)
    report(progress, 1.0)
    return out


def _asinh_factor(stretch: float) -> Callable[[np.ndarray, np.ndarray], None]:
    """``asinh(beta y) / (y asinh(beta))`` of luminance ``src`` into ``dst`` (not in place)."""
    beta = np.float32(stretch)
    norm = np.float32(1.0 / np.arcsinh(float(stretch)))

    def factor(src: np.ndarray, dst: np.ndarray) -> None:
        np.multiply(src, beta, out=dst)
        np.arcsinh(dst, out=dst)
        dst *= norm
        with np.errstate(invalid="ignore", divide="ignore"):
            dst /= src
        if not src.min() > 1e-9:  # (NaN: look) else no pixel is near 0: skip the mask
            small = ~(src > 1e-9) & np.isfinite(src)
            dst[small] = beta * norm  # limit of asinh(b y) / y as y -> 0

    return factor


def asinh_kernel(stretch: float, black_point: float, n_channels: int
                 ) -> Callable[[np.ndarray, np.ndarray], None] | None:
    """The arcsinh stretch as ``chunk(src, dst)`` on whole pixels (rows of an (H, W) or
    (H, W, C) image), ``dst`` may be ``src``: the render engine runs it in place on
    cache-sized row chunks. None when the image has other than 1 or 3 channels."""
    if not stretch >= 0 or not black_point < 1:
        raise ValueError(M_("stretch must be >= 0 and black_point < 1, got {stretch}, {black_point}",
                            stretch=stretch, black_point=black_point))
    if n_channels not in (1, 3):
        return None
    bp = np.float32(black_point)
    inv = np.float32(1.0 / (1.0 - black_point))
    factor = None if stretch == 0 else _asinh_factor(stretch)
    w = [np.float32(v) for v in LUMA_WEIGHTS]

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        x = src  # read straight from src when there is no black point (no copy into dst)
        if black_point != 0:
            np.subtract(src, bp, out=dst)
            dst *= inv
            x = dst
        if factor is None:
            if x is not dst:
                np.copyto(dst, x)
            return
        rgb = x.ndim == 3 and x.shape[2] == 3
        if rgb:  # x0 w0 + x1 w1 + x2 w2 in that order, with no fresh temporaries
            y = scratch("asinh_y", x[..., 0].size, np.float32).reshape(x.shape[:-1])
            k = scratch("asinh_k", y.size, np.float32).reshape(y.shape)
            np.multiply(x[..., 0], w[0], out=y)
            np.multiply(x[..., 1], w[1], out=k)  # k: the luminance's temporary first
            y += k
            np.multiply(x[..., 2], w[2], out=k)
            y += k
        else:
            y = x if x.ndim == 2 else x[..., 0]
            k = scratch("asinh_k", y.size, np.float32).reshape(y.shape)
        factor(y, k)
        if x.ndim == 2:
            np.multiply(x, k, out=dst)
        else:
            # dst = x * k[..., None], channel by channel: numpy's loops over a broadcast
            # channel axis are 3 elements long, and a copy of k per channel (per_pixel) costs
            # as much as these strided products plus its own buffer
            for c in range(x.shape[2]):
                np.multiply(x[..., c], k, out=dst[..., c])

    return chunk


def asinh_pointwise(params: dict, shape: tuple[int, ...]) -> Callable | None:
    """The render engine's fused form of :func:`asinh_stretch` (``extra["pointwise"]``)."""
    return asinh_kernel(float(params["stretch"]), float(params["black_point"]),
                        1 if len(shape) == 2 else shape[2])


register(
    FilterSpec(
        id="auto_stretch",
        nonlinear=True,
        name="Auto Stretch (STF)",
        func=auto_stretch,
        params=(
            Param("linked", "bool", True, label="Link channels",
                  doc="One stretch for all channels (keeps the colour balance)."),
            Param("shadows_clip", "float", -2.8, label="Shadows clipping", min=-10.0, max=0.0,
                  step=0.1, unit="sigma", doc="Black point, in noise sigmas from the median."),
            Param("target_background", "float", 0.25, label="Target background", min=0.01,
                  max=0.9, step=0.01, doc="Where the sky background ends up."),
        ),
        doc="PixInsight-style automatic midtones stretch from the median and noise.",
        extra={"measure": auto_stretch_measure},
    )
)

register(
    FilterSpec(
        id="asinh_stretch",
        nonlinear=True,
        name="Arcsinh Stretch",
        func=asinh_stretch,
        params=(
            Param("stretch", "float", 100.0, label="Stretch factor", min=0.0, max=10000.0,
                  step=1.0, log_scale=True),
            Param("black_point", "float", 0.0, label="Black point", min=-0.5, max=0.99,
                  step=0.001),
        ),
        doc="Colour-preserving arcsinh stretch for linear data (Siril's Asinh).",
        extra={"pointwise": asinh_pointwise},
    )
)
