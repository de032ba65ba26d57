"""Reading FITS images with astropy.io.fits.

* Whole-file gzip (``.fits.gz``, ``.fit.gz``, ``.fts.gz``, or any name with gzip magic bytes)
  and tile-compressed HDUs (``.fz``) are read transparently.
* The image is taken from the first HDU that holds one (HST-style files keep it in extension
  1), or from ``hdu=`` (index or EXTNAME); when the file holds several images the notes say
  which was opened and list the others.
* BZERO/BSCALE are applied by astropy (a camera's unsigned 16-bit comes out as 0..65535),
  then integers are scaled to 0..1 (see :mod:`editor.io.pixels`); float data are kept as is.
* ``BLANK`` pixels and +-Inf become NaN (missing data).
* RGB cubes are accepted as 3 x H x W (Siril, PixInsight) or H x W x 3. Any other cube
  (2 planes, 17 filters, a 53-channel radio cube) is a choice: ``plane=N`` opens plane N as a
  mono image (also one colour of an RGB cube); without it :class:`ChoiceNeededError` lists the
  planes. 4-D data are opened the same way once their length-1 axes are dropped.
* Header cards astropy can only read after its fix-up (bad values, broken CONTINUE chains, a
  missing END card) are read that way and each problem is listed in ``meta.notes``; a header
  that cannot be parsed at all is one :class:`ImageReadError` naming the file.
* Rows are returned top row first (see the orientation notes in :mod:`editor.io`).
* CFA frames (``BAYERPAT``) stay mono unless ``debayer`` is True or "auto"; the Bayer keywords
  are read as Siril reads them (see :mod:`editor.io.bayer_fits`), and ``meta.bayer_pattern``
  gives the pattern of the returned (top-first) array with XBAYROFF/YBAYROFF folded in.
"""

from __future__ import annotations

import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.io.fits.verify import VerifyError, VerifyWarning
from astropy.utils.exceptions import AstropyUserWarning

from editor.errors import ChoiceNeededError, ImageReadError, UnsupportedFormatError
from editor.io.bayer_fits import row_order, top_first_pattern
from editor.io.budget import check_budget
from editor.io.debayer import debayer, method_label
from editor.io.fits_header import header_to_dict, is_structural
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import clean_floats, finite_range, freeze, integer_scale, to_float32
from editor.locale import _, D_

# What astropy raises on damaged files: OSError (not FITS, empty), TypeError/ValueError (data
# shorter than the header says), KeyError/IndexError (missing keywords, bad HDU index),
# VerifyError (a card it cannot fix), EOFError/zlib.error (a damaged gzip file).
FITS_ERRORS = (OSError, TypeError, ValueError, KeyError, IndexError, EOFError, VerifyError,
               zlib.error)


def is_gzip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def open_hdul(path: Path, problems: list[str] | None = None) -> fits.HDUList:
    """All HDUs of ``path`` (headers parsed, data not yet read), or a one-line ImageReadError.

    Header problems astropy fixes or warns about are appended to ``problems``.
    """
    from editor.io.fits_sanity import declared_problem

    try:
        impossible = declared_problem(path)  # before astropy loops over a NAXIS of 2**31
    except (OSError, EOFError, zlib.error) as exc:  # a cut-short gzip ends its stream early
        raise _unreadable(path, exc) from exc
    if impossible:
        raise ImageReadError(path, _("damaged FITS file: {impossible}").format(impossible=impossible))
    try:
        return _checked(path, _open(path, problems, ignore_missing_end=False))
    except ImageReadError:
        raise
    except OSError as exc:
        if "END card" not in str(exc):  # untranslated: astropy's message, matched
            raise _unreadable(path, exc) from exc
    except FITS_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    try:
        hdul = _open(path, problems, ignore_missing_end=True)
    except FITS_ERRORS as exc:
        raise ImageReadError(path, _("not a readable FITS file ({short})").format(short=_short(exc))) from exc
    if problems is not None:
        problems.append(D_("header has no END card (read anyway)"))
    return _checked(path, hdul)


