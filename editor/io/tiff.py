"""TIFF through tifffile: 8/16/32-bit integer and 16/32-bit float, mono/RGB/RGBA, planar or
interleaved, any compression imagecodecs knows (LZW, Deflate, ZSTD, JPEG...).

Read: integers scaled to 0..1, floats kept; alpha dropped (noted); the Orientation tag is
applied; the ICC profile goes to ``meta.icc_profile``, the tags to ``meta.extra["tiff_tags"]``,
camera fields to ``meta.exif``, and an AstroTIFF header (FITS cards in ImageDescription, as
Siril writes) to ``meta.header``.
Write: 32-bit float (default) or 16/8-bit integers (clipped 0..1), Deflate-compressed,
the source ICC profile kept, the FITS header written as AstroTIFF.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from editor.errors import ImageReadError, UnsupportedFormatError
from editor.io.budget import check_budget
from editor.io.exif import camera_fields
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import clean_floats, finite_range, freeze, integer_scale, to_float32
from editor.locale import D_, tr

_BULKY_TAGS = {"StripOffsets", "StripByteCounts", "TileOffsets", "TileByteCounts",
               "InterColorProfile", "JPEGTables", "XMP", "IPTCNAA", "Photoshop", "ColorMap"}
_NUMPY_ORIENT = {
    1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1), 6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
    7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1], 8: lambda a: np.swapaxes(a, 0, 1)[::-1],
}


def _tifffile():
    import tifffile

    return tifffile


def _errors() -> tuple[type[BaseException], ...]:
    tifffile = _tifffile()
    # imagecodecs' decoder errors derive from RuntimeError.
    return (tifffile.TiffFileError, OSError, ValueError, KeyError, IndexError, RuntimeError,
            struct.error, TypeError)


def _layout(path: Path, shape: tuple[int, ...], axes: str) -> tuple[str, tuple[int, ...]]:
    """Drop length-1 axes; return the remaining axes, e.g. "YX", "YXS", "SYX"."""
    keep = [(a, n) for a, n in zip(axes, shape) if n != 1 or a in "YX"]
    axes2 = "".join(a for a, _ in keep)
    shape2 = tuple(n for _, n in keep)
    if axes2 in ("YX", "YXS", "SYX"):
        return axes2, shape2
    dims = " x ".join(f"{a}={n}" for a, n in keep)
    raise UnsupportedFormatError(path, tr("is a TIFF stack or volume ({dims}), not a single image").format(dims=dims))


def read_tiff(path: Path, options: ReadOptions) -> Image:
    tifffile = _tifffile()
    errors = _errors()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tifffile warns about odd tags it then ignores
            with tifffile.TiffFile(path) as tif:
                if not tif.series:
                    raise UnsupportedFormatError(path, tr("TIFF holds no image"))
                series = tif.series[0]
                axes, shape = _layout(path, tuple(series.shape), series.axes)
                check_budget(path, shape, 4 + series.dtype.itemsize, options.memory_budget)
                page = tif.pages.first
                _check_complete(path, series)
                tags = {t.name: t.value for t in page.tags.values() if t.name not in _BULKY_TAGS}
                icc = page.tags.get("InterColorProfile")
                icc_bytes = bytes(icc.value) if icc is not None else None
                if options.progress:
                    options.progress(0.1)
                samples = series.asarray().reshape(shape)
    except (UnsupportedFormatError, ImageReadError):
        raise
    except errors as exc:
        raise ImageReadError(path, tr("not a readable TIFF file ({short})").format(short=_short(exc))) from exc
    if options.progress:
        options.progress(0.6)
    return _build(path, samples, axes, tags, icc_bytes)


def _check_complete(path: Path, series: Any) -> None:
    """A file cut short (interrupted copy) is reported as such rather than as a decoder error."""
    size = path.stat().st_size
    for page in series.pages:
        if page is None:
            continue
        ends = [o + n for o, n in zip(page.dataoffsets, page.databytecounts) if n]
        if ends and max(ends) > size:
            raise ImageReadError(path, tr("is truncated: image data needs {max} bytes but "
                                 "the file has only {size}").format(max=max(ends), size=size))


def _short(exc: BaseException) -> str:
    return (str(exc).split("\n")[0] or type(exc).__name__)[:160]


def _build(path: Path, samples: np.ndarray, axes: str, tags: dict[str, Any],
           icc: bytes | None) -> Image:
    notes: list[str] = []
    if axes == "SYX":
        samples = np.moveaxis(samples, 0, -1)
    if samples.ndim == 3:
        channels = samples.shape[2]
        if channels in (2, 4):
            notes.append(D_("alpha channel dropped"))
            samples = samples[..., :channels - 1]
        if samples.shape[2] == 1:
            samples = samples[..., 0]
        elif samples.shape[2] != 3:
            raise UnsupportedFormatError(path, tr("has {channels} samples per pixel; "
                                         "only grey, RGB and RGBA are supported").format(channels=channels))
    orientation = int(tags.get("Orientation", 1) or 1)
    if orientation != 1 and orientation in _NUMPY_ORIENT:
        samples = _NUMPY_ORIENT[orientation](samples)
        notes.append(D_("TIFF orientation {orientation} applied", orientation=orientation))
    integer = samples.dtype.kind in "ui"
    data_range = finite_range(samples) if integer else None
    if integer and integer_scale(samples.dtype) != 1.0:
        notes.append(D_("{dtype} samples scaled to 0..1 (divided by {divisor:.0f})", dtype=samples.dtype,
                        divisor=integer_scale(samples.dtype)))
    data = to_float32(samples)
    if not integer:  # integers cannot hold Inf, and their range is known
        data_range, infinities = clean_floats(data)
        if infinities:
            notes.append(D_("infinite values turned into NaN (missing data)"))
    header, comments = _astrotiff_header(tags.get("ImageDescription"))
    pattern = None
    if header.get("BAYERPAT") and data.ndim == 2:
        from editor.io.debayer import normalise_pattern, shift_pattern

        pattern = normalise_pattern(header["BAYERPAT"])
        if pattern:
            pattern = shift_pattern(pattern, int(header.get("XBAYROFF", 0) or 0),
                                    int(header.get("YBAYROFF", 0) or 0))
    exif = tags.pop("ExifTag", None)
    fields = dict(tags)
    if isinstance(exif, dict):
        fields.update(exif)
    meta = ImageMeta(path=str(path), format="TIFF", original_dtype=str(samples.dtype),
                     header=header, exif=camera_fields(fields), data_range=data_range,
                     icc_profile=icc, notes=notes, bayer_pattern=pattern,
                     extra={"tiff_tags": {k: v for k, v in tags.items() if _simple(v)},
                            "fits_comments": comments})
    return Image(freeze(data), meta)


def _simple(value: Any) -> bool:
    if isinstance(value, (int, float, str)):
        return not (isinstance(value, str) and len(value) > 4096)
    return isinstance(value, tuple) and len(value) <= 16 and all(isinstance(v, (int, float)) for v in value)


def _astrotiff_header(description: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """FITS cards stored in ImageDescription (AstroTIFF, as written by Siril), if any."""
    if not isinstance(description, str) or not description.startswith("SIMPLE  ="):
        return {}, {}
    from astropy.io import fits

    from editor.io.fits_header import header_to_dict

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = fits.Header.fromstring(description, sep="\n")
    except (ValueError, KeyError, IndexError):
        return {}, {}
    return header_to_dict(header)


def quantise(data: np.ndarray, bits: int) -> np.ndarray:
    """Clip to 0..1 and round to unsigned ``bits``-bit integers (NaN -> 0)."""
    dtype = {8: np.uint8, 16: np.uint16}[bits]
    peak = float(np.iinfo(dtype).max)
    clean = np.nan_to_num(np.asarray(data, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.rint(np.clip(clean, 0.0, 1.0) * peak).astype(dtype)


def write_tiff(path: Path, data: np.ndarray, *, bits: int | None = None,
               meta: ImageMeta | None = None, compression: str | None = "deflate") -> None:
    """32-bit float (default) or 16/8-bit TIFF; see the module notes. ``compression``: a
    name of :data:`editor.io.stream_write.TIFF_COMPRESSIONS` (Deflate by default)."""
    from editor.io.stream_write import tiff_compression

    tifffile = _tifffile()
    if bits in (None, 32):
        stored = np.ascontiguousarray(data, dtype=np.float32)
    elif bits in (8, 16):
        stored = quantise(data, bits)
    else:
        raise ValueError(tr("TIFF export supports 8, 16 or 32 bits, not {bits}").format(bits=bits))
    description = None
    if meta is not None and (meta.header or meta.extra.get("history")):
        description = _astrotiff_description(meta, stored)  # HISTORY says how values were written
    tifffile.imwrite(
        path, stored, photometric="rgb" if stored.ndim == 3 else "minisblack",
        planarconfig="contig", compression=tiff_compression(compression), metadata=None,
        description=description,
        software="Nebulayer", iccprofile=_icc_for(meta, stored),
        extratags=_camera_tags(meta))
    if meta is not None and meta.exif:
        from editor.io.exif import append_exif_ifd

        append_exif_ifd(path, meta.exif)


def _icc_for(meta: ImageMeta | None, stored: np.ndarray) -> bytes | None:
    """The source's own profile, else sRGB for colour (the space the canvas and the PNG/JPEG
    exports show values in); grey gets none (an RGB profile is invalid on a grey TIFF)."""
    if meta is not None and meta.icc_profile:
        return meta.icc_profile
    if stored.ndim == 3:
        from editor.io.srgb import srgb_icc_profile

        return srgb_icc_profile()
    return None


def _camera_tags(meta: ImageMeta | None) -> list:
    from editor.io.exif import tiff_extratags

    return tiff_extratags(meta.exif) if meta is not None and meta.exif else []


def _astrotiff_description(meta: ImageMeta, stored: np.ndarray) -> str:
    from astropy.io import fits

    from editor.io.fits_header import build_header
    from editor.io.fits_write import export_history

    header = fits.Header()
    header["SIMPLE"] = True
    header["BITPIX"] = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(stored.dtype, -32)
    header["NAXIS"] = stored.ndim
    header["NAXIS1"] = stored.shape[1]
    header["NAXIS2"] = stored.shape[0]
    if stored.ndim == 3:
        header["NAXIS3"] = stored.shape[2]
    from editor.io.wcs import with_row_order

    # TIFF rows are top-down: the WCS is re-expressed for that order, as ROWORDER says.
    cards = with_row_order(meta.header, stored.shape[:2], "TOP-DOWN")
    header.extend(build_header(cards, meta.extra.get("fits_comments"),
                               export_history(meta, f"TIFF {stored.dtype}")))
    header["ROWORDER"] = ("TOP-DOWN", "TIFF rows are stored top row first")  # untranslated: FITS comment
    if meta.bayer_pattern and stored.ndim == 2:
        header.update({"BAYERPAT": meta.bayer_pattern, "XBAYROFF": 0, "YBAYROFF": 0})
    return "\n".join(str(card) for card in header.cards)
