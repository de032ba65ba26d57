"""Pixel data inside a project: float32 FITS bytes, written and read with astropy.

RGB is stored as a (3, H, W) cube (the FITS convention) and rows top-first with
``ROWORDER = 'TOP-DOWN'`` so other FITS viewers show it the right way up. Reading checks the
declared size in the header before touching the data, so a hostile file cannot make us
allocate more than the caller allows.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO, Callable, Iterator

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from editor.locale import _


class FitsDataError(ValueError):
    """The bytes are not the FITS image we expected (the message says why)."""


def fits_bytes(pixels: np.ndarray, name: str) -> bytes:
    """Float32 FITS of (H, W) or (H, W, 3) pixels, bit-exact (NaN kept)."""
    return bytes(fits_buffer(pixels, name))


def fits_buffer(pixels: np.ndarray, name: str) -> memoryview:
    """:func:`fits_bytes` as a bytes-like memoryview (zipfile and file.write take it) that
    the saving thread builds without holding the GIL for long."""
    data = np.asarray(pixels, dtype=np.float32)
    if data.ndim == 3:
        data = np.moveaxis(data, -1, 0)
    data = np.ascontiguousarray(data)
    hdu = fits.PrimaryHDU(data)
    hdu.header["ROWORDER"] = ("TOP-DOWN", "first row is the top of the picture")
    # FITS cards are ASCII; the exact name lives in document.json.
    from editor.io.fits_header import ascii_card_value

    hdu.header["EXTNAME"] = (ascii_card_value(name)[:68], "Nebulayer project source")
    hdu.header["CREATOR"] = "Nebulayer"
    # The bytes hdu.writeto(BytesIO, checksum=True) wrote, laid out with numpy instead: its
    # in-place byteswaps and BytesIO write held the GIL ~0.5 s on 40 MP, freezing the window
    # during a save (bench_ui_pauses.py); numpy's byte-swapping copy lets the UI thread run.
    hdu.add_checksum()
    head = np.frombuffer(hdu.header.tostring().encode("ascii"), dtype=np.uint8)
    n = data.nbytes
    out = np.zeros(head.size + n + (-n % 2880), dtype=np.uint8)  # FITS blocks of 2880 bytes
    out[:head.size] = head
    out[head.size:head.size + n].view(">f4").reshape(data.shape)[...] = data
    return memoryview(out)  # bytes-like; .tobytes() would hold the GIL ~0.1 s more


#: Sources from this size on are written into a project band by band (:func:`write_fits_source`)
#: instead of as one byte buffer: a buffer copies the whole source, and a big source is
#: mapped from disk, not held (a gigapixel document's panels are gigabytes each).
STREAM_MIN_BYTES = 64 * 1024**2
_BAND_BYTES = 16 * 1024**2


def _bands(pixels: np.ndarray) -> Iterator[np.ndarray]:
    """(plane, big-endian rows) of ``pixels`` in FITS order (plane after plane, top row
    first), about _BAND_BYTES each; mapped pages read are handed back after each band."""
    from editor.io.mapped import drop_resident

    h, w = pixels.shape[:2]
    planes = 1 if pixels.ndim == 2 else pixels.shape[2]
    rows = max(1, _BAND_BYTES // (4 * w))
    for c in range(planes):
        for y0 in range(0, h, rows):
            band = pixels[y0:y0 + rows] if planes == 1 else pixels[y0:y0 + rows, :, c]
            yield np.ascontiguousarray(band, dtype=">f4")
            drop_resident()


def write_fits_source(fh: BinaryIO, pixels: np.ndarray, name: str,
                      on_band: Callable[[int], None] | None = None) -> int:
    """Write what :func:`fits_buffer` returns, byte for byte, into the open file ``fh`` (a zip
    member being written) band by band: two passes over the pixels (the checksums go in the
    header, before the data), never a whole copy. Returns the bytes written.
    ``on_band(nbytes)`` is called after each band of either pass (a save's progress and
    cancel check; what it raises stops the write)."""
    from editor.io.fits_header import ascii_card_value
    from editor.io.stream_write import block_sum, header_checksum, ones_add

    h, w = pixels.shape[:2]
    dims = (h, w) if pixels.ndim == 2 else (pixels.shape[2], h, w)
    # a zero-strided stand-in of the right shape: astropy makes the header, allocates nothing
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=dims,
                                               strides=(0,) * len(dims))
    hdu = fits.PrimaryHDU(stand_in)
    hdr = hdu.header
    hdr["ROWORDER"] = ("TOP-DOWN", "first row is the top of the picture")
    hdr["EXTNAME"] = (ascii_card_value(name)[:68], "Nebulayer project source")
    hdr["CREATOR"] = "Nebulayer"
    datasum, position = 0, 0
    for band in _bands(pixels):
        raw = band.data.cast("B")
        datasum = ones_add(datasum, block_sum(raw, position))
        position += len(raw)
        if on_band is not None:
            on_band(len(raw))
    when = hdu._get_timestamp()  # the comments add_checksum() writes
    hdr["DATASUM"] = (str(datasum), f"data unit checksum updated {when}")
    hdr.set("CHECKSUM", "0" * 16, f"HDU checksum updated {when}", before="DATASUM")
    hdr["CHECKSUM"] = header_checksum(hdr, datasum)
    head = hdr.tostring().encode("ascii")
    fh.write(head)
    for band in _bands(pixels):
        raw = band.data.cast("B")
        fh.write(raw)
        if on_band is not None:
            on_band(len(raw))
    pad = -position % 2880
    fh.write(b"\0" * pad)
    return len(head) + position + pad


def read_fits_bytes(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Pixels of ``shape`` ((H, W) or (H, W, 3)) from :func:`fits_bytes` output.

    Raises FitsDataError if the header does not declare exactly that float32 image.
    """
    from editor.io.fits_sanity import declared_problem_in

    expected = tuple(shape) if len(shape) == 2 else (shape[2], shape[0], shape[1])
    impossible = declared_problem_in(io.BytesIO(data), max_hdus=1)
    if impossible:  # astropy would loop over a NAXIS of 2**31 before any check of ours
        raise FitsDataError(impossible)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            with fits.open(io.BytesIO(data), memmap=False, lazy_load_hdus=True) as hdul:
                hdu = hdul[0]
                hdr = hdu.header
                naxis = int(hdr.get("NAXIS", 0))
                dims = tuple(int(hdr.get(f"NAXIS{i}", 0)) for i in range(naxis, 0, -1))
                if int(hdr.get("BITPIX", 0)) != -32:
                    raise FitsDataError(_("pixels are BITPIX {get}, expected -32").format(get=hdr.get('BITPIX')))
                if dims != expected:
                    raise FitsDataError(_("pixels are {dims}, the project says {expected}").format(dims=dims, expected=expected))
                if len(data) < 2880 + int(np.prod(dims)) * 4:
                    raise FitsDataError(_("pixel data is truncated"))
                arr = np.array(hdu.data, dtype=np.float32)
    except (OSError, KeyError, IndexError, TypeError) as exc:
        raise FitsDataError(_("not a readable FITS image ({exc})").format(exc=exc)) from None
    if arr.shape != expected:
        raise FitsDataError(_("pixels are {shape}, the project says {expected}").format(shape=arr.shape, expected=expected))
    if arr.ndim == 3:
        arr = np.moveaxis(arr, 0, -1)
    return np.ascontiguousarray(arr)
