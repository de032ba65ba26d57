"""Bayer keywords in FITS files, read and written the way Siril does.

What Siril (1.0 to 1.4, ``src/algos/demosaicing.c``: ``get_bayer_pattern`` /
``adjust_Bayer_pattern``; ``src/io/image_formats_libraries.c``: ``readraw_in_cfa``) does:

* ``BAYERPAT`` (``RGGB``, ``BGGR``, ``GRBG``, ``GBRG``; case ignored; ``NONE``/other values
  mean "no mosaic") names the colours of the 2x2 cell at the top-left of the picture as the
  sensor reads it out, i.e. of the image read **top-down**.
* ``XBAYROFF``/``YBAYROFF`` (default 0) shift that cell: pixel (x, y) has the colour of the
  declared pattern at ((x + XBAYROFF) mod 2, (y + YBAYROFF) mod 2).
* ``ROWORDER = 'BOTTOM-UP'``: the rows are stored bottom row first (Siril stores a raw this way,
  and writes exactly these keywords when it converts a camera RAW to a CFA FITS), so the
  pattern belongs to the **last** stored row; the first stored row has the pattern shifted by
  (height - 1) rows (a row swap when the height is even, nothing when it is odd).
* ``ROWORDER = 'TOP-DOWN'``: the pattern belongs to the first stored row.
* no ``ROWORDER``: Siril's default preference ("from the header, else top-down") takes the
  pattern as that of the first stored row, as camera drivers that predate the keyword meant it.

Nebulayer returns every FITS top row first (a file without ``ROWORDER`` or with
``BOTTOM-UP`` is flipped, see :mod:`editor.io`), so the pattern of the returned array is:

=================  =========================================================
ROWORDER           pattern of the top-first array
=================  =========================================================
``TOP-DOWN``       BAYERPAT shifted by the offsets
``BOTTOM-UP``      BAYERPAT shifted by the offsets (the file was flipped back)
absent             BAYERPAT shifted by the offsets, then by (height - 1) rows
=================  =========================================================

Writing: Nebulayer always writes ``ROWORDER`` with a mosaic, and ``BAYERPAT`` = the pattern of
the top row of the picture with ``XBAYROFF = YBAYROFF = 0``, whatever the stored row order:
with either ``ROWORDER`` that is what Siril (and Nebulayer) reads back. (X-Trans and other
non-2x2 patterns are not handled here.)
"""

from __future__ import annotations

from typing import Any, Mapping

from editor.io.debayer import flip_rows_pattern, normalise_pattern, shift_pattern
from editor.locale import _


def _int_card(values: Mapping[str, Any], key: str) -> int:
    try:
        return int(float(values.get(key, 0) or 0))
    except (TypeError, ValueError):
        return 0  # a malformed offset is treated as absent, as Siril's default


def row_order(values: Mapping[str, Any]) -> str | None:
    """``"TOP-DOWN"``, ``"BOTTOM-UP"`` or None when the header has no (valid) ROWORDER."""
    text = str(values.get("ROWORDER", "") or "").strip().upper()
    return text if text in ("TOP-DOWN", "BOTTOM-UP") else None


def top_first_pattern(values: Mapping[str, Any], height: int) -> str | None:
    """The Bayer pattern of a FITS mosaic once Nebulayer has put its top row first.

    ``values`` is the header as a dict, ``height`` the number of rows. None when the header
    declares no 2x2 RGB pattern.
    """
    pattern = normalise_pattern(values.get("BAYERPAT", ""))
    if pattern is None:
        return None
    pattern = shift_pattern(pattern, _int_card(values, "XBAYROFF"), _int_card(values, "YBAYROFF"))
    if row_order(values) is None:
        # The pattern is that of the first stored row, which Nebulayer shows at the bottom.
        pattern = flip_rows_pattern(pattern, height)
    return pattern


def bayer_cards(top_pattern: str) -> dict[str, Any]:
    """BAYERPAT/XBAYROFF/YBAYROFF for a mosaic whose top-first pattern is ``top_pattern``,
    valid with either ROWORDER (which the writer always adds)."""
    pattern = normalise_pattern(top_pattern)
    if pattern is None:
        raise ValueError(_("unsupported Bayer pattern {top_pattern!r}").format(top_pattern=top_pattern))
    return {"BAYERPAT": pattern, "XBAYROFF": 0, "YBAYROFF": 0}
