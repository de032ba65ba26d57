"""One orientation everywhere: row 0 is the top of the picture (see editor/io/__init__.py)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from astropy.io import fits

from editor.io import export_image, open_image, write_fits
from tests.io.synthetic import gradient


def test_standard_fits_and_tiff_of_the_same_picture_open_the_same_way_up(tmp_path):
    picture = gradient(5, 7)  # row 0 = top
    tifffile.imwrite(tmp_path / "stack.tif", picture)  # TIFF: first row is the top
    fits.PrimaryHDU(picture[::-1]).writeto(tmp_path / "stack.fits")  # FITS: first row is the bottom
    from_tiff = open_image(tmp_path / "stack.tif").data
    from_fits = open_image(tmp_path / "stack.fits").data
    np.testing.assert_array_equal(from_tiff, picture)
    np.testing.assert_array_equal(from_fits, picture)


def test_roworder_top_down_fits_is_not_flipped(tmp_path):
    picture = gradient(5, 7)
    hdu = fits.PrimaryHDU(picture)
    hdu.header["ROWORDER"] = "TOP-DOWN"
    hdu.writeto(tmp_path / "camera.fits")
    image = open_image(tmp_path / "camera.fits")
    np.testing.assert_array_equal(image.data, picture)
    assert image.meta.extra["row_order"] == "TOP-DOWN"


def test_fits_we_write_is_bottom_up_by_default_and_says_so(tmp_path):
    picture = gradient(5, 7)
    export_image(picture, tmp_path / "out.fits")
    with fits.open(tmp_path / "out.fits") as hdul:
        assert hdul[0].header["ROWORDER"] == "BOTTOM-UP"
        np.testing.assert_array_equal(hdul[0].data, picture[::-1])
    np.testing.assert_array_equal(open_image(tmp_path / "out.fits").data, picture)


def test_top_down_source_is_written_back_top_down(tmp_path):
    picture = gradient(5, 7)
    hdu = fits.PrimaryHDU(picture)
    hdu.header["ROWORDER"] = "TOP-DOWN"
    hdu.writeto(tmp_path / "camera.fits")
    image = open_image(tmp_path / "camera.fits")
    export_image(image, tmp_path / "again.fits")
    with fits.open(tmp_path / "again.fits") as hdul:
        assert hdul[0].header["ROWORDER"] == "TOP-DOWN"
        np.testing.assert_array_equal(hdul[0].data, picture)


def test_rgb_fits_written_as_planes_reopens_same_way_up(tmp_path):
    picture = gradient(4, 6, channels=3)
    write_fits(tmp_path / "rgb.fits", picture, {"OBJECT": "M42"}, ["made by a test"])
    with fits.open(tmp_path / "rgb.fits") as hdul:
        assert hdul[0].data.shape == (3, 4, 6)
        np.testing.assert_array_equal(hdul[0].data[0], picture[::-1, :, 0])
    np.testing.assert_array_equal(open_image(tmp_path / "rgb.fits").data, picture)


def _mosaic(picture_rgb: np.ndarray, pattern: str) -> np.ndarray:
    """Sample an RGB picture through a Bayer pattern (row 0 = top)."""
    h, w, _ = picture_rgb.shape
    out = np.empty((h, w), dtype=np.float32)
    for i, colour in enumerate(pattern):
        r, c = divmod(i, 2)
        out[r::2, c::2] = picture_rgb[r::2, c::2, "RGB".index(colour)]
    return out


@pytest.mark.parametrize("row_order", ["TOP-DOWN", "BOTTOM-UP", None])
@pytest.mark.parametrize("height", [6, 7])
@pytest.mark.parametrize("xoff,yoff", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_bayer_pattern_follows_row_order_and_offsets_as_siril(tmp_path, row_order, height,
                                                              xoff, yoff):
    # A flat colour: red 0.9, green 0.5, blue 0.1. Debayering with the wrong pattern would mix
    # them up, so the result proves BAYERPAT, XBAYROFF/YBAYROFF and ROWORDER were honoured.
    flat = np.empty((height, 8, 3), dtype=np.float32)
    flat[...] = (0.9, 0.5, 0.1)
    from editor.io.debayer import shift_pattern

    # As in Siril: BAYERPAT (shifted by the offsets) is the pattern of the picture's top row
    # read top-down: the last stored row for BOTTOM-UP, the first one otherwise.
    declared = shift_pattern("RGGB", xoff, yoff)
    if row_order == "BOTTOM-UP":
        stored = _mosaic(flat, declared)[::-1]  # top row stored last
    else:
        stored = _mosaic(flat, declared)  # first stored row has the declared pattern
    hdu = fits.PrimaryHDU(stored)
    hdu.header.update({"BAYERPAT": "RGGB", "XBAYROFF": xoff, "YBAYROFF": yoff})
    if row_order:
        hdu.header["ROWORDER"] = row_order
    hdu.writeto(tmp_path / "cfa.fits")
    mono = open_image(tmp_path / "cfa.fits")
    assert mono.data.ndim == 2 and mono.meta.bayer_pattern is not None
    # The pattern reported for the returned (top-first) array matches its pixels.
    expected_top_first = stored if row_order == "TOP-DOWN" else stored[::-1]
    np.testing.assert_array_equal(mono.data, expected_top_first)
    np.testing.assert_array_equal(_mosaic(flat, mono.meta.bayer_pattern), mono.data)
    for method in ("malvar", "bilinear"):
        colour = open_image(tmp_path / "cfa.fits", debayer=True, debayer_method=method)
        np.testing.assert_allclose(colour.data, flat, atol=1e-5)


@pytest.mark.parametrize("row_order", ["TOP-DOWN", "BOTTOM-UP"])
@pytest.mark.parametrize("height", [6, 7])
def test_mosaic_written_keeps_its_top_row_pattern_whatever_the_row_order(tmp_path, row_order,
                                                                         height):
    flat = np.empty((height, 8, 3), dtype=np.float32)
    flat[...] = (0.9, 0.5, 0.1)
    mosaic = _mosaic(flat, "GBRG")
    from editor.io.image import ImageMeta

    meta = ImageMeta(header={"ROWORDER": row_order}, bayer_pattern="GBRG")
    export_image(mosaic, tmp_path / "out.fits", meta=meta)
    with fits.open(tmp_path / "out.fits") as hdul:
        header = hdul[0].header
        assert (header["BAYERPAT"], header["XBAYROFF"], header["YBAYROFF"]) == ("GBRG", 0, 0)
        assert header["ROWORDER"] == row_order
    again = open_image(tmp_path / "out.fits")
    assert again.meta.bayer_pattern == "GBRG"
    np.testing.assert_array_equal(again.data, mosaic)
