"""Integer exports never silently clip or flatten: one documented rule per situation
(editor/io/export_range.py), said on stderr and written as HISTORY (issue 11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits

from editor.io import export_image, open_image, write_fits
from other_units import CASES, case_file, flat_or_saturated

REPO = Path(__file__).resolve().parents[2]


def nebulayer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "editor.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def _embedded_history(path: Path) -> str:
    with tifffile.TiffFile(path) as tif:
        return tif.pages.first.description


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("export_range")


def test_one_absurd_pixel_in_0_1_data_is_clipped_and_named(tmp_path, shared_data):
    data = np.array(open_image(shared_data / "fits" / "horsehead_dss_ukschmidt.fits").data)
    data[0, 0] = 1e30
    notes = export_image(data, tmp_path / "one.png")
    assert len(notes) == 1 and notes[0].startswith("1 pixel (0.00%) was outside 0..1")


@pytest.mark.parametrize("case", CASES)
def test_convert_16_bit_stretch_auto_always_yields_a_picture(case, shared_data, folder):
    src = case_file(case, shared_data, folder)
    out = folder / f"{case}_auto.tif"
    result = nebulayer("convert", str(src), str(out), "--bits", "16", "--stretch", "auto")
    assert result.returncode == 0, result.stderr
    stored = tifffile.imread(out)
    assert stored.dtype == np.uint16
    problem = flat_or_saturated((stored >> 8).astype(np.uint8))
    assert problem is None, f"{case}: {problem}"


@pytest.mark.parametrize("case", CASES)
def test_convert_16_bit_of_other_units_rescales_and_says_so(case, shared_data, folder):
    src = case_file(case, shared_data, folder)
    out = folder / f"{case}.fits"
    result = nebulayer("convert", str(src), str(out), "--bits", "16")
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "rescaled linearly" in line]
    assert len(said) == 1 and said[0].startswith("nebulayer: values span")
    with fits.open(out) as hdul:
        stored = hdul[0].data.astype(np.int64)  # BZERO 32768: astropy gives 0..65535
        history = "\n".join(str(h) for h in hdul[0].header["HISTORY"])
    assert "rescaled linearly" in "".join(history.split("\n"))
    finite = np.isfinite(open_image(src).data)
    if finite.all():  # the whole range is used: minimum -> 0, maximum -> 65535
        assert stored.min() == 0 and stored.max() == 65535
    assert len(np.unique(stored)) >= 64


def test_data_within_0_1_keeps_its_values_exactly(tmp_path):
    rng = np.random.default_rng(3)
    data = rng.uniform(0.0, 1.0, (40, 50)).astype(np.float32)
    notes = export_image(data, tmp_path / "a.tif", bits=16)
    assert notes == []
    assert np.array_equal(tifffile.imread(tmp_path / "a.tif"),
                          np.rint(data * 65535).astype(np.uint16))


def test_a_few_pixels_past_1_are_clipped_and_the_export_says_how_many(tmp_path, shared_data):
    from filters import auto_stretch

    stretched = auto_stretch(open_image(shared_data / "fits" / "horsehead_dss_ukschmidt.fits").data)
    stretched = np.array(stretched)
    stretched[:4, :100] = 1.2  # 400 px of 795 663: stars pushed past white
    notes = export_image(stretched, tmp_path / "s.tif", bits=16)
    assert len(notes) == 1 and "400 pixels (0.05%)" in notes[0] and "clipped" in notes[0]
    assert "clipped" in _embedded_history(tmp_path / "s.tif")  # HISTORY even without a header
    kept = tifffile.imread(tmp_path / "s.tif")[10:]
    assert np.array_equal(kept, np.rint(np.clip(stretched[10:], 0, 1) * 65535).astype(np.uint16))


def test_a_range_a_rescale_would_flatten_stops_with_one_line_saying_what_to_do(tmp_path,
                                                                                 shared_data):
    from other_units import adu_floats

    data = adu_floats(shared_data)
    data[0, 0] = 1e30  # one absurd value: linear rescaling would crush the rest into 0
    src = tmp_path / "hot.fits"
    write_fits(src, data)
    result = nebulayer("convert", str(src), str(tmp_path / "hot.png"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "--stretch auto" in lines[0] and "32-bit float" in lines[0]
    assert not (tmp_path / "hot.png").exists()
    assert nebulayer("convert", str(src), str(tmp_path / "hot.png"), "--stretch",
                     "auto").returncode == 0


def test_an_unsigned_32_bit_fits_exports_to_its_full_range(tmp_path, shared_data):
    plate = fits.getdata(shared_data / "fits" / "horsehead_dss_ukschmidt.fits").astype(np.int64)
    counts = (plate - plate.min()).astype(np.uint32)  # counts a camera wrote as uint32
    src = tmp_path / "u32.fits"
    fits.PrimaryHDU(counts).writeto(src)
    assert fits.getheader(src)["BITPIX"] == 32 and fits.getheader(src)["BZERO"] == 2**31
    out = tmp_path / "u32.tif"
    result = nebulayer("convert", str(src), str(out), "--bits", "16")
    assert result.returncode == 0, result.stderr
    stored = tifffile.imread(out)
    assert stored.min() == 0 and stored.max() == 65535
    assert len(np.unique(stored)) == len(np.unique(counts))  # no two counts merged


def test_no_finite_pixel_is_refused(tmp_path):
    from editor.errors import ImageWriteError

    with pytest.raises(ImageWriteError, match="no finite pixel"):
        export_image(np.full((8, 8), np.nan, np.float32), tmp_path / "x.png")


def test_float_exports_keep_values_as_they_are(tmp_path):
    data = np.array([[1e-18, 65535.0], [-3.0, np.nan]], np.float32)
    assert export_image(data, tmp_path / "f.tif") == []
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "f.tif"), data)


def test_bunit_goes_when_the_values_lose_their_unit(shared_data, tmp_path):
    spitzer = shared_data / "fits" / "spitzer_irac_glimpse.fits"
    assert fits.getheader(spitzer)["BUNIT"] == "MJy/sr"
    kept = tmp_path / "float.fits"
    assert nebulayer("convert", str(spitzer), str(kept)).returncode == 0
    assert fits.getheader(kept)["BUNIT"] == "MJy/sr"  # float copy: same values, same unit
    for name, extra in (("stretched.fits", ["--stretch", "auto"]), ("rescaled.fits", ["--bits", "16"])):
        out = tmp_path / name
        assert nebulayer("convert", str(spitzer), str(out), *extra).returncode == 0
        header = fits.getheader(out)
        assert "BUNIT" not in header, name
        assert "BUNIT 'MJy/sr' removed" in "".join(str(h) for h in header["HISTORY"])
