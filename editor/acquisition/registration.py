"""Translation registration for live stacking: ``filters.register_translation`` / ``shift_image``.

The filters package owns the algorithm (filters.align). If an installation lacks it, this
module falls back to the same contract with numpy's FFT (phase correlation with a sub-pixel
peak fit) and scipy's spline shift:

``register_translation(reference, moving) -> (dy, dx)``: how far ``moving`` is shifted
relative to ``reference``; ``shift_image(moving, -dy, -dx)`` lays it on ``reference``, with
NaN where nothing came in.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def _phase_correlation(reference: np.ndarray, moving: np.ndarray) -> tuple[float, float]:
    ref = np.nan_to_num(np.asarray(reference, dtype=np.float32))
    mov = np.nan_to_num(np.asarray(moving, dtype=np.float32))
    # a Hann window keeps the image borders from dominating the correlation
    win = np.outer(np.hanning(ref.shape[0]), np.hanning(ref.shape[1])).astype(np.float32)
    fr = np.fft.rfft2((ref - ref.mean()) * win)
    fm = np.fft.rfft2((mov - mov.mean()) * win)
    cross = fm * np.conj(fr)
    cross /= np.abs(cross) + 1e-12
    corr = np.fft.irfft2(cross, s=ref.shape)
    py, px = np.unravel_index(int(np.argmax(corr)), corr.shape)
    h, w = corr.shape

    def refine(c_minus: float, c0: float, c_plus: float) -> float:
        denom = c_minus - 2 * c0 + c_plus
        return 0.0 if denom == 0 else 0.5 * (c_minus - c_plus) / denom

    dy = py + refine(corr[(py - 1) % h, px], corr[py, px], corr[(py + 1) % h, px])
    dx = px + refine(corr[py, (px - 1) % w], corr[py, px], corr[py, (px + 1) % w])
    if dy > h / 2:
        dy -= h
    if dx > w / 2:
        dx -= w
    return float(dy), float(dx)


def _shift(img: np.ndarray, dy: float, dx: float, *, order: int = 3) -> np.ndarray:
    """Move the content by (dy, dx) pixels; what comes in from outside the frame is NaN."""
    out = ndimage.shift(np.asarray(img, dtype=np.float32), (dy, dx), order=order,
                        mode="constant", cval=np.nan)
    return out.astype(np.float32, copy=False)


try:  # the shared implementation
    from filters import register_translation, shift_image
except ImportError:  # an older filters package without alignment
    register_translation = _phase_correlation
    shift_image = _shift


def overlap_mask(shape: tuple[int, int], dy: float, dx: float) -> np.ndarray:
    """True where a frame shifted by (dy, dx) still has data of its own."""
    h, w = shape
    mask = np.zeros(shape, dtype=bool)
    y0, y1 = int(np.ceil(max(dy, 0))), int(np.floor(min(h, h + dy)))
    x0, x1 = int(np.ceil(max(dx, 0))), int(np.floor(min(w, w + dx)))
    if y1 > y0 and x1 > x0:
        mask[y0:y1, x0:x1] = True
    return mask
