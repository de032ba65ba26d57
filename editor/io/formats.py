"""The table of image formats: file extension -> reader / writer.

Built-in readers and writers are listed here by dotted name and imported only when first used,
so opening a FITS file never imports rawpy. Plugins add formats with :func:`register_reader`
and :func:`register_writer`; a later registration for an extension wins.

Reader contract: ``reader(path: Path, options: ReadOptions) -> Image``.
Writer contract: ``writer(path: Path, data: ndarray, *, bits: int | None, meta: ImageMeta | None)``;
``export_image`` hands the writer a temporary path with the same extension and renames it into
place afterwards, so every writer, built-in or plugin, is atomic.
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Union

from editor.jobs.progress import Progress

RAW_EXTENSIONS = (
    ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2",
    ".dng", ".pef", ".kdc", ".dcr", ".mrw", ".x3f", ".3fr", ".erf", ".mef", ".mos", ".iiq",
    ".srw", ".rwl",
)
FITS_EXTENSIONS = (".fits", ".fit", ".fts", ".fits.fz", ".fit.fz", ".fz", ".fits.gz", ".fit.gz",
                   ".fts.gz")
TIFF_EXTENSIONS = (".tif", ".tiff")


@dataclass(frozen=True)
class ReadOptions:
    """How the caller wants a file decoded (see :func:`editor.io.open_image`)."""

    raw_mode: str = "rgb"
    debayer: bool | str = False  # False, True (must be a mosaic) or "auto" (if it is one)
    debayer_method: str = "malvar"
    hdu: int | str | None = None
    plane: int | None = None
    memory_budget: int | None = None
    progress: Progress | None = None


Reader = Callable[..., object]
Writer = Callable[..., None]
_Entry = Union[str, Callable[..., object]]

_READERS: dict[str, tuple[str, _Entry]] = {}
_WRITERS: dict[str, tuple[str, _Entry]] = {}


def _norm(ext: str) -> str:
    ext = ext.lower()
    return ext if ext.startswith(".") else "." + ext


def register_reader(exts: Iterable[str] | str, func: Reader, format_name: str | None = None) -> None:
    """Make ``open_image`` use ``func`` for files ending in any of ``exts`` (".xyz" or "xyz")."""
    for ext in [exts] if isinstance(exts, str) else exts:
        _READERS[_norm(ext)] = (format_name or _norm(ext)[1:].upper(), func)


def register_writer(exts: Iterable[str] | str, func: Writer, format_name: str | None = None) -> None:
    """Make ``export_image`` use ``func`` for paths ending in any of ``exts``."""
    for ext in [exts] if isinstance(exts, str) else exts:
        _WRITERS[_norm(ext)] = (format_name or _norm(ext)[1:].upper(), func)


def _resolve(entry: _Entry) -> Callable[..., object]:
    if callable(entry):
        return entry
    module, _, name = entry.partition(":")
    return getattr(importlib.import_module(module), name)


def extension_of(path: str | Path) -> str:
    """The longest registered extension the name ends with (".fits.fz" before ".fz")."""
    name = Path(path).name.lower()
    known = sorted(set(_READERS) | set(_WRITERS), key=len, reverse=True)
    for ext in known:
        if name.endswith(ext):
            return ext
    return Path(name).suffix


_MAGIC = (
    (b"SIMPLE  =", ".fits"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
    (b"II+\x00", ".tif"),
    (b"MM\x00+", ".tif"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"XISF0100", ".xisf"),
)


def sniff_extension(path: Path) -> str | None:
    """Guess the format from the first bytes, for files with an unknown extension (a gzip
    file is looked into: a gzip-compressed FITS is read as FITS)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as fh:
                inner = fh.read(16)
            return ".fits" if inner.startswith(b"SIMPLE  =") else None
    except (OSError, EOFError, zlib.error):
        return None
    for magic, ext in _MAGIC:
        if head.startswith(magic):
            return ext
    return None


def reader_for(path: Path) -> tuple[str, Callable[..., object]] | None:
    """(format name, reader) for ``path``: by extension, else by content; None if unknown."""
    ext = extension_of(path)
    if ext not in _READERS:
        ext = sniff_extension(path) or ext
    if ext not in _READERS:
        return None
    name, entry = _READERS[ext]
    return name, _resolve(entry)


def writer_for(path: str | Path) -> tuple[str, Callable[..., None]] | None:
    ext = extension_of(path)
    if ext not in _WRITERS:
        return None
    name, entry = _WRITERS[ext]
    return name, _resolve(entry)  # type: ignore[return-value]


def readable_extensions() -> list[str]:
    return sorted(_READERS)


def writable_extensions() -> list[str]:
    return sorted(_WRITERS)


register_reader(FITS_EXTENSIONS, "editor.io.fits_read:read_fits", "FITS")
register_reader(TIFF_EXTENSIONS, "editor.io.tiff:read_tiff", "TIFF")
register_reader(RAW_EXTENSIONS, "editor.io.raw:read_raw", "RAW")
register_reader((".xisf",), "editor.io.xisf_read:read_xisf", "XISF")
register_reader((".png",), "editor.io.display:read_display", "PNG")
register_reader((".jpg", ".jpeg"), "editor.io.display:read_display", "JPEG")

register_writer((".fits", ".fit", ".fts"), "editor.io.fits_write:write_fits_export", "FITS")
register_writer(TIFF_EXTENSIONS, "editor.io.tiff:write_tiff", "TIFF")
register_writer((".png",), "editor.io.display:write_png", "PNG")
register_writer((".jpg", ".jpeg"), "editor.io.display:write_jpeg", "JPEG")
