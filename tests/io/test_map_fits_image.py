"""An uncompressed FITS image too big for the memory budget is read band by band into a
memory-mapped copy with the pixels, value range and notes ``open_image`` gives it (float with
infinities, 8/16-bit signed and unsigned, RGB planes, rows bottom-up or top-down, an image in
an extension), and the proxy levels the renderer would build; what the band reader does not
cover returns None."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from editor.io import open_image
from editor.io.mapped import map_fits_image, prebuilt_level
from editor.render.budget_plan import is_mapped
from editor.render.resample import reduce2

RNG = np.random.default_rng(7)


def _float_rgb() -> np.ndarray:
    data = RNG.random((3, 301, 203), dtype=np.float32)
    data[1, 5, 7], data[2, 300, 0] = np.inf, -np.inf
    data[0, 9, 9] = np.nan
    return data


CASES = {
    "float RGB with infinities": (_float_rgb, {}),
    "uint16 (BZERO 32768)": (lambda: (RNG.random((257, 130)) * 65535).astype(np.uint16), {}),
    "uint8": (lambda: (RNG.random((130, 257)) * 255).astype(np.uint8), {}),
    "int16": (lambda: (RNG.random((99, 77)) * 30000 - 15000).astype(np.int16), {}),
    "top-down rows": (lambda: RNG.random((80, 60), dtype=np.float32), {"ROWORDER": "TOP-DOWN"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mapped_copy_has_the_pixels_range_and_notes_open_image_gives(case, tmp_path):
    make, cards = CASES[case]
    hdu = fits.PrimaryHDU(make())
    for k, v in cards.items():
        hdu.header[k] = v
    path = tmp_path / "img.fits"
    hdu.writeto(path)
    want = open_image(path)
    got = map_fits_image(path, None, reduce2)
    assert got is not None and is_mapped(got.data) and not got.data.flags.writeable
    np.testing.assert_array_equal(got.data, want.data)  # NaN where open_image has NaN
    assert got.meta.data_range == want.meta.data_range
    assert [str(n) for n in got.meta.notes] == [str(n) for n in want.meta.notes]
    assert got.meta.original_dtype == want.meta.original_dtype
    assert got.meta.header == want.meta.header
    np.testing.assert_array_equal(prebuilt_level(got.data, 1), reduce2(np.asarray(want.data)))


def test_an_image_in_an_extension_is_mapped_from_there(tmp_path):
    data = RNG.random((64, 48), dtype=np.float32)
    path = tmp_path / "ext.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, name="SCI")]).writeto(path)
    want = open_image(path, hdu="SCI")
    got = map_fits_image(path, "SCI")
    np.testing.assert_array_equal(got.data, want.data)
    assert [str(n) for n in got.meta.notes] == [str(n) for n in want.meta.notes]


def test_what_the_band_reader_does_not_cover_is_left_to_open_image(tmp_path):
    data = (RNG.random((40, 30)) * 1000).astype(np.int16)
    hdu = fits.PrimaryHDU(data)
    hdu.header["BLANK"] = -1  # missing pixels: the general reader's rule
    path = tmp_path / "blank.fits"
    hdu.writeto(path)
    assert map_fits_image(path) is None
    fits.CompImageHDU(RNG.random((40, 30), dtype=np.float32)).writeto(tmp_path / "c.fits")
    assert map_fits_image(tmp_path / "c.fits") is None
