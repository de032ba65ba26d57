"""Colour (one-shot-colour, Bayer) camera frames: which mosaic they are, and their colour picture.

A colour camera sends a mono mosaic whose FITS header names the colour filter pattern
(``BAYERPAT``, shifted by ``XBAYROFF``/``YBAYROFF``). Live view and live stacking show and stack
such frames debayered, as SharpCap does; the saved frame stays the raw mosaic (stackers want it).

The header is read as :mod:`editor.io` (and Siril) read a FITS file: BAYERPAT with its offsets
is the pattern of the picture's top row (the last stored row when ROWORDER = 'BOTTOM-UP', see
:mod:`editor.io.bayer_fits`). A frame from the camera is kept in its stored order (live view
shows mono and colour frames alike, rows as the camera sent them); ``top_first=True`` gives the
rows and pattern exactly as ``editor.io.open_image(path, debayer=True)`` returns them. Either way every pixel gets the
same colour, and the demosaic is the project's one (:func:`editor.io.debayer.debayer_bilinear`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from editor.acquisition.live_stack import normalise
from editor.io.bayer_fits import row_order
from editor.io.debayer import debayer_bilinear, flip_rows_pattern, normalise_pattern, shift_pattern


def _int_card(header: Mapping[str, Any], key: str) -> int:
    try:
        return int(header.get(key, 0) or 0)
    except (TypeError, ValueError):  # a malformed offset card: the FITS default
        return 0


def is_bottom_up(header: Mapping[str, Any]) -> bool:
    """True when the file stores its bottom row first (FITS default; ROWORDER = 'TOP-DOWN' not)."""
    return str(header.get("ROWORDER", "BOTTOM-UP")).strip().upper() != "TOP-DOWN"


def mosaic_pattern(header: Mapping[str, Any], height: int | None = None, *,
                   top_first: bool = False) -> str | None:
    """The Bayer pattern (e.g. ``"RGGB"``) of a frame's array, or None for a mono frame.

    Parameters
    ----------
    header
        The frame's FITS cards (BAYERPAT, XBAYROFF, YBAYROFF, ROWORDER).
    height
        Rows of the mosaic; needed with ``top_first``.
    top_first
        False: the pattern of the array in the file's stored row order (a camera frame as it
        arrived). True: of the array turned top row first, as editor.io returns it.
    """
    pattern = normalise_pattern(header.get("BAYERPAT", ""))
    if pattern is None:
        return None
    pattern = shift_pattern(pattern, _int_card(header, "XBAYROFF"), _int_card(header, "YBAYROFF"))
    # As Siril reads it (editor.io.bayer_fits): BAYERPAT is the top row's pattern, so it is the
    # stored first row's unless ROWORDER says BOTTOM-UP; without ROWORDER open_image shows the
    # file bottom-up, so the top-first pattern is the flipped one.
    order = row_order(header)
    if (top_first and order is None) or (not top_first and order == "BOTTOM-UP"):
        if height is None:
            raise ValueError("the mosaic's height is needed for this pattern")
        pattern = flip_rows_pattern(pattern, height)
    return pattern


def debayer_frame(data: np.ndarray, header: Mapping[str, Any]) -> np.ndarray | None:
    """(H, W, 3) float32 colour picture, 0..1 of the camera's full scale, of a colour frame.

    ``data`` is the mosaic as it arrived (stored row order, camera integers or floats). Returns
    None for frames that are not a Bayer mosaic (mono, or already in colour).
    """
    arr = np.asarray(data)
    if arr.ndim != 2:
        return None
    pattern = mosaic_pattern(header, arr.shape[0])
    if pattern is None:
        return None
    return debayer_bilinear(normalise(arr), pattern)

