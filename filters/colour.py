"""Colour adjustments: saturation, colour balance, background neutralisation, CIE L*a*b*."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from filters._common import as_image, luminance, report, with_channel_constants
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

# Linear sRGB (Rec. 709 primaries, D65) <-> CIE XYZ.
_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375],
     [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = _RGB_TO_XYZ.sum(axis=1)  # D65 white of linear RGB (1, 1, 1)
_EPS = (6.0 / 29.0) ** 3


def _need_rgb(img: np.ndarray, what: str) -> np.ndarray:
    img = as_image(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(M_("{what} needs an RGB (H, W, 3) image, got shape {shape}", what=what, shape=img.shape))
    return img


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of linear RGB (Rec. 709 primaries); L* is 0..100 for 0..1 input.

    Values above 1 (headroom) give L* above 100; negative values are treated as 0 light.
    """
    rgb = _need_rgb(rgb, "rgb_to_lab")
    xyz = np.maximum(rgb, 0) @ (_RGB_TO_XYZ / _WHITE[:, None]).T.astype(np.float32)
    f = np.where(xyz > _EPS, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29).astype(np.float32)
    lab = np.empty_like(f)
    lab[..., 0] = 116 * f[..., 1] - 16
    lab[..., 1] = 500 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Linear RGB from CIE L*a*b* (inverse of :func:`rgb_to_lab`)."""
    lab = as_image(lab)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 6 / 29, f**3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE
    return (xyz @ _XYZ_TO_RGB.T.astype(np.float32)).astype(np.float32)


def saturation(
    img: np.ndarray, amount: float = 1.0, *, progress: ProgressCallback | None = None
) -> np.ndarray:
    """Make colours more (amount > 1) or less (amount < 1) vivid, keeping brightness.

    Each channel's distance from the pixel's luminance is multiplied by ``amount``: 0 gives
    grey, 1 no change. Works on linear and stretched data; a mono image is returned as is.

    Notes
    -----
    ``out_c = Y + amount (x_c - Y)``, Y the Rec. 709 luminance (unchanged by the operation).
    """
    img = as_image(img)
    if img.ndim == 2 or img.shape[2] != 3:
        return img.copy()
    report(progress, 0.0)
    y = luminance(img)[..., None]
    out = img - y
    out *= np.float32(amount)
    out += y
    report(progress, 1.0)
    return out


def color_balance(
    img: np.ndarray,
    red: float = 1.0,
    green: float = 1.0,
    blue: float = 1.0,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Multiply each channel by a gain: the white balance of linear data.

    Notes
    -----
    ``out = (red x_R, green x_G, blue x_B)``. Not clipped; NaN stays NaN.
    """
    img = _need_rgb(img, "color_balance")
    report(progress, 0.0)
    out = with_channel_constants(np.multiply, img, np.array([red, green, blue]))
    report(progress, 1.0)
    return out


