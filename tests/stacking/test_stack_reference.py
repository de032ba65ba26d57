"""The reference light is the best one (lowest weighted FWHM, as Siril's two-pass registration
picks it), not the first; the dark's hot-pixel map is saved next to the master dark."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits
from scipy import ndimage

from editor.stacking.pipeline import StackRequest, choose_reference, run_stack
from editor.stacking.registration import Stars
from tests.stacking.synthetic import make_dataset

B = 60


@pytest.fixture(scope="module")
def data(shared_data, tmp_path_factory):
    return make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits",
                        tmp_path_factory.mktemp("synthetic"), n_lights=4, n_cal=6, seed=11)


def _stars(n: int, fwhm: float) -> Stars:
    return Stars(np.zeros((n, 2)), np.ones(n), fwhm, 1.0)


def test_choose_reference_prefers_sharp_frames_with_many_stars():
    # a sharp frame through cloud (few stars) loses to a slightly softer clear one
    assert choose_reference([_stars(100, 3.0), _stars(40, 2.8), _stars(100, 2.9)]) == 2
    assert choose_reference([_stars(3, 2.0), _stars(50, 4.0)]) == 1  # too few stars to count
    assert choose_reference([_stars(2, np.nan), _stars(4, np.nan)]) == 1


def test_a_blurred_first_light_is_not_the_reference_and_the_master_sits_on_the_best_grid(
        data, tmp_path):
    blurred = tmp_path / "Light_blurred.fits"
    with fits.open(data.lights[0]) as hdul:
        hdul[0].data = ndimage.gaussian_filter(hdul[0].data.astype(np.float32), 2.0)
        hdul.writeto(blurred)
    lights = [blurred] + list(data.lights[1:])
    result = run_stack(StackRequest(lights=lights, darks=data.darks, flats=data.flats,
                                    bias=data.bias))
    refs = [i for i, r in enumerate(result.frames) if r.registration == "reference frame"]
    assert len(refs) == 1 and refs[0] != 0, [r.line() for r in result.frames]
    # blurring loses the faint stars: the weighted FWHM (FWHM x most stars / stars) rises
    assert result.frames[0].stars < result.frames[refs[0]].stars
    assert any("reference light" in h and lights[refs[0]].name in h for h in result.history)
    # the master lines up with the chosen light's truth, not with light 0's
    img = result.image[B:-B, B:-B]
    ok = np.isfinite(img)
    corr = {k: np.corrcoef(img[ok], data.model(k)[B:-B, B:-B][ok])[0, 1] for k in (0, refs[0])}
    assert corr[refs[0]] > 0.99 and corr[refs[0]] > corr[0], corr


def test_hot_pixel_map_saved_next_to_the_master_dark(data, tmp_path):
    masters = tmp_path / "masters"
    result = run_stack(StackRequest(lights=data.lights[:2], darks=data.darks, bias=data.bias,
                                    save_masters=masters))
    path = masters / "hot_pixel_map.fits"
    assert (masters / "master_dark.fits").exists() and path.exists()
    with fits.open(path) as hdul:
        hdr, raw = hdul[0].header, hdul[0].data
    assert hdr["IMAGETYP"] == "Hot Pixel Map" and raw.dtype == np.uint8
    top_down = raw[::-1] if str(hdr.get("ROWORDER", "BOTTOM-UP")).strip() != "TOP-DOWN" else raw
    hot = top_down == 1
    # the simulated hot pixels (20-200 e-/s, 120 s darks) are all found, few others
    assert hot[data.hot].mean() > 0.99
    assert (hot & ~data.hot).sum() < 0.05 * data.hot.sum()
    assert hdr["NHOT"] == int(hot.sum())
    assert any(f"{hdr['NHOT']} hot pixels" in str(h) for h in hdr["HISTORY"])
    assert any("hot-pixel map" in h for h in result.history)
    if shutil.which("fitsverify"):
        out = subprocess.run(["fitsverify", "-q", str(path)], capture_output=True, text=True)
        assert "OK" in out.stdout, out.stdout
