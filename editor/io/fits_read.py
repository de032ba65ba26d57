"""Reading FITS images with astropy.io.fits.

* The image is taken from the first HDU that holds one (HST-style files keep it in extension
  1), or from ``hdu=`` (index or EXTNAME). Tile-compressed HDUs are read transparently.
* BZERO/BSCALE are applied by astropy (a camera's unsigned 16-bit comes out as 0..65535),
  then integers are scaled to 0..1 (see :mod:`editor.io.pixels`); float data are kept as is.
* ``BLANK`` pixels and +-Inf become NaN (missing data).
* RGB cubes are accepted as 3 x H x W (Siril, PixInsight) or H x W x 3; any other cube, and
  4-D data, are refused with :class:`UnsupportedFormatError`.
* Rows are returned top row first (see the orientation notes in :mod:`editor.io`).
* CFA frames (``BAYERPAT``) stay mono unless ``debayer=True``; ``meta.bayer_pattern`` gives the
  pattern of the returned (top-first) array with XBAYROFF/YBAYROFF already folded in.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.io.fits.verify import VerifyWarning

from editor.errors import ImageReadError, UnsupportedFormatError
from editor.io.budget import check_budget
from editor.io.debayer import debayer_bilinear, flip_rows_pattern, normalise_pattern, shift_pattern
from editor.io.fits_header import header_to_dict, is_structural
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import clean_floats, finite_range, freeze, integer_scale, to_float32

# What astropy raises on damaged files: OSError (not FITS, empty), TypeError/ValueError (data
# shorter than the header says), KeyError/IndexError (missing keywords, bad HDU index).
FITS_ERRORS = (OSError, TypeError, ValueError, KeyError, IndexError, EOFError)


def open_hdul(path: Path) -> fits.HDUList:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", VerifyWarning)
            # memmap=False: astropy refuses to memory-map read-only files that need BZERO/BSCALE.
            return fits.open(path, memmap=False, lazy_load_hdus=False)
    except FITS_ERRORS as exc:
        raise ImageReadError(path, f"not a readable FITS file ({_short(exc)})") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).split(". ")[0].strip() or type(exc).__name__
    return text[:160]


def hdu_shape(hdu: Any) -> tuple[int, ...]:
    """Numpy-order shape declared by the header (no data read)."""
    header = hdu.header
    naxis = int(header.get("NAXIS", 0))
    return tuple(int(header.get(f"NAXIS{i}", 0)) for i in range(naxis, 0, -1))


def is_image_hdu(hdu: Any) -> bool:
    return bool(getattr(hdu, "is_image", False)) and len(hdu_shape(hdu)) > 0 and \
        all(n > 0 for n in hdu_shape(hdu))


def pick_hdu(path: Path, hdul: fits.HDUList, which: int | str | None) -> tuple[int, Any]:
    if which is not None:
        try:
            index = hdul.index_of(which)
        except (KeyError, IndexError, ValueError) as exc:
            raise ImageReadError(path, f"has no HDU {which!r}") from exc
        if not is_image_hdu(hdul[index]):
            raise UnsupportedFormatError(path, f"HDU {which!r} does not hold an image")
        return index, hdul[index]
    for index, hdu in enumerate(hdul):
        if is_image_hdu(hdu):
            return index, hdu
    raise UnsupportedFormatError(path, "contains no image (only tables or empty HDUs)")


def image_layout(path: Path, shape: tuple[int, ...]) -> tuple[tuple[int, ...], str]:
    """(squeezed shape, "mono" | "planes" | "interleaved") or a typed error for cubes."""
    squeezed = tuple(n for i, n in enumerate(shape) if n != 1 or i >= len(shape) - 2)
    dims = " x ".join(str(n) for n in reversed(shape))
    if len(squeezed) == 2:
        return squeezed, "mono"
    if len(squeezed) == 3 and squeezed[0] == 3:
        return squeezed, "planes"
    if len(squeezed) == 3 and squeezed[2] == 3:
        return squeezed, "interleaved"
    if len(squeezed) == 3:
        raise UnsupportedFormatError(
            path, f"is a data cube of {squeezed[0]} planes ({dims}), not a mono or RGB image")
    raise UnsupportedFormatError(path, f"has {len(squeezed)}-D data ({dims}); only 2-D images "
                                 "and 3-plane RGB cubes can be opened")


def _check_complete(path: Path, hdu: Any) -> None:
    # A header that declares more pixels than the file holds (truncated download, lying NAXIS).
    if isinstance(hdu, fits.CompImageHDU):
        return
    info = hdu.fileinfo()
    if info is None:
        return
    need = int(info["datLoc"]) + int(hdu.size)  # hdu.size is the data size in bytes
    have = path.stat().st_size
    if have < need:
        dims = "x".join(str(n) for n in reversed(hdu_shape(hdu)))
        raise ImageReadError(path, f"is truncated: the header declares {dims} pixels "
                             f"({need} bytes) but the file has only {have} bytes")


def merged_header(hdul: fits.HDUList, index: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The image HDU's cards, plus primary-header cards it lacks (OBJECT, TELESCOP...)."""
    values, comments = header_to_dict(hdul[index].header)
    if index > 0:
        p_values, p_comments = header_to_dict(hdul[0].header)
        for key, value in p_values.items():
            if key not in values and key not in ("HISTORY", "COMMENT") and not is_structural(key):
                values[key] = value
                if key in p_comments:
                    comments[key] = p_comments[key]
    return values, comments


