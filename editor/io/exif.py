"""Camera fields (camera, ISO, exposure, date, lens, focal length) from EXIF/TIFF tags.

Most RAW formats (CR2, NEF, ARW, DNG, ORF, PEF, KDC...) are TIFF containers, so tifffile reads
their tags without decoding pixels; for the others (CR3, RAF) the embedded JPEG preview's
EXIF is used when present.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

# TIFF/EXIF tag name -> our field name
_FIELDS = {
    "Model": "camera", "Make": "make", "ISOSpeedRatings": "iso", "PhotographicSensitivity": "iso",
    "ISOSpeed": "iso", "ExposureTime": "exposure", "DateTimeOriginal": "date",
    "DateTime": "date_modified", "LensModel": "lens", "LensMake": "lens_make",
    "FocalLength": "focal_length", "FNumber": "f_number", "Software": "software",
    "BodySerialNumber": "serial", "CameraSerialNumber": "serial", "Artist": "artist",
    "Copyright": "copyright", "ImageDescription": "description",
}


def _plain(value: Any) -> Any:
    """Rationals as floats, bytes as text, single-item tuples unwrapped."""
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return float(Fraction(value[0], value[1])) if value[1] else None
    if isinstance(value, (tuple, list)) and len(value) == 1:
        return _plain(value[0])
    if isinstance(value, bytes):
        return value.rstrip(b"\x00").decode("utf-8", "replace").strip()
    if isinstance(value, str):
        return value.rstrip("\x00").strip()
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        return float(value.numerator) / float(value.denominator) if value.denominator else None
    return value


def camera_fields(tags: Mapping[str, Any]) -> dict[str, Any]:
    """Pick and normalise the fields users care about from a {tag name: value} mapping."""
    out: dict[str, Any] = {}
    for name, field in _FIELDS.items():
        if name in tags and field not in out:
            value = _plain(tags[name])
            if value not in (None, "", ()):
                out[field] = value
    make = str(out.pop("make", "") or "")
    model_words = str(out.get("camera", "")).lower().split()
    if model_words and make and model_words[0] not in make.lower().split():
        out["camera"] = f"{make} {out['camera']}"
    if "date" not in out and "date_modified" in out:
        out["date"] = out["date_modified"]
    out.pop("date_modified", None)
    return out


def exif_from_tiff(path: Path) -> dict[str, Any]:
    """Camera fields of a TIFF-based file (TIFF, CR2, NEF, DNG...); {} for other containers."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            tags: dict[str, Any] = {t.name: t.value for t in page.tags.values()
                                    if t.name not in ("StripOffsets", "StripByteCounts",
                                                      "TileOffsets", "TileByteCounts")}
            exif = tags.pop("ExifTag", None)
            if isinstance(exif, dict):
                tags.update(exif)
    except (tifffile.TiffFileError, OSError, ValueError, KeyError, IndexError, struct_error()):
        return {}
    return camera_fields(tags)


def exif_from_jpeg_bytes(data: bytes) -> dict[str, Any]:
    """Camera fields from the EXIF block of an in-memory JPEG (e.g. a RAW's preview)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as pil:
            return exif_from_pillow(pil)
    except (UnidentifiedImageError, OSError, ValueError):
        return {}


def exif_from_pillow(pil: Any) -> dict[str, Any]:
    from PIL import ExifTags

    exif = pil.getexif()
    tags = {ExifTags.TAGS.get(k, str(k)): v for k, v in exif.items()}
    tags.update({ExifTags.TAGS.get(k, str(k)): v
                 for k, v in exif.get_ifd(ExifTags.IFD.Exif).items()})
    return camera_fields(tags)


def struct_error() -> type[Exception]:
    import struct

    return struct.error


# --- writing: the camera fields of a RAW (or TIFF/JPEG) source into exported files ------------

def _rational(value: Any, limit: int = 1_000_000) -> tuple[int, int] | None:
    try:
        frac = Fraction(float(value)).limit_denominator(limit)
    except (TypeError, ValueError, OverflowError):
        return None
    return (frac.numerator, frac.denominator) if frac.denominator > 0 and frac >= 0 else None


def _exif_date(value: Any) -> str | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" from EXIF or ISO 8601 text."""
    import re

    m = re.match(r"\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})", str(value))
    return f"{m[1]}:{m[2]}:{m[3]} {m[4]}:{m[5]}:{m[6]}" if m else None


def _ascii(value: Any) -> str:
    from editor.io.fits_header import ascii_card_value

    return ascii_card_value(str(value))[:255]


