"""Writing FITS files: 32-bit float by default, header kept, HISTORY of what was done.

Rows are written in the order the header asks for: ``ROWORDER = 'TOP-DOWN'`` keeps our
top-first order, anything else (the FITS standard) writes the bottom row first and records
``ROWORDER = 'BOTTOM-UP'``. Re-reading a file we wrote therefore gives the same array, the
same way up, bit for bit, and WCS/Bayer keywords copied from the source stay valid.
"""

from __future__ import annotations

import re

import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
from astropy.io import fits
from astropy.io.fits.verify import VerifyWarning

from editor.errors import ImageWriteError
from editor.io.atomic import atomic_path
from editor.io.fits_header import build_header, utc_now_iso
from editor.io.image import ImageMeta
from editor.locale import _

_INTEGER_DTYPES = (np.uint8, np.int16, np.uint16, np.int32, np.uint32)


def _to_fits_layout(data: np.ndarray, bottom_up: bool) -> np.ndarray:
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[:, :, 0]
    if data.ndim == 3:
        if data.shape[2] != 3:
            raise ValueError(f"expected 1 or 3 channels, got {data.shape[2]}")
        data = np.moveaxis(data, 2, 0)  # 3 x H x W planes, as Siril and PixInsight write
        return np.ascontiguousarray(data[:, ::-1] if bottom_up else data)
    if data.ndim != 2:
        raise ValueError(f"expected an (H, W) or (H, W, 3) array, got shape {data.shape}")  # untranslated: a programming error
    return np.ascontiguousarray(data[::-1] if bottom_up else data)


def _stored_dtype(data: np.ndarray) -> np.ndarray:
    if data.dtype.kind == "f":
        return data.astype(np.float32, copy=False)
    if data.dtype.type in _INTEGER_DTYPES:
        return data
    raise ValueError(f"cannot store {data.dtype} samples in FITS")  # untranslated: a programming error


def write_fits_file(path: str | Path, data: np.ndarray,
                    header: Mapping[str, Any] | fits.Header | None = None,
                    history: Iterable[str] = (), comments: Mapping[str, str] | None = None) -> None:
    """Write ``data`` (top row first) to ``path`` directly (not atomic; see :func:`write_fits`)."""
    hdr = build_header(header, comments, history)
    bottom_up = str(hdr.get("ROWORDER", "BOTTOM-UP")).strip().upper() != "TOP-DOWN"
    stored = _stored_dtype(_to_fits_layout(np.asarray(data), bottom_up))
    # untranslated: header comments and HISTORY stay English, a FITS convention (ASCII cards
    # that every FITS tool and reader of any language shares); the notes are English data too.
    hdr["ROWORDER"] = ("BOTTOM-UP" if bottom_up else "TOP-DOWN", "order of the rows in the file")
    hdr["DATE"] = (utc_now_iso(), "UTC date this file was written")  # untranslated: FITS comment
    hdu = fits.PrimaryHDU(data=stored, header=hdr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VerifyWarning)
        hdu.writeto(path, overwrite=True, checksum=True, output_verify="silentfix")


def write_fits(path: str | Path, data: np.ndarray,
               header: Mapping[str, Any] | fits.Header | None = None,
               history: Iterable[str] | None = None,
               comments: Mapping[str, str] | None = None) -> None:
    """Write a FITS file atomically (the old file stays whole if anything fails).

    Parameters
    ----------
    data : ndarray
        (H, W) or (H, W, 3), top row first. Floats are stored as 32-bit float; uint8, int16,
        uint16, int32, uint32 are stored as such (uint16 as BITPIX 16 with BZERO 32768, the
        usual camera format).
    header : dict or astropy Header, optional
        Picture keywords (OBJECT, EXPTIME, DATE-OBS, BAYERPAT...); structural ones are ignored.
    history : list of str, optional
        Lines appended as HISTORY cards.
    """
    history = list(history or [])
    try:
        with atomic_path(path) as tmp:
            write_fits_file(tmp, data, header, history, comments)
    except (OSError, ValueError, TypeError) as exc:
        raise ImageWriteError(path, _("cannot write FITS: {exc}").format(exc=exc)) from exc


