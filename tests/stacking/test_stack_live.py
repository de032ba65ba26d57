"""Live stacking with master dark/flat/bias and field rotation, on the synthetic plate frames."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from editor.acquisition.live_stack import LiveStacker
from editor.stacking.masters import build_master, save_master
from tests.stacking.synthetic import make_dataset

B = 60


@pytest.fixture(scope="module")
def session(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    data = make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits", folder,
                        n_lights=6, n_cal=6, seed=11)
    bias = build_master(data.bias, "bias")
    paths = {"bias": save_master(bias, folder / "master_bias.fits"),
             "dark": save_master(build_master(data.darks, "dark"), folder / "master_dark.fits"),
             "flat": save_master(build_master(data.flats, "flat", subtract=bias),
                                 folder / "master_flat.fits")}
    return data, paths


def _live(data, masters=None) -> tuple[LiveStacker, list]:
    stacker = LiveStacker()
    if masters:
        stacker.use_masters(**masters)
    results = []
    for path in data.lights:
        with fits.open(path) as hdul:
            results.append(stacker.add_raw(hdul[0].data, 60.0, dict(hdul[0].header)))
    return stacker, results


def test_live_stack_corrects_rotation_and_uses_the_masters(session):
    data, masters = session
    stacker, results = _live(data, masters)
    assert all(r.accepted for r in results), [r.reason for r in results]
    for i, r in enumerate(results[1:], start=1):
        t = data.true_transform(i)
        assert r.rotation == pytest.approx(np.degrees(np.arctan2(t[1, 0], t[0, 0])), abs=0.02)
    assert abs(results[-1].rotation) > 1.9
    stack = stacker.image()
    model = data.model(0)
    ratio = stack[B:-B, B:-B] / model[B:-B, B:-B]
    z = 60
    corner, centre = np.nanmedian(ratio[:z, :z]), np.nanmedian(ratio[200 - z:200, 200 - z:200])
    assert abs(corner / centre - 1) < 0.02  # vignetting divided out
    assert _hot_excess(stack, data) < 1.0  # hot pixels subtracted and replaced


def test_without_masters_the_live_stack_keeps_vignetting_and_hot_pixels(session):
    data, _ = session
    stacker, results = _live(data)
    assert all(r.accepted for r in results)
    stack = stacker.image()
    ratio = stack[B:-B, B:-B] / data.model(0)[B:-B, B:-B]
    z = 60
    assert np.nanmedian(ratio[:z, :z]) / np.nanmedian(ratio[200 - z:200, 200 - z:200]) < 0.9
    assert _hot_excess(stack, data) > 5.0


def _hot_excess(stack: np.ndarray, data) -> float:
    """Median excess over the local 5x5 median at the reference frame's hot photosites, in
    noise sigmas."""
    from scipy import ndimage

    core = np.nan_to_num(stack, nan=float(np.nanmedian(stack)))
    resid = (core - ndimage.median_filter(core, 5))[B:-B, B:-B]
    sigma = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    return float(np.median(resid[data.hot[B:-B, B:-B]]) / sigma)


def test_add_raw_debayers_a_colour_mosaic_after_calibrating_it(tmp_path):
    """A one-shot-colour mosaic: the dark comes off the raw photosites, then the debayered
    colour frame is stacked (a red-only star stays red)."""
    rng = np.random.default_rng(8)
    yy, xx = np.mgrid[0:128, 0:128]
    dark = np.full((128, 128), 300.0)
    dark[40, 41] = 20000  # a hot photosite
    path = tmp_path / "dark.fits"
    fits.PrimaryHDU((dark / 65535).astype(np.float32), fits.Header(
        {"IMAGETYP": "Master Dark", "NCOMBINE": 8, "BAYERPAT": "RGGB",
         "ROWORDER": "TOP-DOWN"})).writeto(path)
    stacker = LiveStacker()
    stacker.use_masters(dark=path)
    red = np.zeros((128, 128), bool)
    red[0::2, 0::2] = True
    for i in range(3):
        sky = 1000 + rng.normal(0, 10, (128, 128))
        for sy, sx in ((30, 30), (90, 40), (60, 100), (20, 110), (100, 100), (70, 60)):
            sky += 20000 * np.exp(-((yy - sy - i) ** 2 + (xx - sx) ** 2) / 8.0) * red
        raw = np.clip(sky + dark, 0, 65535).astype(np.uint16)
        result = stacker.add_raw(raw, 10.0, {"BAYERPAT": "RGGB", "ROWORDER": "TOP-DOWN"})
        assert result.accepted, result.reason
    stack = stacker.image()
    assert stack.shape == (128, 128, 3)
    y, x = 31, 30  # a star, red only
    assert stack[y, x, 0] > 5 * stack[y, x, 2] and stack[y, x, 0] > 5 * stack[y, x, 1]
    assert abs(stack[40, 41, 1] - np.median(stack[30:50, 30:50, 1])) < 0.01  # hot one gone


def test_a_master_of_another_size_is_reported_not_stacked(session, tmp_path):
    data, _ = session
    small = tmp_path / "small_dark.fits"
    fits.PrimaryHDU(np.zeros((40, 40), np.float32),
                    fits.Header({"IMAGETYP": "Master Dark", "NCOMBINE": 5})).writeto(small)
    stacker = LiveStacker()
    stacker.use_masters(dark=small)
    with fits.open(data.lights[0]) as hdul:
        result = stacker.add_raw(hdul[0].data, 60.0, dict(hdul[0].header))
    assert not result.accepted and "does not fit" in result.reason