def read_fits(path: Path, options: ReadOptions) -> Image:
    progress = options.progress
    with open_hdul(path) as hdul:
        index, hdu = pick_hdu(path, hdul, options.hdu)
        shape, layout = image_layout(path, hdu_shape(hdu))
        bitpix = int(hdu.header.get("BITPIX", -32))
        check_budget(path, shape, 4 + abs(bitpix) / 8, options.memory_budget)
        _check_complete(path, hdu)
        if progress:
            progress(0.1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyUserWarning)
                samples = np.asarray(hdu.data).reshape(shape)
        except FITS_ERRORS as exc:
            raise ImageReadError(path, f"image data cannot be decoded ({_short(exc)})") from exc
        if progress:
            progress(0.5)
        values, comments = merged_header(hdul, index)
        return _build_image(path, samples, layout, values, comments, index, hdu, options)


def _build_image(path: Path, samples: np.ndarray, layout: str, values: dict[str, Any],
                 comments: dict[str, str], index: int, hdu: Any, options: ReadOptions) -> Image:
    notes: list[str] = []
    bottom_up = str(values.get("ROWORDER", "BOTTOM-UP")).strip().upper() != "TOP-DOWN"
    blank = values.get("BLANK") if samples.dtype.kind in "iu" else None
    data_range = finite_range(samples) if samples.dtype.kind in "iu" else None
    if samples.dtype.kind in "iu" and integer_scale(samples.dtype) != 1.0:
        notes.append(f"{samples.dtype} samples scaled to 0..1 (divided by "
                     f"{integer_scale(samples.dtype):.0f})")

    if layout == "planes":
        data = np.empty(samples.shape[1:] + (3,), dtype=np.float32)
        for c in range(3):
            to_float32(samples[c], flip_rows=bottom_up, out=data[..., c])
    else:
        data = to_float32(samples, flip_rows=bottom_up)
    if blank is not None:
        missing = _top_first(samples == blank, layout, bottom_up)
        if missing.any():
            data[missing] = np.nan
            notes.append(f"pixels equal to BLANK ({blank}) marked as missing (NaN)")
    if samples.dtype.kind == "f":  # integers cannot hold Inf, and their range is known
        data_range, infinities = clean_floats(data)
        if infinities:
            notes.append("infinite values turned into NaN (missing data)")
    if options.progress:
        options.progress(0.8)

    pattern = normalise_pattern(values.get("BAYERPAT", "")) if layout == "mono" else None
    if pattern:
        # BAYERPAT, with its offsets, describes the mosaic in the file's own row order.
        pattern = shift_pattern(pattern, int(values.get("XBAYROFF", 0) or 0),
                                int(values.get("YBAYROFF", 0) or 0))
        if bottom_up:
            pattern = flip_rows_pattern(pattern, data.shape[0])
        if options.debayer:
            data = debayer_bilinear(data, pattern)
            notes.append(f"debayered (bilinear, {pattern} as seen top row first)")
    if bottom_up:
        notes.append("rows stored bottom-up in the file, shown top row first")
    if index:
        notes.append(f"image read from HDU {index} ({hdu.name or 'unnamed'})")
    debayered = bool(pattern and options.debayer)
    meta = ImageMeta(
        path=str(path), format="FITS", original_dtype=_dtype_label(hdu, samples),
        header=values, data_range=data_range, notes=notes,
        bayer_pattern=None if debayered else pattern,
        extra={"fits_comments": comments, "hdu": index, "debayered": debayered,
               "row_order": "BOTTOM-UP" if bottom_up else "TOP-DOWN"},
    )
    if options.progress:
        options.progress(1.0)
    return Image(freeze(data), meta)


def _top_first(stored: np.ndarray, layout: str, bottom_up: bool) -> np.ndarray:
    """An array in the file's layout turned into ours: (H, W[, 3]), top row first."""
    if layout == "planes":
        stored = np.moveaxis(stored, 0, -1)
    return stored[::-1] if bottom_up else stored


def _dtype_label(hdu: Any, samples: np.ndarray) -> str:
    header = hdu.header
    bitpix = header.get("ZBITPIX", header.get("BITPIX"))
    return f"BITPIX {bitpix} ({samples.dtype})"
