"""``open_image`` and ``export_image``: the one path every file goes through."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from editor.errors import ImageReadError, ImageTooLargeError, ImageWriteError, UnsupportedFormatError
from editor.io.atomic import atomic_path
from editor.io.formats import ReadOptions, reader_for, readable_extensions, writable_extensions, writer_for
from editor.io.image import Image, ImageMeta
from editor.jobs.progress import Progress
from editor.locale import D_, _

RAW_MODES = ("rgb", "cfa", "half", "thumbnail")


def check_readable(path: Path) -> None:
    """Typed errors for the problems every format shares: missing, folder, empty, no access."""
    if not path.exists():
        raise ImageReadError(path, _("file does not exist"))
    if path.is_dir():
        raise ImageReadError(path, _("is a folder, not an image file"))
    if path.stat().st_size == 0:
        raise ImageReadError(path, _("is empty (0 bytes)"))
    if not os.access(path, os.R_OK):
        raise ImageReadError(path, _("cannot be read (permission denied)"))


def open_image(path: str | Path, *, raw_mode: str = "rgb", debayer: bool | str = False,
               hdu: int | str | None = None, plane: int | None = None,
               debayer_method: str = "malvar", memory_budget: int | None = None,
               progress: Progress | None = None) -> Image:
    """Open an image file as float32 pixels plus metadata.

    Parameters
    ----------
    path : str or Path
        FITS (.fits .fit .fts, tile-compressed .fz, gzip-compressed .fits.gz), TIFF, XISF,
        PNG, JPEG or a camera RAW
        (CR2, CR3, NEF, ARW, RAF, ORF, RW2, DNG, PEF...).
    raw_mode : {"rgb", "cfa", "half", "thumbnail"}
        RAW files only. "rgb": linear demosaiced colour (camera white balance, no gamma, no
        auto-brightness, highlights not clipped). "cfa": the undemosaiced sensor mosaic as a
        mono image for calibration and stacking. "half": fast half-size colour. "thumbnail":
        the camera's embedded preview, for an instant look.
    debayer : bool or "auto"
        FITS (and Astro-TIFF) mosaics with a ``BAYERPAT`` keyword: demosaic to colour instead
        of returning the mono mosaic. "auto": when the file is a mosaic, else open it as it
        is; True: the file must be a mosaic (UnsupportedFormatError otherwise).
    hdu : int or str, optional
        FITS only: HDU index or EXTNAME to read instead of the first one holding an image.
    plane : int, optional
        FITS only: open plane N (0-based) of a data cube as a mono image. A cube that is not
        RGB cannot be opened without it (:class:`~editor.errors.ChoiceNeededError` lists the
        planes); :func:`editor.io.choices.file_choices` tells a GUI what to offer.
    debayer_method : {"malvar", "bilinear"}
        Malvar-He-Cutler (default) or bilinear interpolation.
    memory_budget : int, optional
        Refuse files whose decoded pixels would need more bytes than this (default: the
        ``NEBULAYER_MEMORY_BUDGET`` environment variable, else 8 GiB).
    progress : callable, optional
        Receives fractions 0..1; may raise :class:`~editor.jobs.progress.Cancelled`.

    Returns
    -------
    Image
        Read-only float32 pixels, top row first (see :mod:`editor.io` on orientation).

    Raises
    ------
    ImageReadError, UnsupportedFormatError, ImageTooLargeError, ChoiceNeededError
        With a one-line message naming the file and the problem.
    """
    if raw_mode not in RAW_MODES:
        raise ValueError(f"raw_mode must be one of {RAW_MODES}, not {raw_mode!r}")  # untranslated: a programming error
    if debayer not in (True, False, "auto"):
        raise ValueError(f"debayer must be True, False or 'auto', not {debayer!r}")  # untranslated: a programming error
    path = Path(path)
    check_readable(path)
    found = reader_for(path)
    if found is None:
        kinds = " ".join(readable_extensions())
        raise UnsupportedFormatError(path, _("unknown image format (Nebulayer reads {kinds})").format(kinds=kinds))
    format_name, reader = found
    if (hdu is not None or plane is not None) and format_name != "FITS":
        raise ImageReadError(path, _("is a {format_name} file: it has no HDUs or planes to "
                             "choose (--hdu and --plane are for FITS files)").format(format_name=format_name))
    options = ReadOptions(raw_mode=raw_mode, debayer=debayer, hdu=hdu, plane=plane,
                          debayer_method=debayer_method, memory_budget=memory_budget,
                          progress=progress)
    if progress:
        progress(0.0)
    try:
        result: Any = reader(path, options)
    except MemoryError as exc:
        raise ImageTooLargeError(path, _("not enough memory to decode this image")) from exc
    image = result if isinstance(result, Image) else Image(np.asarray(result, dtype=np.float32))
    # Plugin readers too: float32, contiguous, read-only (the source is never modified).
    image.data = np.ascontiguousarray(image.data, dtype=np.float32)
    image.data.flags.writeable = False
    image.meta.path = image.meta.path or str(path)
    image.meta.format = image.meta.format or format_name
    if debayer and image.data.ndim == 2 and not image.meta.extra.get("debayered"):
        image = _debayered(path, image, debayer, debayer_method)
    if progress:
        progress(1.0)
    return image


def _debayered(path: Path, image: Image, debayer: bool | str, method: str) -> Image:
    """A mosaic from a reader that does not debayer itself (Astro-TIFF, RAW in "cfa" mode,
    plugin formats) turned into colour, the same way FITS is."""
    from editor.io.debayer import debayer as demosaic, method_label

    pattern = image.meta.bayer_pattern
    if not pattern:
        if debayer is True:
            raise UnsupportedFormatError(path, _("is not a Bayer mosaic (no colour filter pattern "
                                         "in its header): nothing to debayer"))
        return image
    data = demosaic(image.data, pattern, method)
    data.flags.writeable = False
    image.meta.notes = image.meta.notes + [D_("debayered ({method}, {pattern} as seen top row first)",
                                              method=method_label(method), pattern=pattern)]
    image.meta.bayer_pattern = None
    image.meta.extra["debayered"] = True
    return Image(data, image.meta)


def export_image(array: np.ndarray | Image, path: str | Path, bits: int | None = None,
                 meta: ImageMeta | None = None, compression: str | None = None) -> list[str]:
    """Write pixels to ``path``, the format chosen by the extension, atomically.

    ``.fits/.fit/.fts``: 32-bit float (default) or 16/8-bit integers, header from ``meta``
    plus HISTORY. ``.tif/.tiff``: 32-bit float (default) or 16/8-bit. ``.png``: 8-bit
    (default) or 16-bit sRGB; ``.jpg``: 8-bit sRGB. PNG and JPEG are display-referred,
    sRGB-tagged. Integer exports follow :mod:`editor.io.export_range`: data within 0..1 as it
    is, anything else rescaled from its own range (or refused) and never silently clipped.

    ``compression``: TIFF only, "none", "lzw", "deflate" (the default) or "zstd".

    Returns the notes about the values the user should hear (a rescale, clipped pixels);
    they are also written as HISTORY.
    """
    if isinstance(array, Image):
        meta = meta if meta is not None else array.meta
        array = array.data
    path = Path(path)
    found = writer_for(path)
    if found is None:
        kinds = " ".join(writable_extensions())
        raise ImageWriteError(path, _("unknown output format (Nebulayer writes {kinds})").format(kinds=kinds))
    data = np.asarray(array)
    if data.ndim == 3 and data.shape[2] == 4:
        data = data[..., :3]  # alpha has no meaning in a flattened astro image
    if data.ndim not in (2, 3) or (data.ndim == 3 and data.shape[2] not in (1, 3)) or data.size == 0:
        raise ImageWriteError(path, _("cannot write an array of shape {shape} as an image").format(shape=data.shape))
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[..., 0]
    if not path.parent.is_dir():
        raise ImageWriteError(path, _("folder {parent} does not exist").format(parent=path.parent))
    format_name, writer = found
    from editor.io.export_range import meta_for_plan, prepare

    data, plan = prepare(data, format_name, bits, path)
    notes = plan.notes if plan is not None else []
    meta = meta_for_plan(meta, plan)  # notes as HISTORY; BUNIT dropped by a rescale
    options = {"compression": compression} if compression is not None and format_name == "TIFF" \
        else {}
    try:
        with atomic_path(path) as tmp:
            writer(tmp, data, bits=bits, meta=meta, **options)
    except ImageWriteError:
        raise
    except (OSError, ValueError, TypeError) as exc:
        raise ImageWriteError(path, _("cannot write: {exc}").format(exc=exc)) from exc
    return notes