def _checked(path: Path, hdul: fits.HDUList) -> fits.HDUList:
    """The primary header must at least say what it holds (BITPIX, NAXIS), else it is garbage
    that astropy only tolerated."""
    header = hdul[0].header
    try:
        ok = int(header["BITPIX"]) in (8, 16, 32, 64, -32, -64) and int(header["NAXIS"]) >= 0
    except (KeyError, TypeError, ValueError, VerifyError):
        ok = False
    if not ok:
        hdul.close()
        raise ImageReadError(path, _("FITS header cannot be parsed (no valid BITPIX/NAXIS cards)"))
    return hdul


def _unreadable(path: Path, exc: BaseException) -> ImageReadError:
    if is_gzip(path):
        return ImageReadError(path, _("gzip-compressed FITS that is damaged or cut short "
                              "({short})").format(short=_short(exc)))
    return ImageReadError(path, _("not a readable FITS file ({short})").format(short=_short(exc)))


def _open(path: Path, problems: list[str] | None, ignore_missing_end: bool) -> fits.HDUList:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AstropyUserWarning)
        warnings.simplefilter("always", VerifyWarning)
        # memmap=False: astropy refuses to memory-map read-only files that need BZERO/BSCALE.
        hdul = fits.open(path, memmap=False, lazy_load_hdus=False,
                         ignore_missing_end=ignore_missing_end)
    if problems is not None:
        for warning in caught:
            if len(problems) >= 20:  # a damaged header warns once per card: 28874 took 12 s
                problems.append(D_("... and {count} header warnings in all", count=len(caught)))
                break
            text = " ".join(str(warning.message).split())[:160]
            if text and text not in problems:
                problems.append(text)
    return hdul


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split(". ")[0].split()) or type(exc).__name__
    return text[:160]


def hdu_shape(hdu: Any) -> tuple[int, ...]:
    """Numpy-order shape declared by the header (no data read)."""
    header = hdu.header
    naxis = int(header.get("NAXIS", 0))
    return tuple(int(header.get(f"NAXIS{i}", 0)) for i in range(naxis, 0, -1))


def is_image_hdu(hdu: Any) -> bool:
    return bool(getattr(hdu, "is_image", False)) and len(hdu_shape(hdu)) > 0 and \
        all(n > 0 for n in hdu_shape(hdu))


def hdu_label(index: int, hdu: Any) -> str:
    """"1 SCI 1024 x 1024" / "0 53 planes of 105 x 105": how a person names an HDU."""
    shape = squeeze(hdu_shape(hdu))
    name = f" {hdu.name}" if hdu.name and hdu.name != "PRIMARY" else ""
    size = f"{shape[-1]} x {shape[-2]}" if len(shape) >= 2 else "x".join(map(str, shape))
    planes = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    if planes > 1:
        size = D_("{planes} planes of {size}", planes=planes, size=size)
    return f"{index}{name} {size}"


def pick_hdu(path: Path, hdul: fits.HDUList, which: int | str | None) -> tuple[int, Any]:
    if which is not None:
        try:
            index = hdul.index_of(int(which) if str(which).isdigit() else which)
            if not 0 <= index < len(hdul):
                raise IndexError(index)
        except (KeyError, IndexError, ValueError) as exc:
            images = ", ".join(hdu_label(i, h) for i, h in enumerate(hdul) if is_image_hdu(h))
            raise ImageReadError(path, _("has no HDU {which!r} (images: {images})").format(which=which, images=images or 'none')) from exc
        if not is_image_hdu(hdul[index]):
            raise UnsupportedFormatError(path, _("HDU {which!r} does not hold an image").format(which=which))
        return index, hdul[index]
    for index, hdu in enumerate(hdul):
        if is_image_hdu(hdu):
            return index, hdu
    raise UnsupportedFormatError(path, _("contains no image (only tables or empty HDUs)"))


