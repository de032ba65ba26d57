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
