"""Bayer (colour filter array) helpers: pattern bookkeeping and demosaicing.

A pattern is a 4-letter string such as ``"RGGB"``: the colours of the top-left, top-right,
bottom-left and bottom-right pixels of the 2x2 cell that starts at the array's first pixel.

:func:`debayer` uses Malvar-He-Cutler (2004) gradient-corrected linear interpolation from
``colour-demosaicing`` (a maintained implementation): on a real picture mosaicked and rebuilt
it gives several dB more PSNR than bilinear (figures in the README). It is linear in the data
(no clipping, negative and >1 values pass through) and is run in horizontal strips, so memory
stays bounded on big frames. :func:`debayer_bilinear` is the fallback (``method="bilinear"``,
or when colour-demosaicing is missing).
"""

from __future__ import annotations

import numpy as np

from editor.locale import _

METHODS = ("malvar", "bilinear")
_STRIP_ROWS = 512  # rows per Malvar strip (even, so every strip starts on the same pattern)
_MARGIN = 4  # rows of context each side: the 5x5 kernels reach 2 rows, kept even

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
        raise ValueError(_("unsupported Bayer pattern {pattern!r}").format(pattern=pattern))
    from scipy import ndimage  # here: reading a FITS header must not pay scipy's import

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


def _malvar():
    import warnings

    with warnings.catch_warnings():
        # colour-science warns on import about optional packages it does not need here.
        warnings.simplefilter("ignore")
        from colour_demosaicing import demosaicing_CFA_Bayer_Malvar2004
    return demosaicing_CFA_Bayer_Malvar2004


def debayer_malvar(cfa: np.ndarray, pattern: str) -> np.ndarray:
    """Malvar-He-Cutler demosaic of a 2-D float mosaic into (H, W, 3) float32.

    NaN photosites (missing data) make their interpolated neighbours NaN, as in bilinear.
    """
    pattern = normalise_pattern(pattern) or pattern
    if pattern not in PATTERNS:
        raise ValueError(_("unsupported Bayer pattern {pattern!r}").format(pattern=pattern))
    malvar = _malvar()
    cfa = np.asarray(cfa, dtype=np.float32)
    missing = ~np.isfinite(cfa)
    source = np.where(missing, np.float32(0), cfa) if missing.any() else cfa
    # Pad by 2 (the kernels' reach) mirroring without the edge pixel, which keeps the colour
    # of every padded photosite right; scipy's own "reflect" border would not.
    padded = np.pad(source, 2, mode="reflect")
    h = cfa.shape[0]
    out = np.empty(cfa.shape + (3,), dtype=np.float32)
    for top in range(0, h, _STRIP_ROWS):
        bottom = min(h, top + _STRIP_ROWS)
        # Padded rows lo..hi hold image rows top-2-margin.. bottom+2+margin; lo is even, so
        # every strip starts on the same pattern cell as the padded array.
        lo, hi = max(0, top - _MARGIN), min(h + 4, bottom + 4 + _MARGIN)
        strip = malvar(padded[lo:hi], pattern)
        start = top + 2 - lo
        out[top:bottom] = strip[start:start + (bottom - top), 2:-2]
    if missing.any():
        from scipy import ndimage

        reach = ndimage.binary_dilation(missing, structure=np.ones((5, 5), dtype=bool))
        out[reach] = np.nan
    return out


def usable_method(method: str = "malvar") -> str:
    """``method`` if it can run here; "bilinear" when colour-demosaicing is not installed."""
    if method not in METHODS:
        raise ValueError(f"debayer method must be one of {METHODS}, not {method!r}")  # untranslated: a programming error
    if method == "malvar":
        try:
            _malvar()
        except ImportError:
            return "bilinear"
    return method


def debayer(cfa: np.ndarray, pattern: str, method: str = "malvar") -> np.ndarray:
    """Demosaic with ``method`` ("malvar", the default, or "bilinear"); see :func:`usable_method`."""
    if usable_method(method) == "malvar":
        return debayer_malvar(cfa, pattern)
    return debayer_bilinear(cfa, pattern)


def method_label(method: str) -> str:
    return {"malvar": "Malvar-He-Cutler", "bilinear": "bilinear"}[usable_method(method)]
