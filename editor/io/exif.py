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
