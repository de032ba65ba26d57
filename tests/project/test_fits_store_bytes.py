"""Project source FITS are laid out with numpy (so a save does not hold the GIL and freeze the
window, issue 17); they must stay byte-for-byte what astropy's writeto(checksum=True) writes,
with valid CHECKSUM/DATASUM."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from astropy.io import fits

from editor.io.fits_header import ascii_card_value
from editor.project.fits_store import fits_buffer, fits_bytes, read_fits_bytes


def _astropy_bytes(pixels: np.ndarray, name: str) -> bytes:
    data = pixels if pixels.ndim == 2 else np.moveaxis(pixels, -1, 0)
    hdu = fits.PrimaryHDU(np.ascontiguousarray(data, dtype=np.float32))
    hdu.header["ROWORDER"] = ("TOP-DOWN", "first row is the top of the picture")
    hdu.header["EXTNAME"] = (ascii_card_value(name)[:68], "Nebulayer project source")
    hdu.header["CREATOR"] = "Nebulayer"
    buf = io.BytesIO()
    hdu.writeto(buf, checksum=True)
    return buf.getvalue()


@pytest.mark.parametrize("shape", [(7, 5), (33, 41, 3), (100, 2881), (1, 1)])
def test_same_bytes_as_astropy_writeto_with_checksum(shape):
    rng = np.random.default_rng(4)
    pixels = rng.normal(0, 1e-18, shape).astype(np.float32)  # physical units, tiny values
    pixels.flat[0] = np.nan
    pixels.flat[-1] = -np.inf
    got = fits_buffer(pixels, "Lune — M42")
    assert bytes(got) == fits_bytes(pixels, "Lune — M42")
    assert bytes(got) == _astropy_bytes(pixels, "Lune — M42")
    assert len(got) % 2880 == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a wrong checksum is a warning in astropy
        with fits.open(io.BytesIO(bytes(got)), checksum=True) as hdul:
            assert hdul[0].verify_checksum() == 1 and hdul[0].verify_datasum() == 1
    np.testing.assert_array_equal(read_fits_bytes(bytes(got), shape), pixels)
