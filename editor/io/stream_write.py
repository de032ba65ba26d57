"""Writing an image that never exists whole in memory: TIFF and FITS from bands of rows.

The renderer hands over horizontal bands (all columns, a few hundred rows) top to bottom;
each is written and dropped, so memory holds one band whatever the canvas size.

- TIFF: tiled (tile height = the band height, a multiple of 16 as TIFF requires), written by
  tifffile from an iterator of tiles. ``compression``: None (fastest, every reader), "lzw" /
  "deflate" (every libtiff-based reader: Photoshop, GIMP, Siril, PixInsight), "zstd"
  (tifffile, GDAL, libtiff >= 4.0.10 built with zstd; not Photoshop).
- FITS: the header is written first, then each band's rows go straight to their place in the
  file (``os.pwrite``): planes are 3 x H x W and rows bottom-up (as :mod:`editor.io.fits_write`
  writes them), so a band's rows land in three separate stretches. DATASUM and CHECKSUM (the
  FITS checksum convention: 32-bit one's-complement sums) are summed block by block as the
  rows are written (the sum does not depend on the order), and the header, whose length the
  cards' final values do not change, is written again at the end with them.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from editor.locale import _

Band = tuple[int, np.ndarray]  # (first row, pixels (rows, W) or (rows, W, C))

#: Names accepted by ``--compression``, mapped to tifffile's.
TIFF_COMPRESSIONS = {"none": None, "lzw": "lzw", "deflate": "zlib", "zstd": "zstd"}


def tiff_compression(name: str | None) -> str | None:
    """tifffile's name for ``name`` (None / "none" = uncompressed); ValueError if unknown."""
    key = (name or "none").lower()
    if key not in TIFF_COMPRESSIONS:
        raise ValueError(_("unknown TIFF compression {name!r} (one of {items})").format(name=name, items=', '.join(TIFF_COMPRESSIONS)))
    return TIFF_COMPRESSIONS[key]


def _tiles_of(bands: Iterable[Band], width: int, tile_w: int,
              convert: Callable[[np.ndarray], np.ndarray]) -> Iterator[np.ndarray]:
    for _, px in bands:
        px = convert(px)
        for x in range(0, width, tile_w):
            yield px[:, x:x + tile_w]


def write_tiff_bands(path: Path, shape: tuple[int, ...], dtype: Any, bands: Iterable[Band],
                     band_rows: int, *, compression: str | None = None,
                     convert: Callable[[np.ndarray], np.ndarray] = lambda a: a,
                     description: str | None = None, iccprofile: bytes | None = None,
                     extratags: list | None = None) -> None:
    """A tiled TIFF of ``shape`` (H, W) or (H, W, 3) from ``bands`` of ``band_rows`` rows
    (a multiple of 16; the last band may be shorter). ``convert`` turns a float band into
    the stored dtype (quantising for 8/16-bit)."""
    import tifffile

    if band_rows % 16:
        raise ValueError(_("TIFF tiles need a height that is a multiple of 16, not {band_rows}").format(band_rows=band_rows))
    tile_w = max(16, min(band_rows, 1024))
    # Classic TIFF offsets are 32-bit: past ~4 GiB of pixels (a 40000 x 25000 RGB float
    # is 12 GB) only BigTIFF can hold the file (read by libtiff >= 4, GDAL, tifffile).
    raw = int(np.prod(shape)) * np.dtype(dtype).itemsize
    tifffile.imwrite(
        path, _tiles_of(bands, shape[1], tile_w, convert), shape=shape, dtype=dtype,
        bigtiff=raw > 2**32 - 2**26,
        tile=(band_rows, tile_w), photometric="rgb" if len(shape) == 3 else "minisblack",
        planarconfig="contig", compression=tiff_compression(compression), metadata=None,
        description=description, software="Nebulayer", iccprofile=iccprofile,
        extratags=extratags or [], maxworkers=os.cpu_count() or 1)  # tiles compressed in parallel


_BITPIX = {np.dtype(np.float32): -32, np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}


