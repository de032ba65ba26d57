"""``nebulayer convert`` of a FITS image to TIFF in one streamed pass, for big files.

The general path (``open_image`` + auto stretch + ``export_image``) holds the decoded float
image, the stretched copy and the integers at once. Here the file is read once, band by band
(``preadv`` into reused buffers: a memory map faulted every page in on first touch, which cost
more than the copy):

1. the stretch statistics are measured on the even subsample ``filters.stretch_stats`` takes
   (gathered straight from the file, in the displayed row order), so the parameters are
   those of the whole image (:mod:`editor.io.stf`);
2. bands of rows are converted (byte order, bottom-up rows, channel planes to interleaved),
   stretched and quantised in place in cache-sized chunks on two threads, and written as
   strips (uncompressed) or tiles (compressed, :mod:`editor.io.stream_write`); each band is
   read into reused per-thread buffers, so memory stays at a few bands.

Same file as the general path: same header and HISTORY (a test compares them), bit-identical
pixels. The value-range rule of :mod:`editor.io.export_range` needs the range of the result
before the first byte is written; a stretched image, or a float image within 0..1, is written
"as is", so the pass assumes that, measures the exact range on the way, and when the rule
turns out to be another one (values above the white point, infinities, nothing finite) the
file is dropped and :func:`convert_streamed` returns None: the caller takes the general path.

Covered: uncompressed FITS of floats (BITPIX -32/-64), 8-bit, 16-bit signed or unsigned
(BZERO 32768) samples without BLANK, mono or 3 x H x W RGB, no ``--plane``/``--debayer``;
output .tif/.tiff. Anything else returns None at once.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from editor.io.image import ImageMeta
from editor.io.pixels import integer_scale
from editor.io.stf import MTF, even_sample_indices, stf_params
from editor.locale import D_, _

#: Rows per written band (a multiple of 16 for TIFF tiles).
BAND_ROWS = 256
#: Elements per in-cache chunk of one channel (1 MiB of float32).
CHUNK = 1 << 18
WORKERS = max(1, min(8, os.cpu_count() or 1))
_TIFF = (".tif", ".tiff")
_FITS = (".fits", ".fit", ".fts")


class _Source:
    """A float FITS image read band by band into reused buffers: planes (P, H, W) in the
    file's byte order. (Reading with ``readinto`` rather than a memory map: a map faults
    every page in on first touch, which cost more than the copy.)"""

    def __init__(self, path: Path, offset: int, shape: tuple[int, int, int], dtype: np.dtype,
                 bottom_up: bool) -> None:
        self.planes, self.h, self.w = shape
        self.dtype, self.bottom_up = dtype, bottom_up
        self.fd = os.open(path, os.O_RDONLY)
        self.offset = offset
        self.zero, self.scale = np.float32(0), np.float32(1)  # see to_unit
        self._buf = np.empty(0, dtype)

    def read(self, c: int, y0: int, y1: int, raw: np.ndarray) -> np.ndarray:
        """Displayed rows y0..y1 (top row first) of plane ``c``: a view of ``raw`` (1-D, of
        the file's dtype, at least that many values), which the file's bytes are read into."""
        f0, f1 = (self.h - y1, self.h - y0) if self.bottom_up else (y0, y1)
        n = (f1 - f0) * self.w
        view = memoryview(raw[:n]).cast("B")
        pos = self.offset + ((c * self.h) + f0) * self.w * self.dtype.itemsize
        done = 0
        while done < view.nbytes:
            got = os.preadv(self.fd, [view[done:]], pos + done)
            if got <= 0:
                raise EOFError(_("the FITS file ended before its image data"))
            done += got
        rows = raw[:n].reshape(f1 - f0, self.w)
        return rows[::-1] if self.bottom_up else rows

    def sample(self, c: int, k: np.ndarray) -> np.ndarray:
        """The values at flat displayed (top-first) indices ``k`` (sorted) of plane ``c``, as
        float32."""
        w = self.w
        rows = max(1, (4 << 20) // (w * self.dtype.itemsize))  # 4 MiB reads
        raw = np.empty(rows * w, self.dtype)
        parts = []
        for y0 in range(0, self.h, rows):
            y1 = min(self.h, y0 + rows)
            lo, hi = np.searchsorted(k, [y0 * w, y1 * w])
            r, col = np.divmod(k[lo:hi] - y0 * w, w)
            if self.bottom_up:  # the block holds the rows bottom first
                r = (y1 - y0 - 1) - r
            self.read(c, y0, y1, raw)
            part = raw[r * w + col].astype(np.float32)
            self.to_unit(part)
            parts.append(part)
        return np.concatenate(parts)

    def to_unit(self, x: np.ndarray) -> None:
        """Stored values (already float32) to Nebulayer's, in place, as
        :func:`editor.io.pixels.to_float32` computes them: BZERO added, integers scaled."""
        if self.zero:
            x += self.zero
        if self.scale != 1:
            x *= self.scale

    def close(self) -> None:
        os.close(self.fd)


def _open_source(path: Path, choice: dict[str, Any]) -> tuple[_Source, ImageMeta] | None:
    """The image (read band by band later) and the metadata ``read_fits`` would give, or
    None when the file is not one this path covers."""
    from astropy.io import fits

    from editor.io.bayer_fits import row_order, top_first_pattern
    from editor.io.fits_read import (_check_complete, _dtype_label, hdu_label, hdu_shape,
                                     image_layout, is_gzip, is_image_hdu, merged_header,
                                     open_hdul, pick_hdu)

    if is_gzip(path):
        return None
    problems: list[str] = []
    with open_hdul(path, problems) as hdul:
        index, hdu = pick_hdu(path, hdul, choice.get("hdu"))
        if isinstance(hdu, fits.CompImageHDU):
            return None
        _check_complete(path, hdu)
        shape, layout = image_layout(path, hdu_shape(hdu), None)
        header = hdu.header
        kind = _stored_kind(header)
        if kind is None or layout not in ("mono", "planes"):
            return None
        dtype, zero, shown = kind
        info = hdu.fileinfo()
        if info is None:
            return None
        values, comments = merged_header(hdul, index, problems)
        others = [hdu_label(i, h) for i, h in enumerate(hdul) if is_image_hdu(h) and i != index]
        notes = [p if p.startswith("header") else D_("header: {problem}", problem=p) for p in problems]
        if others and choice.get("hdu") is None:
            notes.append(D_("file holds {count} images; opened HDU {opened}; others: {others} (choose with --hdu N)",
                            count=len(others) + 1, opened=hdu_label(index, hdu), others=", ".join(others)))
        label = _dtype_label(hdu, np.empty(0, shown))
        name, offset = hdu.name, int(info["datLoc"])
    bottom_up = row_order(values) != "TOP-DOWN"
    planes = 3 if layout == "planes" else 1
    h, w = shape[-2:]
    pattern = top_first_pattern(values, h) if layout == "mono" else None
    scale = integer_scale(shown)
    if scale != 1.0:
        notes.append(D_("{dtype} samples scaled to 0..1 (divided by {divisor:.0f})", dtype=shown, divisor=scale))
    if bottom_up:
        notes.append(D_("rows stored bottom-up in the file, shown top row first"))
    if index:
        notes.append(D_("image read from HDU {index} ({name})", index=index, name=name or D_("unnamed")))
    meta = ImageMeta(
        path=str(path), format="FITS", original_dtype=label, header=values, notes=notes,
        bayer_pattern=pattern,
        extra={"fits_comments": comments, "hdu": index, "debayered": False, "plane": None,
               "row_order": "BOTTOM-UP" if bottom_up else "TOP-DOWN"})
    source = _Source(path, offset, (planes, h, w), dtype, bottom_up)
    source.zero, source.scale = np.float32(zero), np.float32(1.0 / scale)
    return source, meta


def _stored_kind(header: Any) -> tuple[np.dtype, float, np.dtype] | None:
    """(dtype in the file, BZERO, the dtype astropy hands the general path) for the kinds of
    data this path reads exactly as it does: floats without scaling, 8-bit, 16-bit signed,
    16-bit unsigned (BZERO 32768); None for others (BLANK, other scalings, 32/64-bit ints)."""
    bitpix = int(header.get("BITPIX", 0))
    zero = float(header.get("BZERO", 0) or 0)
    if float(header.get("BSCALE", 1) or 1) != 1 or "BLANK" in header:
        return None
    if bitpix in (-32, -64) and zero == 0:
        dtype = np.dtype(">f4" if bitpix == -32 else ">f8")
        return dtype, 0.0, dtype
    if bitpix == 8 and zero == 0:
        return np.dtype("u1"), 0.0, np.dtype("uint8")
    if bitpix == 16 and zero == 0:
        return np.dtype(">i2"), 0.0, np.dtype(">i2")
    if bitpix == 16 and zero == 32768:
        return np.dtype(">i2"), 32768.0, np.dtype("uint16")
    return None


def convert_streamed(src: str | Path, out: str | Path, *, bits: int | None, stretch: str,
                     compression: str | None, choice: dict[str, Any]
                     ) -> tuple[list[str], list[str]] | None:
    """Convert ``src`` to ``out`` as ``nebulayer convert`` does: (the notes of the opened
    image, the notes of the export), or None when this path does not cover the case (nothing
    written then)."""
    src, out = Path(src), Path(out)
    if src.suffix.lower() not in _FITS or out.suffix.lower() not in _TIFF or \
            bits not in (None, 8, 16, 32) or choice.get("plane") is not None or \
            choice.get("debayer") or not out.parent.is_dir():
        return None
    from editor.io.api import check_readable

    check_readable(src)
    opened = _open_source(src, choice)
    if opened is None:
        return None
    source, meta = opened
    try:
        notes = _convert(source, meta, out, bits, stretch, compression)
    finally:
        source.close()
    return None if notes is None else (list(meta.notes), notes)


def _convert(source: _Source, meta: ImageMeta, out: Path, bits: int | None, stretch: str,
             compression: str | None) -> list[str] | None:
    from editor.io.atomic import atomic_path

    mtfs: list[MTF] | None = None
    if stretch == "auto":
        with ThreadPoolExecutor(WORKERS) as pool:  # reads and gathers release the GIL
            k = even_sample_indices(source.h, source.w)
            samples = list(pool.map(lambda c: source.sample(c, k), range(source.planes)))
            del k
        c0, m, c1 = stf_params(samples)
        cap = bool(np.any(m > 0.5))
        mtfs = [MTF(a, b, c, cap) for a, b, c in zip(c0, m, c1)]
        from editor.io.wcs import drop_bunit

        # untranslated: HISTORY lines are English (FITS convention)
        history = [*meta.extra.get("history", []), "auto stretch (STF) by convert --stretch auto"]
        meta = replace(meta, header=drop_bunit(meta.header, "values stretched by --stretch auto"),
                       extra={**meta.extra, "history": history})
    ranges = np.full((source.planes, 2), np.nan)  # exact finite (min, max) of the input
    ranges[:, 0], ranges[:, 1] = np.inf, -np.inf

    class Fallback(Exception):
        pass

    try:
        with atomic_path(out) as tmp:
            _write(source, tmp, bits, mtfs, ranges, compression, meta)
            if not _as_is(ranges, mtfs, bits):
                raise Fallback
    except Fallback:
        return None
    except (OSError, ValueError) as exc:  # a full disk, a folder in the way: as export_image
        from editor.errors import ImageWriteError

        raise ImageWriteError(out, _("cannot write: {error}").format(error=exc)) from exc
    return []


def _as_is(ranges: np.ndarray, mtfs: list[MTF] | None, bits: int | None) -> bool:
    """Whether the written values follow the export rule: any float image does (when it has
    no infinities: the general path turns them into NaN with a note); an integer export only
    when the result lies within 0..1 and reaches 1/100 (rule 1 of export_range)."""
    if not np.all(np.isfinite(ranges)):
        return False  # infinities, or a channel with no finite value
    if bits not in (8, 16):
        return True
    lo, hi = ranges[:, 0], ranges[:, 1]
    if mtfs is not None:
        lo = np.array([f.of(v) for f, v in zip(mtfs, lo)])
        hi = np.array([f.of(v) for f, v in zip(mtfs, hi)])
    from editor.io.export_range import NORMALISED_MIN_TOP

    half_step = 0.5 / ((1 << bits) - 1)
    return bool(lo.min() >= -half_step and hi.max() <= 1.0 + half_step
                and hi.max() >= NORMALISED_MIN_TOP)


def _write(source: _Source, tmp: Path, bits: int | None, mtfs: list[MTF] | None,
           ranges: np.ndarray, compression: str | None, meta: ImageMeta) -> None:
    import tifffile

    from editor.io.stream_write import tiff_compression, write_tiff_bands
    from editor.io.tiff import _astrotiff_description, _camera_tags, _icc_for

    dtype = np.dtype({None: np.float32, 32: np.float32, 8: np.uint8, 16: np.uint16}[bits])
    h, w, planes = source.h, source.w, source.planes
    shape = (h, w, planes) if planes > 1 else (h, w)
    like = np.broadcast_to(np.zeros((), dtype), shape)
    description = _astrotiff_description(meta, like)
    bands = _bands(source, dtype, mtfs, ranges)
    codec = tiff_compression(compression)
    if codec is None:  # strips, as other programs write them
        raw = h * w * planes * dtype.itemsize  # past ~4 GiB only BigTIFF holds the offsets
        tifffile.imwrite(
            tmp, (px.tobytes() for _, px in bands), shape=shape, dtype=dtype,
            bigtiff=raw > 2**32 - 2**26, rowsperstrip=BAND_ROWS, photometric="rgb" if planes > 1 else "minisblack",
            planarconfig="contig", compression=None, metadata=None, description=description,
            software="Nebulayer", iccprofile=_icc_for(meta, like), extratags=_camera_tags(meta))
    else:
        write_tiff_bands(tmp, shape, dtype, bands, BAND_ROWS, compression=compression,
                         description=description, iccprofile=_icc_for(meta, like),
                         extratags=_camera_tags(meta))


def _bands(source: _Source, dtype: np.dtype, mtfs: list[MTF] | None,
           ranges: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, band) top to bottom: each band read, converted, stretched and quantised in
    cache-sized chunks on the worker threads (the next band is under way while one is
    written); ``ranges`` gathers each plane's exact input range (min, max; NaN skipped)."""
    h, w, planes = source.h, source.w, source.planes
    rows = max(1, CHUNK // w)
    integer = dtype.kind == "u"
    peak = np.float32(np.iinfo(dtype).max) if integer else None
    local = _Scratch(rows * w, source.dtype)

    def chunk(band: np.ndarray, c: int, y0: int, r0: int, r1: int) -> tuple[int, float, float]:
        raw, buf, den = local.get()
        x = buf[:(r1 - r0) * w].reshape(r1 - r0, w)
        np.copyto(x, source.read(c, y0 + r0, y0 + r1, raw), casting="unsafe")
        source.to_unit(x)
        lo, hi = float(np.fmin.reduce(x, axis=None)), float(np.fmax.reduce(x, axis=None))
        if mtfs is not None:
            mtfs[c].apply(x, den[:x.size].reshape(x.shape))
        if integer:  # the values of editor.io.tiff.quantise: NaN -> 0, clipped to 0..1
            np.fmax(x, np.float32(0), out=x)  # fmax: NaN becomes 0
            np.minimum(x, np.float32(1), out=x)
            np.multiply(x, peak, out=x)
            np.rint(x, out=x)
        (band[r0:r1] if planes == 1 else band[r0:r1, :, c])[...] = x
        return c, lo, hi

    def start(y0: int) -> tuple[int, np.ndarray, list[Any]]:
        y1 = min(h, y0 + BAND_ROWS)
        band = np.empty((y1 - y0, w, planes) if planes > 1 else (y1 - y0, w), dtype)
        jobs = [pool.submit(chunk, band, c, y0, r0, min(y1 - y0, r0 + rows))
                for c in range(planes) for r0 in range(0, y1 - y0, rows)]
        return y0, band, jobs

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="convert") as pool:
        pending = start(0)
        while pending is not None:
            y0, band, jobs = pending
            for job in jobs:
                c, lo, hi = job.result()
                if lo == lo:  # NaN: no finite value in this chunk
                    ranges[c, 0] = min(ranges[c, 0], lo)
                    ranges[c, 1] = max(ranges[c, 1], hi)
            pending = start(y0 + BAND_ROWS) if y0 + BAND_ROWS < h else None
            yield y0, band


class _Scratch:
    """Per thread, made once: a buffer of ``n`` file values and two float32 ones."""

    def __init__(self, n: int, raw: np.dtype) -> None:
        import threading

        self.n, self.raw, self.local = n, raw, threading.local()

    def get(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bufs = getattr(self.local, "bufs", None)
        if bufs is None:
            bufs = self.local.bufs = (np.empty(self.n, self.raw), np.empty(self.n, np.float32),
                                      np.empty(self.n, np.float32))
        return bufs
