"""``nebulayer info FILE``: what a file holds, one field per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from editor.errors import ChoiceNeededError, UnsupportedFormatError
from editor.io.api import check_readable, open_image
from editor.io.budget import format_bytes
from editor.io.image import Image
from editor.locale import _, format_number, localise

FITS_KEYS = ("BZERO", "BSCALE", "OBJECT", "DATE-OBS", "EXPTIME", "EXPOSURE", "INSTRUME", "TELESCOP", "FILTER",
             "IMAGETYP", "BAYERPAT", "XBAYROFF", "YBAYROFF", "ROWORDER", "GAIN", "OFFSET",
             "CCD-TEMP", "XPIXSZ", "FOCALLEN", "RA", "DEC", "OBSERVER", "SWCREATE", "CREATOR")
EXIF_KEYS = ("camera", "lens", "iso", "exposure", "f_number", "focal_length", "date", "serial",
             "software")


def describe_file(path: str | Path, *, hdu: int | str | None = None, plane: int | None = None,
                  debayer: bool | str = False) -> str:
    """A plain-text description: format, size, channels, stored dtype, range, key metadata.

    ``hdu``/``plane``/``debayer`` describe that choice of a FITS file (see ``open_image``);
    a cube opened without a plane is described with its HDUs and the choice it needs.
    """
    path = Path(path)
    check_readable(path)
    size = path.stat().st_size
    lines = [_("file: {path}").format(path=path),
             _("file size: {size} ({bytes} bytes)").format(size=format_bytes(size), bytes=size)]
    hdus = _fits_hdus(path)
    big = _big_fits_image(path, hdu) if hdus else None
    if big is not None:  # headers only: never read (or refuse) gigabytes to describe them
        return "\n".join(lines + big + [f"HDU {line}" for line in hdus])
    try:
        image = _open_for_info(path, hdu=hdu, plane=plane, debayer=debayer)
    except (UnsupportedFormatError, ChoiceNeededError) as exc:
        if not hdus:
            raise
        what = _("needs a choice") if isinstance(exc, ChoiceNeededError) else _("no")
        lines += [_("format: {format}").format(format="FITS"),
                  _("opens as image: {answer} ({problem})").format(answer=what, problem=exc.problem)]
        lines += [f"HDU {line}" for line in hdus]
        lines += _fits_fields(_primary_header(path))
        return "\n".join(lines)
    lines += _image_lines(image)
    lines += [f"HDU {line}" for line in hdus]
    return "\n".join(lines)


def _open_for_info(path: Path, **choice: object) -> Image:
    try:
        # Raw ADU range and Bayer pattern are what a RAW user wants from `info`.
        return open_image(path, raw_mode="cfa", **choice)  # type: ignore[arg-type]
    except UnsupportedFormatError:
        if path.suffix.lower() in (".fits", ".fit", ".fts", ".fz", ".tif", ".tiff", ".png",
                                   ".jpg", ".jpeg", ".xisf"):
            raise
        return open_image(path, raw_mode="rgb", **choice)  # type: ignore[arg-type]


def _image_lines(image: Image) -> list[str]:
    meta = image.meta
    kind = {1: _("mono"), 3: "RGB"}.get(image.channels, _("{count} channels").format(count=image.channels))
    if meta.bayer_pattern:
        kind = _("mono CFA mosaic, Bayer {pattern} (top row first)").format(pattern=meta.bayer_pattern)
    lines = [_("format: {format}").format(format=meta.format),
             _("dimensions: {width} x {height} (W x H)").format(width=image.width, height=image.height),
             _("channels: {count} ({kind})").format(count=image.channels, kind=kind),
             _("dtype in file: {dtype}").format(dtype=meta.original_dtype)]
    if meta.data_range is not None:
        lines.append(_("data range: {low} .. {high}").format(low=_num(meta.data_range[0]),
                                                            high=_num(meta.data_range[1])))
    else:
        lines.append(_("data range: no finite values"))
    if meta.icc_profile:
        lines.append(_("ICC profile: {count} bytes").format(count=len(meta.icc_profile)))
    lines += _fits_fields(meta.header)
    lines += [f"{key}: {_num(meta.exif[key])}" for key in EXIF_KEYS if key in meta.exif]
    extra = meta.extra
    if "black_level_per_channel" in extra:
        lines.append(_("black level: {value}").format(value=extra["black_level_per_channel"]))
        lines.append(_("white level: {value}").format(value=extra["white_level"]))
        lines.append(_("raw type: {value}").format(value=extra["raw_type"]))
    lines += [_("note: {note}").format(note=localise(note)) for note in meta.notes]
    return lines


def _fits_fields(header: dict[str, Any]) -> list[str]:
    return [f"{key}: {header[key]}" for key in FITS_KEYS if key in header]


def _num(value: Any) -> str:
    """Six significant digits, with the language's decimal sign ("0,5" in French); very big or
    small values in exponent form, as Python writes them."""
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if "e" in text or "n" in text else format_number(float(text), grouping=False)
    return str(value)


def _is_fits(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(9) == b"SIMPLE  ="
    except OSError:
        return False


def _fits_hdus(path: Path) -> list[str]:
    """One line per HDU of a FITS file (empty list for other formats)."""
    if not _is_fits(path):
        return []
    from editor.io.fits_read import hdu_shape, open_hdul

    lines = []
    with open_hdul(path) as hdul:
        for index, hdu in enumerate(hdul):
            shape = " x ".join(str(n) for n in reversed(hdu_shape(hdu)))
            planes = [n for n in hdu_shape(hdu)[:-2] if n > 1]
            if planes:
                shape += f" ({int(np.prod(planes))} planes)"
            kind = "table" if not getattr(hdu, "is_image", False) else (
                "image" if hdu_shape(hdu) else "empty")
            bitpix = hdu.header.get("BITPIX", "?")
            lines.append(" ".join(f"{index}: {type(hdu).__name__} {hdu.name or ''} {kind} {shape} "
                                  f"BITPIX {bitpix}".split()))
    return lines


#: Files whose pixels are bigger than this are described from their headers alone (no range).
INFO_READ_LIMIT = 256 * 1024 * 1024


def _big_fits_image(path: Path, hdu: int | str | None) -> list[str] | None:
    """Description lines from the header of the image HDU ``info`` would show, when its
    pixels exceed INFO_READ_LIMIT (None otherwise: the image is small enough to read)."""
    from editor.io.fits_header import header_to_dict
    from editor.io.fits_read import hdu_shape, is_image_hdu, open_hdul

    with open_hdul(path) as hdul:
        if hdu is not None:
            chosen = hdul[hdu] if isinstance(hdu, str) else hdul[int(hdu)]
        else:
            chosen = next((h for h in hdul if is_image_hdu(h)), None)
        if chosen is None or not is_image_hdu(chosen):
            return None
        shape = hdu_shape(chosen)
        bitpix = int(chosen.header.get("BITPIX", -32))
        nbytes = int(np.prod(shape, dtype=np.int64)) * abs(bitpix) // 8
        if nbytes <= INFO_READ_LIMIT:
            return None
        header = header_to_dict(chosen.header)[0]
    dims = " x ".join(str(n) for n in reversed(shape))
    dtype = {8: "uint8", 16: "int16", 32: "int32", 64: "int64", -32: "float32",
             -64: "float64"}.get(bitpix, f"BITPIX {bitpix}")
    if bitpix in (16, 32, 64) and header.get("BZERO") == 2 ** (bitpix - 1):
        dtype = f"u{dtype}"
    return [_("format: {format}").format(format="FITS"),
            (_("dimensions: {dims} (W x H x planes)") if len(shape) > 2 else
             _("dimensions: {dims} (W x H)")).format(dims=dims),
            _("dtype in file: {dtype}").format(dtype=dtype),
            _("pixel data: {size}").format(size=format_bytes(nbytes)),
            _("data range: not read (info reads only the headers of files this big)"),
            *_fits_fields(header)]


def _primary_header(path: Path) -> dict[str, Any]:
    from editor.io.fits_header import header_to_dict
    from editor.io.fits_read import open_hdul

    with open_hdul(path) as hdul:
        return header_to_dict(hdul[0].header)[0]
