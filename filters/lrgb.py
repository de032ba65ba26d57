"""Channel combination: R, G, B frames into colour, and a luminance frame into colour (LRGB)."""

from __future__ import annotations

import numpy as np

from filters._common import as_image, luminance, report
from filters.messages import M_
from filters.align import align_to
from filters.channel_norm import normalize_channels
from filters.colour import lab_to_rgb, rgb_to_lab
from filters.registry import ProgressCallback


def rgb_combine(
    r: np.ndarray, g: np.ndarray, b: np.ndarray, *, align: bool = False,
    normalize: str = "auto",
) -> np.ndarray:
    """Stack three mono frames (through red, green and blue filters) into one colour image.

    With ``align=True`` the red and blue frames are first shifted onto the green one with
    sub-pixel accuracy (:func:`filters.register_translation`), which removes the coloured
    fringes around stars; pixels shifted in from outside are NaN (missing).

    ``normalize`` ("auto", "on", "off"): match the frames' backgrounds and scales first
    (:mod:`filters.channel_norm`; "auto" does it only for frames in very different units).

    Raises
    ------
    ValueError
        If a frame is not mono or the sizes differ (the message names the shapes).
    """
    frames = [as_image(x, name) for x, name in ((r, "r"), (g, "g"), (b, "b"))]
    for x, name in zip(frames, "rgb"):
        if x.ndim != 2:
            raise ValueError(M_("{name} must be a mono (H, W) frame, got shape {shape}", name=name, shape=x.shape))
    if len({x.shape for x in frames}) != 1:
        raise ValueError(
            M_("the frames differ in size: {sizes}", sizes=", ".join(f"{n} {x.shape}" for n, x in zip("rgb", frames)))
        )
    if align:
        frames = [align_to(frames[1], frames[0]), frames[1], align_to(frames[1], frames[2])]
    frames = normalize_channels(frames, normalize)
    return np.stack(frames, axis=-1).astype(np.float32, copy=False)


def lrgb_combine(
    L: np.ndarray,
    rgb: np.ndarray,
    *,
    weight: float = 1.0,
    saturation: float = 1.0,
    method: str = "ratio",
    align: bool = False,
    normalize: str = "off",
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Put the detail of a luminance frame into a colour image without shifting hues.

    ``method="ratio"`` (default, for linear data): every pixel's R, G and B are multiplied by
    the same factor ``L / Y`` (Y = the colour image's own luminance), so the colour ratios,
    hence hue and saturation, stay exactly those of the RGB data while the brightness and
    detail come from L. This is physically right on linear data, where light adds.
    ``method="lab"`` (for stretched data, as PixInsight's LRGBCombination): CIE L*a*b*, the
    lightness L* is replaced and a*, b* kept; perceptually even, but on linear data it
    changes colour ratios.

    Parameters
    ----------
    L : ndarray, (H, W)
        The luminance frame, same size as ``rgb``.
    rgb : ndarray, (H, W, 3)
    weight : float
        How much of L goes in: 1 = all of it, 0 = the RGB's own luminance (no change).
    saturation : float
        Chrominance gain around the new brightness: 1 keeps colour, 0 grey, > 1 more vivid.
    align : bool
        First shift ``rgb`` onto ``L`` (sub-pixel translation).
    normalize : str
        "off" (default: a colour image's balance is the user's), "auto" or "on": match the
        R, G, B channels' backgrounds and scales before the merge
        (:mod:`filters.channel_norm`); L is left as it is.

    Raises
    ------
    ValueError
        If L is not mono, rgb is not 3-channel, or the sizes differ.

    Notes
    -----
    ratio: ``L' = w L + (1 - w) Y``, ``c' = x_c L' / Y``, then ``out = L' + s (c' - L')``;
    pixels with ``Y <= 1e-6`` take the grey ``L'``.
    lab: ``L*' = w L*(L) + (1 - w) L*``, ``a*' = s a*``, ``b*' = s b*``.
    """
    lum = as_image(L, "L")
    col = as_image(rgb, "rgb")
    if lum.ndim != 2:
        raise ValueError(M_("{name} must be a mono (H, W) frame, got shape {shape}", name="L", shape=lum.shape))
    if col.ndim != 3 or col.shape[2] != 3:
        raise ValueError(M_("{what} needs an RGB (H, W, 3) image, got shape {shape}", what="rgb", shape=col.shape))
    if lum.shape != col.shape[:2]:
        raise ValueError(
            M_("the frames differ in size: {sizes}", sizes=f"L {lum.shape}, rgb {col.shape[:2]}")
        )
    if method not in ("ratio", "lab"):
        raise ValueError("method: " + M_("{value!r} is not one of {choices}", value=method, choices="ratio, lab"))
    report(progress, 0.0)
    if align:
        col = align_to(lum, col)
        report(progress, 0.5)
    if normalize != "off":
        planes = normalize_channels([col[..., c] for c in range(3)], normalize)
        col = np.stack(planes, axis=-1).astype(np.float32, copy=False)
    w, s = np.float32(weight), np.float32(saturation)
    if method == "lab":
        lab = rgb_to_lab(col)
        l_star = rgb_to_lab(np.repeat(lum[..., None], 3, axis=2))[..., 0]
        lab[..., 0] = w * l_star + (1 - w) * lab[..., 0]
        lab[..., 1:] *= s
        out = lab_to_rgb(lab)
    else:
        y = luminance(col)
        new = w * lum + (1 - w) * y
        ok = y > 1e-6
        with np.errstate(invalid="ignore", divide="ignore"):
            k = np.where(ok, new / y, np.float32(0)).astype(np.float32)
        out = col * k[..., None]
        grey = ~ok
        out[grey] = new[grey][:, None]
        if s != 1:
            out -= new[..., None]
            out *= s
            out += new[..., None]
    report(progress, 1.0)
    return out.astype(np.float32, copy=False)


