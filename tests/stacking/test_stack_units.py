"""Rejection, cosmetic correction, flat normalisation, band-wise integration, cancel, CLI."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.cli import main
from editor.jobs import CancelToken, Cancelled
from editor.stacking.cosmetic import correct_pixels
from editor.stacking.integration import IntegrationOptions, integrate
from editor.stacking.masters import build_master, normalise_flat
from editor.stacking.pipeline import StackRequest, run_stack
from editor.stacking.rejection import reject
from editor.stacking.store import FrameStore


@pytest.mark.parametrize("method", ["sigma", "winsorized", "linear-fit"])
def test_rejection_removes_outliers_and_keeps_normal_values(method):
    rng = np.random.default_rng(1)
    values = rng.normal(100, 5, (15, 40, 40)).astype(np.float32)
    values[3, 10, 10] = 400  # a satellite
    values[7, 20, 20] = -200  # a cold pixel
    k = 5.0 if method == "linear-fit" else 3.0  # its sigma is a mean absolute deviation
    low, high = reject(values, method, k, k)
    assert high[3, 10, 10] and low[7, 20, 20]
    assert (low | high).mean() < 0.02  # few good values lost


def test_cosmetic_correction_takes_same_colour_neighbours_on_a_mosaic():
    cfa = np.zeros((12, 12), np.float32)
    cfa[0::2, 0::2] = 1.0  # R photosites (RGGB) bright, others 0
    bad = np.zeros_like(cfa, bool)
    cfa[6, 6], bad[6, 6] = 50.0, True  # a hot red photosite
    out = correct_pixels(cfa, bad, "RGGB")
    assert out[6, 6] == 1.0  # from red neighbours, 2 px away, not the green/blue zeros
    mono = correct_pixels(cfa, bad, None)
    assert mono[6, 6] < 1.0  # mono uses the immediate neighbours


def test_master_flat_normalised_per_bayer_colour(tmp_path):
    rng = np.random.default_rng(2)
    level = np.zeros((64, 64))
    level[0::2, 0::2], level[1::2, 1::2] = 8000, 12000  # R weak, B strong, G 20000
    level[0::2, 1::2] = level[1::2, 0::2] = 20000
    paths = []
    for i in range(5):
        hdr = fits.Header({"BAYERPAT": "RGGB", "ROWORDER": "TOP-DOWN", "EXPTIME": 1.0,
                           "IMAGETYP": "Flat Frame"})
        data = rng.poisson(level * (1 + 0.1 * i)).astype(np.uint16)
        fits.PrimaryHDU(data, hdr).writeto(tmp_path / f"flat{i}.fits")
        paths.append(tmp_path / f"flat{i}.fits")
    master = build_master(paths, "flat")
    for r, c in ((0, 0), (0, 1), (1, 1)):
        assert np.median(master.data[r::2, c::2]) == pytest.approx(1.0, abs=0.01)
    assert master.pattern == "RGGB"
    with pytest.raises(Exception, match="no positive signal"):
        normalise_flat(np.zeros((4, 4), np.float32), None)


def test_integration_by_small_bands_equals_one_band(tmp_path):
    rng = np.random.default_rng(3)
    frames = rng.normal(10, 1, (9, 50, 30)).astype(np.float32)
    frames[2, 5:8] = 80
    results = []
    for budget in (10**12, 9 * 30 * 48 * 4 * 3):  # one band / 3-row bands
        with FrameStore(tmp_path) as store:
            for f in frames:
                store.add(f)
            results.append(integrate(store, IntegrationOptions(), budget=budget))
    np.testing.assert_allclose(results[0].image, results[1].image, rtol=1e-6)
    assert results[0].high_map[5:8].mean() > 0.09  # one of nine frames rejected there
    assert not any(tmp_path.iterdir())  # temporary frames deleted


def _frames(tmp_path: Path, n: int = 4) -> list[Path]:
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:96, 0:96]
    paths = []
    for i in range(n):
        img = 500 + rng.normal(0, 5, (96, 96))
        for sy, sx in ((20, 30), (60, 70), (40, 50), (75, 20), (30, 80), (50, 15), (85, 85)):
            img += 3000 * np.exp(-((yy - sy - i) ** 2 + (xx - sx) ** 2) / 4.0)
        path = tmp_path / f"light{i}.fits"
        fits.PrimaryHDU(img.astype(np.uint16), fits.Header({"EXPTIME": 10.0})).writeto(path)
        paths.append(path)
    return paths


def test_cancel_stops_the_run_and_leaves_no_temporary_files(tmp_path):
    paths = _frames(tmp_path)
    work = tmp_path / "work"
    token = CancelToken()
    seen = []

    def progress(f):
        seen.append(f)
        if f > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        run_stack(StackRequest(lights=paths, workdir=work, output=tmp_path / "out.fits"),
                  progress=progress, cancel=token)
    assert seen and not (tmp_path / "out.fits").exists() and not list(work.iterdir())


def test_cli_stacks_and_reports_bad_input_in_one_line(tmp_path, capsys):
    paths = [str(p) for p in _frames(tmp_path)]
    out = tmp_path / "master.fits"
    assert main(["stack", *paths, "-o", str(out), "--reject", "sigma"]) == 0
    err = capsys.readouterr().err
    assert "stacked 4 of 4 lights" in err and out.exists()
    assert fits.getheader(out)["NCOMBINE"] == 4
    # a missing file, a master that does not fit, a non-FITS output: one line each, status 2
    for argv in (["stack", str(tmp_path / "nope.fits"), "-o", str(out)],
                 ["stack", *paths, "--darks", str(_odd_size(tmp_path)), "-o", str(out)],
                 ["stack", *paths, "-o", str(tmp_path / "x.png")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("nebulayer: ") and "\n" not in err and "Traceback" not in err


def _odd_size(tmp_path: Path) -> Path:
    path = tmp_path / "dark_small.fits"
    fits.PrimaryHDU(np.zeros((50, 60), np.uint16),
                    fits.Header({"IMAGETYP": "Master Dark", "NCOMBINE": 10})).writeto(path)
    return path


def test_colour_mosaics_are_calibrated_then_debayered_into_an_rgb_master(tmp_path):
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:96, 0:96]
    lights = []
    for i in range(3):
        img = 1000 + rng.normal(0, 5, (96, 96))
        for sy, sx in ((20, 30), (60, 70), (40, 50), (75, 20), (30, 80), (50, 15), (85, 85)):
            img += 5000 * np.exp(-((yy - sy - 2 * i) ** 2 + (xx - sx) ** 2) / 6.0)
        path = tmp_path / f"osc{i}.fits"
        fits.PrimaryHDU(img.astype(np.uint16), fits.Header(
            {"BAYERPAT": "RGGB", "ROWORDER": "TOP-DOWN", "EXPTIME": 5.0})).writeto(path)
        lights.append(path)
    result = run_stack(StackRequest(lights=lights, output=tmp_path / "rgb.fits"))
    assert result.image.shape == (96, 96, 3)
    header = fits.getheader(tmp_path / "rgb.fits")
    assert header["NAXIS3"] == 3 and "BAYERPAT" not in header
