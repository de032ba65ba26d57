"""A look at a FITS file's header cards before astropy parses them.

astropy trusts ``NAXIS``: a damaged header saying ``NAXIS = 2147483648`` makes it loop over two
billion axes (minutes, then memory). The FITS standard allows at most 999 axes; this walk over
the raw 2880-byte blocks refuses anything else before astropy sees the file. It reads headers
only, skipping each HDU's data by its declared size, and stops at the first thing it cannot
follow (astropy then reports that damage in its own words).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import BinaryIO

from editor.locale import _

BLOCK = 2880
MAX_AXES = 999  # FITS standard 4.0, section 4.4.1.1
MAX_HDUS = 1000
MAX_HEADER_BLOCKS = 10_000  # ~360 000 cards: far beyond any real header

_INT = re.compile(rb"^\s*([+-]?\d+)")


def declared_problem(path: Path) -> str | None:
    """What is impossible in the declared structure (one phrase), or None."""
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if gz:
            with gzip.open(raw) as fh:  # skipping data would mean inflating it: first header only
                return _walk(fh, max_hdus=1)
        return _walk(raw, max_hdus=MAX_HDUS)


def declared_problem_in(fh: BinaryIO, max_hdus: int = MAX_HDUS) -> str | None:
    """:func:`declared_problem` for an open binary stream (e.g. FITS bytes inside a zip)."""
    return _walk(fh, max_hdus)


def _walk(fh: BinaryIO, max_hdus: int) -> str | None:
    for _hdu in range(max_hdus):  # not `_`: that is the translation function here
        cards: dict[bytes, bytes] = {}
        for _block in range(MAX_HEADER_BLOCKS):
            block = fh.read(BLOCK)
            if len(block) < BLOCK:
                return None  # truncated or done: astropy's to judge
            for i in range(0, BLOCK, 80):
                key = block[i:i + 8].rstrip()
                if key == b"END":
                    break
                if key in (b"NAXIS", b"BITPIX", b"PCOUNT", b"GCOUNT") or key.startswith(b"NAXIS"):
                    cards[key] = block[i + 10:i + 80]
            else:
                continue
            break
        else:
            return _("a header longer than {n} blocks").format(n=MAX_HEADER_BLOCKS)
        naxis = _int(cards.get(b"NAXIS"))
        if naxis is None:
            return None  # not a header astropy will accept either
        if not 0 <= naxis <= MAX_AXES:
            return _("header declares NAXIS = {naxis} (FITS allows 0 to {n})").format(naxis=naxis, n=MAX_AXES)
        size = 1 if naxis else 0
        for n in range(1, naxis + 1):
            dim = _int(cards.get(b"NAXIS%d" % n))
            if dim is None or dim < 0:
                return None
            size *= dim
        bitpix = abs(_int(cards.get(b"BITPIX")) or 8)
        pcount, gcount = _int(cards.get(b"PCOUNT")) or 0, _int(cards.get(b"GCOUNT")) or 1
        nbytes = bitpix // 8 * gcount * (pcount + size)
        if nbytes < 0:
            return None
        try:
            fh.seek(-(-nbytes // BLOCK) * BLOCK, 1)
        except (OSError, ValueError):
            return None
    return None


def _int(value: bytes | None) -> int | None:
    if value is None:
        return None
    m = _INT.match(value.split(b"/")[0])
    return int(m.group(1)) if m else None
