"""Screen stretch for the live view: linear camera data -> 8-bit, automatically.

The same idea as PixInsight's screen transfer function (STF) and SharpCap's auto-stretch:
black point at median - 2.8 x noise, then a midtones transfer that puts the sky background
at 25 % grey. Statistics come from a subsample, so a 5 MP frame stretches in a few ms.
It changes only what is shown, never the saved frame.

Colour (H, W, 3) pictures get one stretch for all three channels (linked, as PixInsight's
STF by default): the camera's colour balance is shown as it is. The black point sits below
the darkest channel's background (so a colour cast shows instead of one channel clipping to
black), the luminance background goes to 25 % grey, and white is the brightest channel.
"""

from __future__ import annotations

import numpy as np

from filters import midtones_transfer

TARGET_BACKGROUND = 0.25
SHADOW_SIGMAS = 2.8


def stretch_params(img: np.ndarray) -> tuple[float, float, float]:
    """(black, midtone, white) for :func:`auto_stretch_u8`, from the image's statistics."""
    arr = np.asarray(img)
    step = max(1, int(np.sqrt(arr.shape[0] * arr.shape[1] / 60_000)))
    sample = np.asarray(arr[::step, ::step], dtype=np.float32)
    if sample.ndim == 3:
        pixels = sample.reshape(-1, sample.shape[2])
        pixels = pixels[np.isfinite(pixels).all(axis=1)]
        if pixels.size == 0:
            return 0.0, 0.5, 1.0
        meds = np.median(pixels, axis=0)
        sigmas = 1.4826 * np.median(np.abs(pixels - meds), axis=0)
        med = float(np.median(pixels.mean(axis=1)))
        white = float(pixels.max())
        black = max(float(pixels.min()), float(np.min(meds - SHADOW_SIGMAS * sigmas)))
    else:
        sample = sample[np.isfinite(sample)]
        if sample.size == 0:
            return 0.0, 0.5, 1.0
        med = float(np.median(sample))
        sigma = float(1.4826 * np.median(np.abs(sample - med)))
        white = float(sample.max())
        black = max(float(sample.min()), med - SHADOW_SIGMAS * sigma)
    if white <= black:
        return black, 0.5, black + 1.0
    bg = (med - black) / (white - black)
    # the midtone m for which midtones_transfer(bg, m) == TARGET_BACKGROUND
    t = TARGET_BACKGROUND
    m = bg * (t - 1.0) / (2.0 * bg * t - bg - t) if bg > 0 else 0.5
    return black, float(np.clip(m, 1e-4, 0.9999)), white


def auto_stretch_u8(img: np.ndarray) -> np.ndarray:
    """uint8 image of the same shape, auto-stretched for display (NaN shows as black).

    ``img`` is mono (H, W) or colour (H, W, 3), camera integers or linear floats."""
    black, mid, white = stretch_params(img)
    arr = np.asarray(img)
    if arr.dtype in (np.uint8, np.uint16):
        # camera integers: stretch the 256 / 65536 possible values once, then look them up
        # (5x faster than stretching every pixel of a live-view frame)
        levels = np.arange(np.iinfo(arr.dtype).max + 1, dtype=np.float32)
        return _stretch(levels, black, mid, white)[arr]
    return _stretch(arr, black, mid, white)


def _stretch(img: np.ndarray, black: float, mid: float, white: float) -> np.ndarray:
    x = (np.asarray(img, dtype=np.float32) - black) / np.float32(white - black)
    x = np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0)
    y = midtones_transfer(x, mid)
    return (np.clip(y, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
