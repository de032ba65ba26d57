"""FITS files as they come: gzip-compressed, with damaged headers, several images, data cubes.
All made from real files of the shared data."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.errors import ChoiceNeededError, ImageReadError
from editor.io import describe_file, open_image

M13 = "fits/m13_subs/M13_blue_0001.fits"
M51 = "fits/m51_kpno_b_int16.fits"
CUBE = "fits/l1448_13co_cube.fits"
HST = "fits/hst_acs_j8bt06nyq_flt_mef.fits"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "editor.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def _gzip(src: Path, dst: Path) -> Path:
    dst.write_bytes(gzip.compress(src.read_bytes()))
    return dst


@pytest.mark.parametrize("name", ["m13.fits.gz", "m13.fit.gz", "m13.fts.gz", "m13_no_extension"])
def test_gzip_compressed_fits_opens_like_the_plain_file(shared_data, tmp_path, name):
    plain = open_image(shared_data / M13)
    packed = open_image(_gzip(shared_data / M13, tmp_path / name))
    assert packed.meta.format == "FITS"
    np.testing.assert_array_equal(packed.data, plain.data)
    assert packed.meta.header["EXPTIME"] == plain.meta.header["EXPTIME"]


def test_cut_short_gzip_is_one_line_naming_the_file(shared_data, tmp_path):
    whole = gzip.compress((shared_data / M13).read_bytes())
    cut = tmp_path / "cut.fits.gz"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(ImageReadError, match="gzip") as info:
        open_image(cut)
    assert str(cut) in str(info.value) and "\n" not in str(info.value)


def _damaged_header(src: Path, dst: Path, replacements: dict[str, str]) -> Path:
    """The real file with some of its 80-column cards replaced, in place (sizes unchanged)."""
    raw = bytearray(src.read_bytes())
    for start, card in replacements.items():
        at = raw.index(start.encode("ascii"))
        raw[at:at + 80] = card.ljust(80).encode("ascii")
    dst.write_bytes(bytes(raw))
    return dst


def test_header_astropy_must_fix_opens_with_the_problems_noted(shared_data, tmp_path):
    path = _damaged_header(shared_data / M51, tmp_path / "m51_bad.fits", {
        "ITIME   =": "ITIME   =              600.0.0 / a number with two points",
        "DATE-OBS=": "DATE-OBS= 1987-04-05T09:27:27 / an unquoted string",
        "OBJECT  =": "OBJECT  = 'm51 in B, a name long enough to need a second card&'",
        "IRAF-MAX=": "CONTINUE  ' continued here' / non-standard continuation",
        "EPOCH   =": "EPOCH   = 'no closing quote",
    })
    image = open_image(path)
    np.testing.assert_array_equal(image.data, open_image(shared_data / M51).data)
    notes = "\n".join(image.meta.notes)
    for key in ("ITIME", "DATE-OBS", "EPOCH"):
        assert f"header card {key}" in notes
    assert image.meta.header["DATE-OBS"] == "1987-04-05T09:27:27"
    assert image.meta.header["OBJECT"].startswith("m51 in B")
    done = _cli("info", path)
    assert done.returncode == 0 and "note: header card ITIME" in done.stdout


def test_header_that_cannot_be_parsed_is_one_line(shared_data, tmp_path):
    raw = bytearray((shared_data / M51).read_bytes())
    raw[80:2880] = bytes(range(256)) * 10 + bytes(2720 - 2560)
    path = tmp_path / "garbled.fits"
    path.write_bytes(bytes(raw))
    with pytest.raises(ImageReadError) as info:
        open_image(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    done = _cli("info", path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_several_images_open_the_first_and_name_the_others(shared_data):
    image = open_image(shared_data / HST)
    assert image.meta.extra["hdu"] == 1
    note = next(n for n in image.meta.notes if n.startswith("file holds 3 images"))
    assert "2 ERR 1024 x 1024" in note and "3 DQ 1024 x 1024" in note and "--hdu" in note
    by_name, by_index = open_image(shared_data / HST, hdu="DQ"), open_image(shared_data / HST, hdu=3)
    np.testing.assert_array_equal(by_name.data, by_index.data)
    with pytest.raises(ImageReadError, match="no HDU 7 .*1 SCI"):
        open_image(shared_data / HST, hdu=7)


@pytest.mark.parametrize("planes", [2, 17])
def test_small_cubes_are_a_choice_not_an_error(shared_data, tmp_path, planes):
    cube = fits.getdata(shared_data / CUBE)[10:10 + planes]
    path = tmp_path / f"cube{planes}.fits"
    fits.PrimaryHDU(cube).writeto(path)
    with pytest.raises(ChoiceNeededError, match=f"{planes} planes.*--plane 0..{planes - 1}"):
        open_image(path)
    last = open_image(path, plane=planes - 1)
    np.testing.assert_array_equal(last.data, cube[-1][::-1])
    text = describe_file(path)
    assert f"({planes} planes)" in text and "needs a choice" in text


def test_cli_lists_the_choice_and_takes_it(shared_data, tmp_path):
    cube = shared_data / CUBE
    done = _cli("convert", cube, tmp_path / "out.fits")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"nebulayer: {cube}: is a data cube of 53 planes (105 x 105 x 53): choose one with "
        "--plane 0..52"]
    assert _cli("convert", cube, tmp_path / "p7.fits", "--plane", "7").returncode == 0
    np.testing.assert_array_equal(open_image(tmp_path / "p7.fits").data,
                                  open_image(cube, plane=7).data)
    info = _cli("info", cube, "--plane", "52")
    assert info.returncode == 0 and "note: plane 52 of 53" in info.stdout
    hdu = _cli("info", shared_data / HST, "--hdu", "ERR")
    assert hdu.returncode == 0 and "EXTNAME: ERR" in hdu.stdout or "ERR" in hdu.stdout


def test_rgb_cube_plane_opens_one_colour(tmp_path):
    rgb = np.random.default_rng(1).random((3, 5, 6)).astype(np.float32)
    fits.PrimaryHDU(rgb).writeto(tmp_path / "rgb.fits")
    assert open_image(tmp_path / "rgb.fits").data.shape == (5, 6, 3)
    np.testing.assert_array_equal(open_image(tmp_path / "rgb.fits", plane=2).data, rgb[2][::-1])


def test_convert_says_which_image_it_took(shared_data, tmp_path):
    done = _cli("convert", shared_data / HST, tmp_path / "sci.fits")
    assert done.returncode == 0
    assert "file holds 3 images; opened HDU 1 SCI" in done.stderr and "--hdu" in done.stderr


def test_hdu_or_plane_on_a_file_that_is_not_fits_is_a_clear_error(shared_data):
    with pytest.raises(ImageReadError, match="RAW file: it has no HDUs or planes"):
        open_image(shared_data / "raw/kodak_dc50_bayer.kdc", plane=1)
