"""Pixel data inside a project: float32 FITS bytes, written and read with astropy.

RGB is stored as a (3, H, W) cube (the FITS convention) and rows top-first with
``ROWORDER = 'TOP-DOWN'`` so other FITS viewers show it the right way up. Reading checks the
declared size in the header before touching the data, so a hostile file cannot make us
allocate more than the caller allows.
"""

from __future__ import annotations

import io
import warnings

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