def write_fits_bands(path: Path, shape: tuple[int, ...], dtype: Any, bands: Iterable[Band],
                     header: Mapping[str, Any] | None, history: Iterable[str] = (),
                     comments: Mapping[str, str] | None = None,
                     convert: Callable[[np.ndarray], np.ndarray] = lambda a: a) -> None:
    """A FITS file of ``shape`` (H, W) or (H, W, 3), float32 / uint8 / uint16 (BZERO 32768),
    rows bottom-up, from ``bands`` of float rows top to bottom."""
    from astropy.io import fits
    from astropy.io.fits.verify import VerifyWarning

    from editor.io.fits_header import build_header, utc_now_iso

    dtype = np.dtype(dtype)
    h, w = shape[0], shape[1]
    planes = shape[2] if len(shape) == 3 else 1
    hdr = build_header(header, comments, history)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VerifyWarning)
        out = fits.Header()
        out["SIMPLE"] = True
        out["BITPIX"] = _BITPIX[dtype]
        out["NAXIS"] = 3 if planes > 1 else 2
        out["NAXIS1"] = w
        out["NAXIS2"] = h
        if planes > 1:
            out["NAXIS3"] = planes
        out["EXTEND"] = True
        if dtype == np.uint16:
            out["BZERO"] = 32768
            out["BSCALE"] = 1
        out.extend(hdr, end=True)
        # untranslated: FITS header comments are English (a file-format convention)
        out["ROWORDER"] = ("BOTTOM-UP", "order of the rows in the file")
        out["DATE"] = (utc_now_iso(), "UTC date this file was written")
        out["CHECKSUM"] = ("0" * 16, "HDU checksum (FITS checksum convention)")
        out["DATASUM"] = ("0", "data unit checksum")
        text = out.tostring().encode("ascii")
    stored = {np.dtype(np.float32): ">f4", np.dtype(np.uint8): "u1",
              np.dtype(np.uint16): ">i2"}[dtype]
    item = np.dtype(stored).itemsize
    data_bytes = h * w * planes * item
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    datasum = 0
    try:
        os.pwrite(fd, text, 0)
        base = len(text)
        for y0, px in bands:
            px = convert(px)
            rows = px.shape[0]
            grid = px if px.ndim == 3 else px[:, :, None]
            for c in range(planes):
                plane = grid[::-1, :, c]  # bottom-up: the band's last row comes first
                if dtype == np.uint16:
                    block = (plane.astype(np.int32) - 32768).astype(">i2")
                else:
                    block = np.ascontiguousarray(plane, dtype=stored)
                first = h - (y0 + rows)  # file row of the band's bottom row
                offset = base + ((c * h) + first) * w * item
                raw = block.tobytes()
                os.pwrite(fd, raw, offset)
                datasum = ones_add(datasum, block_sum(raw, offset - base))
        end = base + data_bytes
        pad = (-end) % 2880
        os.pwrite(fd, b"\0" * pad, end)  # also sets the size if no band was written
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VerifyWarning)
            out["DATASUM"] = str(datasum)
            out["CHECKSUM"] = header_checksum(out, datasum)
            final = out.tostring().encode("ascii")
        if len(final) != len(text):  # pragma: no cover - fixed-width cards
            raise ValueError("the FITS header changed length when its checksums were set")  # untranslated: cannot happen
        os.pwrite(fd, final, 0)
    finally:
        os.close(fd)


def ones_add(a: int, b: int) -> int:
    """32-bit one's-complement sum of two partial sums (end-around carry)."""
    s = a + b
    while s >> 32:
        s = (s & 0xFFFFFFFF) + (s >> 32)
    return s


def block_sum(raw: bytes, position: int) -> int:
    """The one's-complement sum of ``raw`` as big-endian 32-bit words of the data unit, the
    block starting ``position`` bytes into it: zero bytes align it to the words (zeros add
    nothing)."""
    lead, tail = position % 4, (-(position + len(raw))) % 4
    if lead or tail:
        raw = b"\0" * lead + raw + b"\0" * tail
    total = int(np.frombuffer(raw, ">u4").sum(dtype=np.uint64))
    return ones_add(total & 0xFFFFFFFF, total >> 32)


def header_checksum(header: Any, datasum: int) -> str:
    """The CHECKSUM value of an HDU with this header (CHECKSUM set to zeros while summing) and
    data unit sum: the complement of the whole sum, ASCII-encoded. The encoding is astropy's
    (``_char_encode``, what it writes with ``checksum=True``), so both agree by construction."""
    from astropy.io import fits

    saved = header["CHECKSUM"]
    header["CHECKSUM"] = "0" * 16
    text = header.tostring().encode("ascii")
    header["CHECKSUM"] = saved
    total = ones_add(datasum, block_sum(text, 0))
    return fits.PrimaryHDU()._char_encode(~np.uint32(total))