def export_history(meta: ImageMeta | None, what: str) -> list[str]:
    """HISTORY lines for an export: where the pixels came from, what was done, this write."""
    from editor._version import __version__

    # untranslated: FITS HISTORY is English (a file-format convention: ASCII cards every tool reads);
    # reader notes (editor.locale.D_ texts) are English strings, translated only where shown.
    lines: list[str] = []
    if meta is not None:
        if meta.path:
            lines.append(f"Nebulayer: source {Path(meta.path).name} ({meta.format})")  # untranslated: HISTORY
        lines += [f"Nebulayer: {note}" for note in meta.notes]
        lines += [f"Nebulayer: {step}" for step in meta.extra.get("history", [])]
    lines.append(f"Nebulayer {__version__}: written {utc_now_iso()} UTC as {what}")  # untranslated: HISTORY
    return lines


def write_fits_export(path: Path, data: np.ndarray, *, bits: int | None = None,
                      meta: ImageMeta | None = None) -> None:
    """Writer used by ``export_image``: 32-bit float (default), or 16/8-bit integers 0..1 clipped."""
    data = np.asarray(data)
    if bits in (None, 32):
        stored, what = data.astype(np.float32, copy=False), "32-bit float"  # untranslated: HISTORY
    elif bits in (8, 16):
        dtype = np.uint8 if bits == 8 else np.uint16
        peak = np.iinfo(dtype).max
        clean = np.nan_to_num(data.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        stored = np.rint(np.clip(clean, 0.0, 1.0) * peak).astype(dtype)
        what = f"{bits}-bit unsigned integer (0..1 clipped, scaled by {peak})"  # untranslated: HISTORY
    else:
        raise ValueError(_("FITS export supports 8, 16 or 32 bits, not {bits}").format(bits=bits))
    header = dict(meta.header) if meta is not None else {}
    comments = meta.extra.get("fits_comments") if meta is not None else None
    if meta is not None and not header and meta.exif:
        header = exif_to_fits(meta.exif)
    if meta is not None and meta.bayer_pattern and stored.ndim == 2:
        header.update(bayer_cards(meta.bayer_pattern, stored.shape[0], header))
    write_fits_file(path, stored, header, export_history(meta, what), comments)


def bayer_cards(top_first_pattern: str, height: int, header: Mapping[str, Any]) -> dict[str, Any]:
    """BAYERPAT/offsets for a mosaic whose top-first pattern is known: as Siril reads them,
    the top row's pattern with either ROWORDER (see :mod:`editor.io.bayer_fits`)."""
    from editor.io.bayer_fits import bayer_cards as siril_bayer_cards

    return siril_bayer_cards(top_first_pattern)


def exif_to_fits(exif: Mapping[str, Any]) -> dict[str, Any]:
    """Camera EXIF fields as the FITS keywords astro software reads (INSTRUME, EXPTIME...)."""
    mapping = {"camera": "INSTRUME", "exposure": "EXPTIME", "iso": "ISOSPEED",
               "date": "DATE-OBS", "focal_length": "FOCALLEN", "lens": "LENS"}
    out: dict[str, Any] = {}
    for src, key in mapping.items():
        if exif.get(src) not in (None, ""):
            out[key] = exif[src]
    if "DATE-OBS" in out:
        date = _iso_date(str(out["DATE-OBS"]))
        if date is None:
            del out["DATE-OBS"]  # an unreadable date would make the whole file invalid FITS
        else:
            out["DATE-OBS"] = date
    return out


_EXIF_DATE = re.compile(r"\s*(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?\s*$")


def _iso_date(text: str) -> str | None:
    """EXIF's "2019:06:06 07:29:51" as FITS's ISO 8601 "2019-06-06T07:29:51" (None if not
    a date)."""
    m = _EXIF_DATE.match(text)
    if m is None or m.group(1) == "0000":
        return None
    day = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return day if m.group(4) is None else f"{day}T{m.group(4)}"
