"""Reading FITS: real files against astropy, and synthetic files for every variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.errors import ChoiceNeededError, ImageReadError, UnsupportedFormatError
from editor.io import open_image
from tests.io.synthetic import gradient

REAL_IMAGES = [
    ("fits/horsehead_dss_ukschmidt.fits", 0),
    ("fits/m13_subs/M13_blue_0001.fits", 0),
    ("fits/m13_subs/M13_blue_0005.fits", 0),
    ("fits/multiband_gc/gc_2mass_j.fits", 0),
    ("fits/multiband_gc/gc_2mass_h.fits", 0),
    ("fits/multiband_gc/gc_2mass_k.fits", 0),
    ("fits/gc_msx_e_float64.fits", 0),
    ("fits/m51_kpno_b_int16.fits", 0),
    ("fits/spitzer_irac_glimpse.fits", 0),
    ("fits/hst_acs_j8bt06nyq_flt_mef.fits", 1),
    ("fits/eso_midas_ccd_float32.fits", 0),
]


def _expected(raw: np.ndarray) -> np.ndarray:
    """What Nebulayer promises: bottom-up rows flipped, integers scaled to 0..1, floats as is."""
    scale = float(np.iinfo(raw.dtype).max) if raw.dtype.kind in "ui" else 1.0
    return (np.flipud(raw).astype(np.float64) / scale).astype(np.float32)


@pytest.mark.parametrize("name,hdu_index", REAL_IMAGES)
def test_real_fits_pixels_match_astropy_flipped_and_scaled(shared_data: Path, name, hdu_index):
    path = shared_data / name
    raw = fits.getdata(path, ext=hdu_index)
    image = open_image(path)
    assert image.data.dtype == np.float32
    assert image.data.shape == raw.shape
    np.testing.assert_allclose(image.data, _expected(raw), rtol=1e-6, equal_nan=True)
    finite = raw[np.isfinite(raw)]
    assert image.meta.data_range == pytest.approx((float(finite.min()), float(finite.max())))
    assert image.meta.extra["hdu"] == hdu_index


def test_camera_uint16_with_bzero_comes_out_unsigned(shared_data: Path):
    image = open_image(shared_data / "fits/m13_subs/M13_blue_0001.fits")
    assert image.meta.header["BZERO"] == 32768
    assert image.data.min() >= 0.0
    assert image.meta.data_range[0] >= 0  # not -32768: BZERO was applied
    assert "uint16" in image.meta.original_dtype


def test_multi_extension_file_reads_the_sci_extension_and_keeps_primary_cards(shared_data: Path):
    image = open_image(shared_data / "fits/hst_acs_j8bt06nyq_flt_mef.fits")
    assert image.meta.header["EXTNAME"] == "SCI"
    assert image.meta.header["TELESCOP"] == "HST"  # from the primary header


def test_explicit_hdu_by_name(shared_data: Path):
    image = open_image(shared_data / "fits/hst_acs_j8bt06nyq_flt_mef.fits", hdu="DQ")
    assert image.meta.header["EXTNAME"] == "DQ"


def test_spectral_cube_asks_which_plane_and_opens_any_plane(shared_data: Path):
    path = shared_data / "fits/l1448_13co_cube.fits"
    with pytest.raises(ChoiceNeededError, match="53 planes.*--plane 0..52") as info:
        open_image(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert len(info.value.choices) == 53
    raw = fits.getdata(path)
    for plane in (0, 26, 52):
        image = open_image(path, plane=plane)
        np.testing.assert_array_equal(image.data, raw[plane][::-1])
        assert f"plane {plane} of 53" in image.meta.notes
    with pytest.raises(ImageReadError, match="0..52"):
        open_image(path, plane=53)


@pytest.mark.parametrize("dtype,bzero,expected_max", [
    (np.uint8, None, 1.0),
    (np.int16, None, 1.0),
    (np.int32, None, 1.0),
    (np.uint16, None, 1.0),  # astropy writes BZERO=32768
    (np.float32, None, None),
    (np.float64, None, None),
])
def test_every_bitpix_is_scaled_or_kept(write_fits_raw, dtype, bzero, expected_max):
    stored = gradient(4, 5, dtype=np.float64)
    if np.dtype(dtype).kind in "ui":
        peak = np.iinfo(dtype).max
        stored = np.rint(stored * peak).astype(dtype)
    else:
        stored = (stored * 40000.0).astype(dtype)  # float data keep their own range
    image = open_image(write_fits_raw(f"x_{np.dtype(dtype).name}.fits", stored))
    if expected_max is None:
        np.testing.assert_array_equal(image.data, np.flipud(stored).astype(np.float32))
    else:
        assert image.data.max() == pytest.approx(expected_max)
        assert image.data.min() == pytest.approx(0.0)


def test_bscale_bzero_physical_values_are_applied(write_fits_raw, tmp_path):
    hdu = fits.PrimaryHDU(np.array([[0, 10], [20, 30]], dtype=np.int16))
    hdu.header["BSCALE"] = 0.5
    hdu.header["BZERO"] = 100.0
    path = tmp_path / "scaled.fits"
    hdu.writeto(path)
    image = open_image(path)
    np.testing.assert_allclose(image.data, [[110, 115], [100, 105]])


@pytest.mark.parametrize("axis_order", ["planes", "interleaved"])
def test_rgb_cube_in_either_axis_order(write_fits_raw, axis_order):
    picture = gradient(4, 5, channels=3)  # top row first, H x W x 3
    stored = picture[::-1]
    stored = np.moveaxis(stored, 2, 0) if axis_order == "planes" else stored
    image = open_image(write_fits_raw(f"{axis_order}.fits", np.ascontiguousarray(stored)))
    np.testing.assert_array_equal(image.data, picture)


def test_tile_compressed_hdu(tmp_path):
    picture = gradient(16, 12, dtype=np.uint16)
    path = tmp_path / "comp.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(picture[::-1], compression_type="RICE_1")]
                 ).writeto(path)
    image = open_image(path)
    np.testing.assert_allclose(image.data, picture / 65535.0, rtol=1e-6)


def test_nan_and_inf_become_missing_data(write_fits_raw):
    stored = np.ones((3, 3), dtype=np.float32)
    stored[0, 0], stored[1, 1], stored[2, 2] = np.nan, np.inf, -np.inf
    image = open_image(write_fits_raw("nan.fits", stored))
    assert np.isnan(image.data).sum() == 3
    assert image.meta.data_range == (1.0, 1.0)


def test_blank_integer_pixels_become_nan(write_fits_raw):
    stored = np.array([[5, -999], [7, 8]], dtype=np.int16)
    image = open_image(write_fits_raw("blank.fits", stored, BLANK=-999))
    assert np.isnan(image.data[1, 1])  # stored row 0 is our bottom row
    assert np.isfinite(image.data).sum() == 3


def test_four_d_cube_is_a_choice_of_its_planes(write_fits_raw):
    cube = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    path = write_fits_raw("4d.fits", cube)
    with pytest.raises(ChoiceNeededError, match="6 planes"):
        open_image(path)
    np.testing.assert_array_equal(open_image(path, plane=4).data, cube[1, 1][::-1])


def test_degenerate_axes_of_length_one_are_dropped(write_fits_raw):
    picture = gradient(4, 5)
    image = open_image(write_fits_raw("radio.fits", picture[::-1][None, None]))
    np.testing.assert_array_equal(image.data, picture)


def test_pixels_are_read_only(write_fits_raw):
    image = open_image(write_fits_raw("ro.fits", gradient()))
    with pytest.raises(ValueError):
        image.data[0, 0] = 1.0


def test_progress_reaches_one(write_fits_raw):
    seen: list[float] = []
    open_image(write_fits_raw("p.fits", gradient()), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