def export_fields(fields: Mapping[str, Any]) -> list[tuple[int, str, Any]]:
    """(EXIF tag number, kind, value) for the camera fields users care about; kind is
    "ascii", "rational" or "short". Tags 271/272/306 live in IFD0, the others in the Exif IFD."""
    out: list[tuple[int, str, Any]] = []
    camera = str(fields.get("camera", "") or "").strip()
    if camera:
        out += [(271, "ascii", _ascii(camera.split()[0])), (272, "ascii", _ascii(camera))]
    date = _exif_date(fields.get("date", ""))
    if date:
        out += [(306, "ascii", date), (36867, "ascii", date)]
    for tag, key in ((33434, "exposure"), (33437, "f_number"), (37386, "focal_length")):
        value = _rational(fields.get(key)) if fields.get(key) not in (None, "") else None
        if value:
            out.append((tag, "rational", value))
    try:
        iso = int(round(float(fields.get("iso", 0) or 0)))
    except (TypeError, ValueError):
        iso = 0
    if 0 < iso < 65536:
        out.append((34855, "short", iso))
    if fields.get("lens"):
        out.append((42036, "ascii", _ascii(fields["lens"])))
    return out


def exif_block(fields: Mapping[str, Any]) -> bytes | None:
    """An EXIF block (piexif) for a JPEG export; None when there is nothing to say."""
    import piexif

    zeroth: dict[int, Any] = {}
    exif: dict[int, Any] = {}
    for tag, kind, value in export_fields(fields):
        (zeroth if tag in (271, 272, 306) else exif)[tag] = (
            value.encode("ascii") if kind == "ascii" else value)
    if not zeroth and not exif:
        return None
    return piexif.dump({"0th": zeroth, "Exif": exif})


_IFD0_TAGS = (271, 272, 306)
_EXIF_IFD = 34665
# tifffile refuses to write tag 34665 itself: a placeholder right after it (so IFD0 stays sorted
# once renamed) holds the slot, and append_exif_ifd turns it into the real Exif pointer.
_PLACEHOLDER = 34666


def tiff_extratags(fields: Mapping[str, Any]) -> list[tuple[int, int, int, Any, bool]]:
    """tifffile ``extratags`` for the first IFD: Make, Model, DateTime, and a placeholder
    Exif-IFD pointer that :func:`append_exif_ifd` fills in after the file is written."""
    tags: list[tuple[int, int, int, Any, bool]] = []
    exif_only = False
    for tag, kind, value in export_fields(fields):
        if tag in _IFD0_TAGS:
            tags.append((tag, 2, 0, value, True))
        else:
            exif_only = True
    if exif_only:
        tags.append((_PLACEHOLDER, 4, 1, 0, True))
    return tags


def append_exif_ifd(path: str | Path, fields: Mapping[str, Any]) -> None:
    """Write the Exif-only fields (exposure, f-number, ISO, original date, focal length, lens)
    as a standard Exif IFD at the end of a classic TIFF written with :func:`tiff_extratags`,
    and point IFD0's Exif tag at it (tifffile writes no Exif IFD itself)."""
    import struct

    import tifffile

    entries = sorted((t, k, v) for t, k, v in export_fields(fields) if t not in _IFD0_TAGS)
    if not entries:
        return
    with tifffile.TiffFile(path) as tif:
        if tif.is_bigtiff:
            return  # the pointer is 8 bytes there; such files keep Make/Model/DateTime only
        pointer = tif.pages.first.tags.get(_PLACEHOLDER)
        if pointer is None:
            return
        order, where = tif.byteorder, pointer.valueoffset - 8  # the entry: tag, type, count, value
    size = Path(path).stat().st_size
    start = size + (size % 2)  # IFDs begin on a word boundary
    data_at = start + 2 + 12 * len(entries) + 4
    table, data = [], b""
    for tag, kind, value in entries:
        if kind == "ascii":
            raw, type_, count = value.encode("ascii") + b"\0", 2, len(value) + 1
        elif kind == "rational":
            raw, type_, count = struct.pack(order + "II", *value), 5, 1
        else:
            raw, type_, count = struct.pack(order + "H", value), 3, 1
        if len(raw) <= 4:
            field = raw.ljust(4, b"\0")
        else:
            field = struct.pack(order + "I", data_at + len(data))
            data += raw + (b"\0" if len(raw) % 2 else b"")
        table.append(struct.pack(order + "HHI", tag, type_, count) + field)
    ifd = struct.pack(order + "H", len(entries)) + b"".join(table) + struct.pack(order + "I", 0)
    with open(path, "r+b") as fh:
        fh.seek(size)
        fh.write(b"\0" * (start - size) + ifd + data)
        fh.seek(where)
        fh.write(struct.pack(order + "HHII", _EXIF_IFD, 4, 1, start))
