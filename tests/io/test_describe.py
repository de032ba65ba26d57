"""``nebulayer info``: every shared data file is described, one field per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor.errors import ImageReadError
from editor.io import describe_file


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() != ".md")


def test_every_shared_file_is_described_or_refused_cleanly(shared_data: Path):
    for path in _all_files(shared_data):
        if "invalid" in path.parts:
            with pytest.raises(ImageReadError):
                describe_file(path)
            continue
        text = describe_file(path)
        fields = dict(line.split(": ", 1) for line in text.splitlines())
        assert fields["file"] == str(path)
        assert fields["format"] in ("FITS", "RAW")


def test_fits_fields(shared_data: Path):
    text = describe_file(shared_data / "fits/m13_subs/M13_blue_0001.fits").splitlines()
    assert "format: FITS" in text
    assert "dimensions: 1392 x 1040 (W x H)" in text
    assert "channels: 1 (mono)" in text
    assert "dtype in file: BITPIX 16 (uint16)" in text
    assert "EXPTIME: 5.0" in text
    assert any(line.startswith("BZERO: 32768") for line in text)
    assert any(line.startswith("data range: 0 .. ") for line in text)


def test_cube_is_described_with_the_reason_it_cannot_open(shared_data: Path):
    text = describe_file(shared_data / "fits/l1448_13co_cube.fits")
    assert "53 planes" in text and "HDU 0:" in text


def test_multi_extension_lists_every_hdu(shared_data: Path):
    lines = describe_file(shared_data / "fits/hst_acs_j8bt06nyq_flt_mef.fits").splitlines()
    assert [line.split()[2] for line in lines if line.startswith("HDU ")] == [
        "PrimaryHDU", "ImageHDU", "ImageHDU", "ImageHDU"]
    assert "TELESCOP: HST" in lines


def test_raw_fields(shared_data: Path):
    lines = describe_file(shared_data / "raw/canon_eos_6d_linear.dng").splitlines()
    assert "camera: Canon EOS 6D" in lines and "iso: 1000" in lines
    kdc = describe_file(shared_data / "raw/kodak_dc50_bayer.kdc").splitlines()
    assert any("Bayer GRBG" in line for line in kdc)
    assert "white level: 16383" in kdc
