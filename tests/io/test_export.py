"""Exports: bit-exact FITS/TIFF round trips, headers kept, sRGB PNG/JPEG, atomic saves."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image as PILImage

from editor.errors import ImageWriteError
from editor.io import export_image, open_image, register_writer, write_fits
from editor.io.srgb import srgb_icc_profile
from tests.io.synthetic import gradient

REAL = ["fits/horsehead_dss_ukschmidt.fits", "fits/m13_subs/M13_blue_0001.fits",
        "fits/multiband_gc/gc_2mass_k.fits", "fits/spitzer_irac_glimpse.fits",
        "fits/hst_acs_j8bt06nyq_flt_mef.fits", "fits/m51_kpno_b_int16.fits"]


def _fitsverify(path: Path) -> str:
    result = subprocess.run(["fitsverify", "-q", str(path)], capture_output=True, text=True,
                            timeout=60)
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", REAL)
def test_fits_export_of_an_opened_fits_reopens_bit_exact(shared_data: Path, tmp_path, name):
    source = open_image(shared_data / name)
    export_image(source.data, tmp_path / "out.fits", meta=source.meta)
    again = open_image(tmp_path / "out.fits")
    assert again.data.tobytes() == source.data.tobytes()


@pytest.mark.parametrize("name", REAL)
def test_fits_export_keeps_the_header_and_adds_history(shared_data: Path, tmp_path, name):
    source = open_image(shared_data / name)
    export_image(source, tmp_path / "out.fits")
    header = open_image(tmp_path / "out.fits").meta.header
    for key in ("OBJECT", "DATE-OBS", "EXPTIME", "TELESCOP", "INSTRUME"):
        if key in source.meta.header:
            assert header[key] == source.meta.header[key]
    assert header["BITPIX"] == -32
    assert "BZERO" not in header  # the source's scaling no longer applies
    assert any("Nebulayer" in line and "32-bit float" in line for line in header["HISTORY"])
    for line in source.meta.header.get("HISTORY", []):
        assert line in header["HISTORY"]


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="fitsverify not installed")
def test_written_fits_passes_fitsverify(tmp_path):
    write_fits(tmp_path / "mono.fits", gradient(5, 6), {"OBJECT": "M42", "EXPTIME": 30.0,
                                                        "DATE-OBS": "2024-01-01T20:00:00"},
               ["calibrated", "x" * 200])
    export_image(gradient(5, 6, channels=3), tmp_path / "rgb.fits", bits=16)
    for name in ("mono.fits", "rgb.fits"):
        report = _fitsverify(tmp_path / name)
        assert report.startswith("verification OK"), report  # no errors and no warnings


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="fitsverify not installed")
@pytest.mark.parametrize("name", REAL)
def test_exported_real_fits_have_no_fitsverify_errors(shared_data: Path, tmp_path, name):
    export_image(open_image(shared_data / name), tmp_path / "out.fits")
    report = _fitsverify(tmp_path / "out.fits")
    # Warnings inherited from the source header (e.g. deprecated EPOCH) are allowed.
    assert report.startswith("verification OK") or "and 0 errors" in report, report


def test_write_fits_keeps_camera_integers(tmp_path):
    frame = (np.arange(20, dtype=np.uint16) * 3000).reshape(4, 5)
    write_fits(tmp_path / "light.fits", frame, fits.Header({"IMAGETYP": "Light"}), [])
    with fits.open(tmp_path / "light.fits") as hdul:
        assert hdul[0].header["BITPIX"] == 16 and hdul[0].header["BZERO"] == 32768
        np.testing.assert_array_equal(hdul[0].data, frame[::-1])


def _icc_of(path: Path) -> bytes | None:
    with PILImage.open(path) as pil:
        return pil.info.get("icc_profile")


@pytest.mark.parametrize("name,bits", [("a.png", 8), ("b.png", 16), ("c.jpg", None)])
def test_png_and_jpeg_carry_the_srgb_profile(tmp_path, name, bits):
    export_image(gradient(6, 8, channels=3), tmp_path / name, bits=bits)
    icc = _icc_of(tmp_path / name)
    assert icc == srgb_icc_profile()
    from PIL import ImageCms

    described = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    assert "sRGB" in described


def test_png_writes_values_as_shown_clipped_and_srgb_tagged(tmp_path):
    # A few values past 1 (at most 1 %, editor/io/export_range.py) are clipped, and said.
    values = np.full((1, 400), 0.5, dtype=np.float32)
    values[0, :5] = [0.0, 0.25, 1.0, 3.0, np.nan]
    notes = export_image(values, tmp_path / "s.png")
    assert len(notes) == 1 and "clipped" in notes[0]
    with PILImage.open(tmp_path / "s.png") as pil:
        stored = np.asarray(pil)
        assert pil.info["icc_profile"] == srgb_icc_profile()
    # Values are display values (as on the canvas): 0.25 -> 64/255; >1 clips to white; NaN black.
    assert stored.shape == (1, 400, 3)  # grey is written as RGB so the sRGB profile is valid
    np.testing.assert_array_equal(stored[:, :5, 0], [[0, 64, 255, 255, 0]])


@pytest.mark.skipif(shutil.which("identify") is None, reason="ImageMagick not installed")
def test_grey_png_has_a_valid_srgb_profile(tmp_path):
    export_image(gradient(4, 4), tmp_path / "grey.png")
    result = subprocess.run(["identify", "-verbose", str(tmp_path / "grey.png")],
                            capture_output=True, text=True, timeout=30)
    assert "Profile-icc" in result.stdout and "Colorspace: sRGB" in result.stdout
    assert "warning" not in result.stderr.lower(), result.stderr


def test_bayer_pattern_is_written_as_siril_reads_it_for_any_height(tmp_path):
    from editor.io.image import ImageMeta

    mosaic = gradient(5, 6)  # odd height: flipping rows keeps the pattern
    meta = ImageMeta(bayer_pattern="GRBG", header={"BAYERPAT": "RGGB", "XBAYROFF": 1})
    export_image(mosaic, tmp_path / "odd.fits", meta=meta)
    assert open_image(tmp_path / "odd.fits").meta.bayer_pattern == "GRBG"
    export_image(gradient(6, 6), tmp_path / "even.fits", meta=meta)
    with fits.open(tmp_path / "even.fits") as hdul:
        assert hdul[0].header["BAYERPAT"] == "GRBG"  # the top row's, as Siril reads it
        assert hdul[0].header["XBAYROFF"] == 0
    assert open_image(tmp_path / "even.fits").meta.bayer_pattern == "GRBG"
    export_image(mosaic, tmp_path / "cfa.tif", meta=meta)
    assert open_image(tmp_path / "cfa.tif").meta.bayer_pattern == "GRBG"


def test_png_16_bit_round_trip_within_one_step(tmp_path):
    picture = gradient(6, 8, channels=3)
    export_image(picture, tmp_path / "p16.png", bits=16)
    back = open_image(tmp_path / "p16.png")
    assert back.meta.original_dtype == "uint16"
    np.testing.assert_allclose(back.data, picture, atol=5e-5)


def test_failed_save_leaves_the_old_file_whole_and_no_temp_file(tmp_path):
    target = tmp_path / "keep.fits"
    export_image(gradient(), target)
    before = target.read_bytes()

    def broken_writer(path, data, *, bits=None, meta=None):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    register_writer(".brk", broken_writer)
    broken = tmp_path / "keep.brk"
    broken.write_bytes(before)
    with pytest.raises(ImageWriteError, match="disk full"):
        export_image(gradient(), broken)
    assert broken.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.brk", "keep.fits"]


def test_unknown_output_extension_is_a_typed_error(tmp_path):
    with pytest.raises(ImageWriteError, match="unknown output format"):
        export_image(gradient(), tmp_path / "x.bmpx")


def test_missing_output_folder_is_a_typed_error(tmp_path):
    with pytest.raises(ImageWriteError, match="does not exist"):
        export_image(gradient(), tmp_path / "nope" / "x.tif")


@pytest.mark.skipif(shutil.which("fitsverify") is None, reason="fitsverify not installed")
@pytest.mark.parametrize("name", ["raw/kodak_dc50_bayer.kdc", "raw/canon_eos_6d_linear.dng"])
def test_a_raw_converted_to_fits_passes_fitsverify_with_an_iso_date(shared_data: Path, tmp_path,
                                                                      name):
    """EXIF writes dates as "1997:04:23 08:00:47"; FITS DATE-OBS must be ISO 8601."""
    export_image(open_image(shared_data / name), tmp_path / "out.fits")
    report = _fitsverify(tmp_path / "out.fits")
    assert report.startswith("verification OK"), report
    date = fits.getheader(tmp_path / "out.fits")["DATE-OBS"]
    assert date[4] == "-" and date[7] == "-" and date[10] == "T", date


def test_only_libraws_own_lines_are_taken_from_stderr_during_a_raw_decode(tmp_path, capfd, monkeypatch):
    """Lines other threads write while LibRaw's stderr is captured still reach stderr."""
    import os

    from editor.io import raw

    path = tmp_path / "frame.cr2"

    def fake_decode(p, options):
        os.write(2, f"{p}: Unexpected end of file\n".encode())
        os.write(2, b"a log line from another thread\n")
        raise raw.ImageReadError(p, "damaged or truncated RAW file")

    monkeypatch.setattr(raw, "_read_raw", fake_decode)
    with pytest.raises(raw.ImageReadError) as err:
        raw.read_raw(path, None)
    assert str(err.value).endswith("LibRaw says: Unexpected end of file")
    captured = capfd.readouterr()
    assert "a log line from another thread" in captured.err
    assert "Unexpected end of file" not in captured.err