def squeeze(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Drop length-1 axes except the last two (rows, columns)."""
    return tuple(n for i, n in enumerate(shape) if n != 1 or i >= len(shape) - 2)


def image_layout(path: Path, shape: tuple[int, ...],
                 plane: int | None = None) -> tuple[tuple[int, ...], str]:
    """(squeezed shape, "mono" | "planes" | "interleaved" | "plane") or a typed error.

    "plane": ``plane`` picks one H x W plane of a cube (its leading axes flattened).
    """
    squeezed = squeeze(shape)
    dims = " x ".join(str(n) for n in reversed(shape))
    if len(squeezed) == 2:
        if plane not in (None, 0):
            raise ImageReadError(path, _("has a single plane ({dims}); there is no plane {plane}").format(dims=dims, plane=plane))
        return squeezed, "mono"
    if len(squeezed) == 3 and squeezed[2] == 3 and squeezed[0] != 3:
        if plane is None:
            return squeezed, "interleaved"
        if not 0 <= plane < 3:
            raise ImageReadError(path, _("is an RGB image ({dims}): --plane must be 0..2").format(dims=dims))
        return squeezed, "channel"
    planes = int(np.prod(squeezed[:-2]))
    if plane is None:
        if len(squeezed) == 3 and squeezed[0] == 3:
            return squeezed, "planes"
        raise ChoiceNeededError(
            path, _("is a data cube of {planes} planes ({dims}): choose one with --plane "
            "0..{planes2}").format(planes=planes, dims=dims, planes2=planes - 1), [f"--plane {i}" for i in range(planes)])
    if not 0 <= plane < planes:
        raise ImageReadError(path, _("has {planes} planes ({dims}): --plane must be 0..{planes2}").format(planes=planes, dims=dims, planes2=planes - 1))
    return squeezed, "plane"


def _check_complete(path: Path, hdu: Any) -> None:
    # A header that declares more pixels than the file holds (truncated download, lying NAXIS).
    if isinstance(hdu, fits.CompImageHDU) or is_gzip(path):
        return  # sizes on disk say nothing; the decompressor reports a short file
    info = hdu.fileinfo()
    if info is None:
        return
    need = int(info["datLoc"]) + int(hdu.size)  # hdu.size is the data size in bytes
    have = path.stat().st_size
    if have < need:
        dims = "x".join(str(n) for n in reversed(hdu_shape(hdu)))
        raise ImageReadError(path, _("is truncated: the header declares {dims} pixels "
                             "({need} bytes) but the file has only {have} bytes").format(dims=dims, need=need, have=have))


def merged_header(hdul: fits.HDUList, index: int,
                  problems: list[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The image HDU's cards, plus primary-header cards it lacks (OBJECT, TELESCOP...)."""
    values, comments = header_to_dict(hdul[index].header, problems)
    if index > 0:
        p_values, p_comments = header_to_dict(hdul[0].header, problems)
        for key, value in p_values.items():
            if key not in values and key not in ("HISTORY", "COMMENT") and not is_structural(key):
                values[key] = value
                if key in p_comments:
                    comments[key] = p_comments[key]
    return values, comments


def _read_samples(path: Path, hdu: Any, shape: tuple[int, ...], layout: str,
                  plane: int | None) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        if layout in ("plane", "channel"):
            if layout == "channel":  # H x W x 3 stored: one colour
                return np.asarray(hdu.data).reshape(shape)[..., plane]
            row = np.unravel_index(plane, shape[:-2])
            try:  # only that plane's bytes when astropy can seek to them
                index = tuple(int(i) for i in np.unravel_index(plane, hdu_shape(hdu)[:-2]))
                return np.asarray(hdu.section[index]).reshape(shape[-2:])
            except (AttributeError, TypeError, ValueError, IndexError, OSError):
                return np.asarray(hdu.data).reshape(shape)[row]
        return np.asarray(hdu.data).reshape(shape)


def read_fits(path: Path, options: ReadOptions) -> Image:
    progress = options.progress
    problems: list[str] = []
    with open_hdul(path, problems) as hdul:
        index, hdu = pick_hdu(path, hdul, options.hdu)
        _check_complete(path, hdu)  # first: a lying NAXIS3 = 99999999 would list 10^8 planes
        shape, layout = image_layout(path, hdu_shape(hdu), options.plane)
        bitpix = int(hdu.header.get("BITPIX", -32))
        budget_shape = shape[-2:] if layout in ("plane", "channel") else shape
        check_budget(path, budget_shape, 4 + abs(bitpix) / 8, options.memory_budget)
        if progress:
            progress(0.1)
        try:
            samples = _read_samples(path, hdu, shape, layout, options.plane)
        except FITS_ERRORS as exc:
            raise ImageReadError(path, _("image data cannot be decoded ({short})").format(short=_short(exc))) from exc
        if progress:
            progress(0.5)
        try:
            values, comments = merged_header(hdul, index, problems)
        except FITS_ERRORS as exc:  # pragma: no cover - header_to_dict keeps bad cards as text
            raise ImageReadError(path, _("header cannot be parsed ({short})").format(short=_short(exc))) from exc
        others = [hdu_label(i, h) for i, h in enumerate(hdul) if is_image_hdu(h) and i != index]
        notes = [p if p.startswith("header") else D_("header: {problem}", problem=p) for p in problems]
        if others and options.hdu is None:
            notes.append(D_("file holds {count} images; opened HDU {opened}; others: {others} (choose with --hdu N)",
                            count=len(others) + 1, opened=hdu_label(index, hdu), others=", ".join(others)))
        if layout in ("plane", "channel"):
            total = 3 if layout == "channel" else int(np.prod(shape[:-2]))
            notes.append(D_("plane {plane} of {total}", plane=options.plane, total=total))
        layout = "mono" if layout in ("plane", "channel") else layout
        return _build_image(path, samples, layout, values, comments, index, hdu, options, notes)


def _build_image(path: Path, samples: np.ndarray, layout: str, values: dict[str, Any],
                 comments: dict[str, str], index: int, hdu: Any, options: ReadOptions,
                 notes: list[str]) -> Image:
    bottom_up = row_order(values) != "TOP-DOWN"
    blank = values.get("BLANK") if samples.dtype.kind in "iu" else None
    data_range = finite_range(samples) if samples.dtype.kind in "iu" else None
    if samples.dtype.kind in "iu" and integer_scale(samples.dtype) != 1.0:
        notes.append(D_("{dtype} samples scaled to 0..1 (divided by {divisor:.0f})", dtype=samples.dtype,
                        divisor=integer_scale(samples.dtype)))

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
            notes.append(D_("pixels equal to BLANK ({blank}) marked as missing (NaN)", blank=blank))
    if samples.dtype.kind == "f":  # integers cannot hold Inf, and their range is known
        data_range, infinities = clean_floats(data)
        if infinities:
            notes.append(D_("infinite values turned into NaN (missing data)"))
    if options.progress:
        options.progress(0.8)

    pattern = top_first_pattern(values, data.shape[0]) if layout == "mono" else None
    debayered = False
    if options.debayer is True and not pattern:
        raise UnsupportedFormatError(path, _("is not a Bayer mosaic (no BAYERPAT keyword with "
                                     "RGGB, BGGR, GRBG or GBRG): nothing to debayer"))
    if pattern and options.debayer:
        data = debayer(data, pattern, options.debayer_method)
        debayered = True
        notes.append(D_("debayered ({method}, {pattern} as seen top row first)",
                        method=method_label(options.debayer_method), pattern=pattern))
    if bottom_up:
        notes.append(D_("rows stored bottom-up in the file, shown top row first"))
    if index:
        notes.append(D_("image read from HDU {index} ({name})", index=index, name=hdu.name or D_("unnamed")))
    meta = ImageMeta(
        path=str(path), format="FITS", original_dtype=_dtype_label(hdu, samples),
        header=values, data_range=data_range, notes=notes,
        bayer_pattern=None if debayered else pattern,
        extra={"fits_comments": comments, "hdu": index, "debayered": debayered,
               "plane": options.plane,
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
