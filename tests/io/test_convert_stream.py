"""The streamed `convert` (FITS -> TIFF in one pass) writes the same file as the general path:
same pixels bit for bit, same header; it gives way to the general path whenever another
value rule applies; and `convert` imports neither Qt nor the filters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits

import filters
from editor.cli import main
from editor.io import convert_stream
from editor.io.stf import even_sample_indices, stf_params

REPO = Path(__file__).resolve().parents[2]


def _general(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> int:
    with monkeypatch.context() as m:
        m.setattr(convert_stream, "convert_streamed", lambda *a, **k: None)
        return main(argv)


def _description(path: Path) -> list[str]:
    with tifffile.TiffFile(path) as tif:
        lines = tif.pages[0].description.split("\n")
    return [line for line in lines if " written " not in line]  # the time of writing differs


def _rgb_stack(folder: Path, shared: Path, roworder: str | None = None,
               dtype: str = ">f4") -> Path:
    """The 2MASS K/H/J plates as an RGB 3 x H x W float FITS in their own units (ADU-like)."""
    planes = [fits.getdata(shared / "fits" / "multiband_gc" / f"gc_2mass_{b}.fits")
              for b in "khj"]
    hdu = fits.PrimaryHDU(np.stack(planes).astype(dtype))
    if roworder:
        hdu.header["ROWORDER"] = roworder
    hdu.header["BUNIT"] = "DN"
    path = folder / f"stack_{roworder or 'none'}_{dtype[1:]}.fits"
    hdu.writeto(path)
    return path


def test_stf_from_the_gathered_sample_equals_the_whole_image_stretch(shared_data, tmp_path):
    for name in ("fits/spitzer_irac_glimpse.fits", "fits/eso_midas_ccd_float32.fits",
                 "fits/gc_msx_e_float64.fits"):
        data = np.asarray(fits.getdata(shared_data / name), np.float32)[::-1]  # top row first
        k = even_sample_indices(*data.shape)
        got = stf_params([np.ascontiguousarray(data).reshape(-1)[k]])
        want = filters.auto_stretch_params(data)
        np.testing.assert_array_equal(np.array(got), np.array(want), err_msg=name)
    rgb = np.stack([fits.getdata(shared_data / "fits" / "multiband_gc" / f"gc_2mass_{b}.fits")
                    for b in "khj"], axis=-1).astype(np.float32)
    rgb[:40, :60] = np.nan  # an empty corner
    k = even_sample_indices(*rgb.shape[:2])
    for linked in (True, False):
        got = stf_params([np.ascontiguousarray(rgb[..., c]).reshape(-1)[k] for c in range(3)],
                         linked=linked)
        np.testing.assert_array_equal(np.array(got),
                                      np.array(filters.auto_stretch_params(rgb, linked=linked)))


@pytest.mark.parametrize("roworder", [None, "TOP-DOWN"])
@pytest.mark.parametrize("bits", [8, 16, 32])
def test_streamed_convert_writes_the_general_paths_file(shared_data, tmp_path, monkeypatch,
                                                        roworder, bits):
    src = _rgb_stack(tmp_path, shared_data, roworder)
    for stretch in ("auto", "none"):
        streamed, general = tmp_path / f"s{stretch}.tif", tmp_path / f"g{stretch}.tif"
        argv = ["convert", str(src), "", "--bits", str(bits), "--stretch", stretch]
        called = []
        real = convert_stream.convert_streamed
        monkeypatch.setattr(convert_stream, "convert_streamed",
                            lambda *a, **k: called.append(r := real(*a, **k)) or r)
        assert main(argv[:2] + [str(streamed)] + argv[3:]) == 0
        monkeypatch.undo()
        assert _general(monkeypatch, argv[:2] + [str(general)] + argv[3:]) == 0
        # ADU data unstretched into integers is rescaled: a rule the stream leaves to the
        # general path; every other case here is streamed.
        assert (called[0] is None) == (stretch == "none" and bits != 32)
        a, b = tifffile.imread(streamed), tifffile.imread(general)
        assert a.dtype == b.dtype and a.shape == b.shape == (720, 721, 3)
        np.testing.assert_array_equal(a, b)
        assert _description(streamed) == _description(general)


def test_mono_float64_and_nan_pixels_stream_identically(shared_data, tmp_path, monkeypatch):
    data = fits.getdata(shared_data / "fits" / "spitzer_irac_glimpse.fits").astype(">f8")
    data[100:140, 200:260] = np.nan
    src = tmp_path / "mono64.fits"
    fits.PrimaryHDU(data).writeto(src)
    out_s, out_g = tmp_path / "s.tif", tmp_path / "g.tif"
    notes = convert_stream.convert_streamed(src, out_s, bits=16, stretch="auto",
                                            compression=None, choice={})
    assert notes is not None
    assert _general(monkeypatch, ["convert", str(src), str(out_g), "--bits", "16",
                                  "--stretch", "auto", "--compression", "none"]) == 0
    a, b = tifffile.imread(out_s), tifffile.imread(out_g)
    np.testing.assert_array_equal(a, b)
    assert a[a.shape[0] - 1 - 120, 230] == 0  # missing data (rows bottom-up in the file) -> 0
    assert _description(out_s) == _description(out_g)


def test_compressed_stream_is_a_tiled_tiff_tiffinfo_reads(shared_data, tmp_path):
    src = _rgb_stack(tmp_path, shared_data)
    out = tmp_path / "z.tif"
    assert main(["convert", str(src), str(out), "--bits", "16", "--stretch", "auto",
                 "--compression", "deflate"]) == 0
    plain = tmp_path / "p.tif"
    assert main(["convert", str(src), str(plain), "--bits", "16", "--stretch", "auto"]) == 0
    np.testing.assert_array_equal(tifffile.imread(out), tifffile.imread(plain))
    with tifffile.TiffFile(out) as tif:
        assert tif.pages[0].is_tiled and tif.pages[0].compression == 8  # Adobe Deflate
    with tifffile.TiffFile(plain) as tif:
        assert not tif.pages[0].is_tiled and tif.pages[0].compression == 1
    tiffinfo = subprocess.run(["tiffinfo", str(plain)], capture_output=True, text=True) \
        if Path("/usr/bin/tiffinfo").exists() else None
    if tiffinfo is not None:
        assert tiffinfo.returncode == 0 and "Image Width: 721 Image Length: 720" in tiffinfo.stdout
        assert "Bits/Sample: 16" in tiffinfo.stdout and not tiffinfo.stderr.strip()


def test_infinities_leave_the_file_to_the_general_path(shared_data, tmp_path, capsys):
    data = fits.getdata(shared_data / "fits" / "eso_midas_ccd_float32.fits").astype(">f4")
    data[5, 5] = np.inf
    src = tmp_path / "inf.fits"
    fits.PrimaryHDU(data).writeto(src)
    out = tmp_path / "o.tif"
    assert convert_stream.convert_streamed(src, out, bits=16, stretch="auto", compression=None,
                                           choice={}) is None
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))
    assert main(["convert", str(src), str(out), "--bits", "16", "--stretch", "auto"]) == 0
    assert any("infinite values turned into NaN" in line for line in _description(out))


def test_convert_imports_no_qt_and_no_filters(shared_data, tmp_path):
    src = _rgb_stack(tmp_path, shared_data)
    code = ("import sys; from editor.cli import main; "
            f"assert main(['convert', {str(src)!r}, {str(tmp_path / 'o.tif')!r}, "
            "'--stretch', 'auto', '--bits', '16']) == 0; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'PyQt6', 'pyqtgraph', 'filters', 'scipy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["fits/m13_subs/M13_blue_0001.fits",  # uint16 (BZERO 32768)
                                  "fits/horsehead_dss_ukschmidt.fits",  # int16, + a table HDU
                                  "fits/m51_kpno_b_int16.fits"])  # int16 with negative values
def test_integer_camera_and_survey_files_stream_identically(shared_data, tmp_path, monkeypatch,
                                                            name):
    src = shared_data / name
    for bits in (16, 32):
        for stretch in ("auto", "none"):
            streamed, general = tmp_path / f"s{bits}{stretch}.tif", tmp_path / f"g{bits}{stretch}.tif"
            got = convert_stream.convert_streamed(src, streamed, bits=bits, stretch=stretch,
                                                  compression=None, choice={})
            if got is None:  # a value rule the stream leaves to the general path
                assert stretch == "none" and bits == 16 and "m51" in name  # negative values
                continue
            assert _general(monkeypatch, ["convert", str(src), str(general), "--bits", str(bits),
                                          "--stretch", stretch]) == 0
            np.testing.assert_array_equal(tifffile.imread(streamed), tifffile.imread(general))
            assert _description(streamed) == _description(general)


PEAK = """
import sys
def vm(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
import numpy, tifffile, astropy.io.fits, editor.io.convert_stream, editor.io.fits_read
from editor.cli import main
base = vm("VmHWM:")
assert main(["convert", sys.argv[1], sys.argv[2], "--stretch", "auto", "--bits", "16"]) == 0
print(base, vm("VmHWM:"))
"""


def test_streamed_convert_holds_less_than_the_image(tmp_path):
    """Peak resident memory of a separate process (its own VmHWM, after the imports): the
    streamed convert of a 144 MB float FITS stays below the file's size (bands, plus the
    statistics' fixed-size sample), where the general path holds three copies or more."""
    data = np.full((6000, 6000), 0.1, np.float32)
    data += np.random.default_rng(5).standard_normal(data.shape, dtype=np.float32) * np.float32(0.01)
    src = tmp_path / "big.fits"
    fits.PrimaryHDU(data).writeto(src)
    del data
    out = subprocess.run([sys.executable, "-c", PEAK, str(src), str(tmp_path / "o.tif")],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    base, peak = map(int, out.stdout.split())
    assert peak - base < src.stat().st_size, (base, peak)


def test_the_general_paths_stretch_has_the_filters_bits(shared_data):
    from editor import open_image
    from editor.io.stf import auto_stretch_array

    for name in ("raw/canon_eos_6d_linear.dng", "raw/kodak_dc50_bayer.kdc",
                 "fits/m51_kpno_b_int16.fits", "fits/hst_acs_j8bt06nyq_flt_mef.fits"):
        data = open_image(shared_data / name).data
        np.testing.assert_array_equal(auto_stretch_array(data), filters.auto_stretch(data),
                                      err_msg=name)
    rgb = open_image(shared_data / "raw" / "canon_eos_6d_linear.dng").data.copy()
    rgb[:50, :80, 1] = np.nan
    rgb[60, 60] = np.inf
    np.testing.assert_array_equal(auto_stretch_array(rgb), filters.auto_stretch(rgb))


@pytest.mark.parametrize("hdu", [None, "2", "ERR"])
def test_an_image_in_an_extension_streams_with_the_same_notes(shared_data, tmp_path, monkeypatch,
                                                              capsys, hdu):
    src = shared_data / "fits" / "hst_acs_j8bt06nyq_flt_mef.fits"
    choice = [] if hdu is None else ["--hdu", hdu]
    argv = ["convert", str(src), "", "--bits", "16", "--stretch", "auto", *choice]
    streamed, general = tmp_path / "s.tif", tmp_path / "g.tif"
    assert main(argv[:2] + [str(streamed)] + argv[3:]) == 0
    said = capsys.readouterr().err
    assert _general(monkeypatch, argv[:2] + [str(general)] + argv[3:]) == 0
    assert capsys.readouterr().err == said  # "file holds 3 images..." when no --hdu
    assert ("file holds" in said) == (hdu is None)
    np.testing.assert_array_equal(tifffile.imread(streamed), tifffile.imread(general))
    assert _description(streamed) == _description(general)


def test_a_folder_in_the_way_of_the_output_is_one_line(shared_data, tmp_path, capsys):
    (tmp_path / "out.tif").mkdir()
    src = shared_data / "fits" / "m51_kpno_b_int16.fits"
    assert main(["convert", str(src), str(tmp_path / "out.tif"), "--stretch", "auto",
                 "--bits", "16"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "out.tif" in err[0] and "cannot write" in err[0]
    assert [p.name for p in tmp_path.iterdir()] == ["out.tif"]  # no temporary file left