def _background_sample(img: np.ndarray, region: Sequence[int] | None) -> np.ndarray:
    """Pixels (N, 3) of the background: the given (y0, x0, y1, x1) box, or automatically the
    faintest quarter of a grid of cells (sky, not stars or nebula)."""
    if region is not None:
        y0, x0, y1, x1 = (int(v) for v in region)
        box = img[max(0, y0) : y1, max(0, x0) : x1]
        if box.size == 0:
            raise ValueError(M_("region {region} is empty for an image of shape {shape}", region=tuple(region), shape=img.shape))
        return box.reshape(-1, 3)
    h, w = img.shape[:2]
    step = max(1, int(np.sqrt(h * w / 1e6)))  # ~1 Mpx is plenty for medians
    small = img[::step, ::step]
    n = 16
    ys = np.linspace(0, small.shape[0], n + 1).astype(int)
    xs = np.linspace(0, small.shape[1], n + 1).astype(int)
    cells = [small[ys[i] : ys[i + 1], xs[j] : xs[j + 1]].reshape(-1, 3)
             for i in range(n) for j in range(n)]
    cells = [c for c in cells if c.size]
    lum = np.array([np.nanmedian(c @ np.array([0.2126, 0.7152, 0.0722], np.float32))
                    for c in cells])
    order = np.argsort(np.where(np.isfinite(lum), lum, np.inf))
    keep = order[: max(1, len(cells) // 4)]
    return np.concatenate([cells[i] for i in keep])


def neutralize_background(
    img: np.ndarray,
    region: Sequence[int] | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Make the sky background grey: remove a colour cast from light pollution or the camera.

    Like PixInsight's BackgroundNeutralization: measures the median of each channel on the
    background (``region`` = (y0, x0, y1, x1) of a patch of empty sky, or automatically the
    faintest quarter of a 16 x 16 grid of cells) and shifts each channel so the three medians
    equal their mean. Only offsets are changed, so the stars' colour differences are kept.

    Notes
    -----
    ``out_c = x_c - (b_c - mean(b))`` with ``b_c`` the background median of channel c.
    """
    img = _need_rgb(img, "neutralize_background")
    report(progress, 0.0)
    sample = _background_sample(img, region)
    b = np.nanmedian(sample, axis=0)
    if not np.isfinite(b).all():
        raise ValueError(M_("the background sample has no valid pixels"))
    out = with_channel_constants(np.subtract, img, b - b.mean())
    report(progress, 1.0)
    return out


def _neutralize_auto(img: np.ndarray, *, progress: ProgressCallback | None = None,
                     measured: dict | None = None) -> np.ndarray:
    """Registered form: mono images pass through unchanged. ``measured``: the offsets of
    :func:`_neutralize_measure` on the whole image (None: measure ``img``)."""
    img = as_image(img)
    if img.ndim == 2 or img.shape[2] != 3:
        return img.copy()
    if measured is None:
        return neutralize_background(img, progress=progress)
    offsets = measured.get("offsets")
    if offsets is None:  # measured on a mono image: nothing to neutralise
        return img.copy()
    report(progress, 0.0)
    out = with_channel_constants(np.subtract, img, np.asarray(offsets, np.float64))
    report(progress, 1.0)
    return out


def _neutralize_measure(img: np.ndarray) -> dict:
    """{"offsets": per-channel shift b_c - mean(b)} of the automatic sky sample (None: mono)."""
    img = as_image(img)
    if img.ndim == 2 or img.shape[2] != 3:
        return {"offsets": None}
    b = np.nanmedian(_background_sample(img, None), axis=0)
    if not np.isfinite(b).all():
        raise ValueError(M_("the background sample has no valid pixels"))
    return {"offsets": tuple(float(v) for v in b - b.mean())}


register(
    FilterSpec(
        id="saturation",
        name="Saturation",
        func=saturation,
        params=(
            Param("amount", "float", 1.0, label="Saturation", min=0.0, max=5.0, step=0.01,
                  doc="0 grey, 1 unchanged, above 1 more vivid."),
        ),
        doc="More or less vivid colour at the same brightness.",
    )
)

def _color_balance_layer(
    img: np.ndarray, red: float = 1.0, green: float = 1.0, blue: float = 1.0, *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Registered form: mono images pass through unchanged."""
    img = as_image(img)
    if img.ndim == 2 or img.shape[2] != 3:
        return img.copy()
    return color_balance(img, red, green, blue, progress=progress)


register(
    FilterSpec(
        id="color_balance",
        name="Color Balance",
        func=_color_balance_layer,
        params=tuple(
            Param(name, "float", 1.0, label=f"{name.capitalize()} gain", min=0.0, max=10.0,
                  step=0.001, log_scale=True)
            for name in ("red", "green", "blue")
        ),
        doc="Multiply each colour channel by a gain (white balance of linear data).",
    )
)

register(
    FilterSpec(
        id="neutralize_background",
        name="Neutralize Background",
        func=_neutralize_auto,
        doc="Shift the channels so the sky background is grey (automatic sky sample).",
        extra={"measure": _neutralize_measure},
    )
)
