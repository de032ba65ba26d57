"""Bayer (colour filter array) helpers: pattern bookkeeping and a bilinear demosaic.

A pattern is a 4-letter string such as ``"RGGB"``: the colours of the top-left, top-right,
bottom-left and bottom-right pixels of the 2x2 cell that starts at the array's first pixel.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

PATTERNS = ("RGGB", "BGGR", "GRBG", "GBRG")


def normalise_pattern(text: str) -> str | None:
    """``"rggb"`` -> ``"RGGB"``; None for anything that is not a 2x2 RGB Bayer pattern."""
    text = str(text).strip().upper()
    return text if text in PATTERNS else None


def shift_pattern(pattern: str, dx: int = 0, dy: int = 0) -> str:
    """The pattern seen from a cell starting ``dx`` columns right and ``dy`` rows down.

    This is how XBAYROFF/YBAYROFF are applied: pixel (x, y) has the colour of the declared
    pattern at ((x + XBAYROFF) mod 2, (y + YBAYROFF) mod 2).
    """
    cell = [[pattern[0], pattern[1]], [pattern[2], pattern[3]]]
    dx, dy = dx % 2, dy % 2
    return "".join(cell[(r + dy) % 2][(c + dx) % 2] for r in (0, 1) for c in (0, 1))


def flip_rows_pattern(pattern: str, height: int) -> str:
    """The pattern of the same mosaic after flipping its ``height`` rows upside down."""
    # New row 0 is old row height-1: the same cell if height is odd, the other row if even.
    return shift_pattern(pattern, 0, height - 1)


_KERNEL_G = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], dtype=np.float32) / 4
_KERNEL_RB = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 4


def channel_masks(shape: tuple[int, int], pattern: str) -> dict[str, np.ndarray]:
    """Boolean masks of the R, G and B photosites of a mosaic of ``shape``."""
    h, w = shape
    masks = {c: np.zeros((h, w), dtype=bool) for c in "RGB"}
    for i, colour in enumerate(pattern):
        r, c = divmod(i, 2)
        masks[colour][r::2, c::2] = True
    return masks


def debayer_bilinear(cfa: np.ndarray, pattern: str) -> np.ndarray:
    """Demosaic a 2-D float mosaic into (H, W, 3) by bilinear interpolation.

    Each colour plane keeps its measured photosites and fills the others with the mean of the
    nearest photosites of that colour (normalised convolution, so image borders are right).
    Values are not clipped; a NaN photosite makes its neighbours NaN (missing stays missing).
    """
    pattern = normalise_pattern(pattern) or pattern
    if pattern not in PATTERNS:
        raise ValueError(f"unsupported Bayer pattern {pattern!r}")
    cfa = np.asarray(cfa, dtype=np.float32)
    out = np.empty(cfa.shape + (3,), dtype=np.float32)
    for index, (colour, mask) in enumerate(channel_masks(cfa.shape, pattern).items()):
        kernel = _KERNEL_G if colour == "G" else _KERNEL_RB
        weight = mask.astype(np.float32)
        summed = ndimage.convolve(np.where(mask, cfa, 0.0).astype(np.float32), kernel,
                                  mode="constant")
        norm = ndimage.convolve(weight, kernel, mode="constant")
        plane = summed / norm
        plane[mask] = cfa[mask]  # measured photosites are kept exactly
        out[..., index] = plane
    return out
