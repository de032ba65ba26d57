"""Calibration + registration + integration on frames made from a real plate with known truth.

See synthetic.py: the Horsehead DSS plate observed by a simulated camera (bias, dark current with
hot pixels, vignetting with a dust donut, shot and read noise), 10 lights rotated 0-2 deg and
shifted, darks twice as long as the lights (the master dark must be scaled), a satellite trail.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.stacking.calibration import Calibration
from editor.stacking.frames import load_frame
from editor.stacking.masters import master_or_frames
from editor.stacking.pipeline import StackRequest, run_stack
from tests.stacking.metrics import robust_sigma
from tests.stacking.synthetic import make_dataset

B = 60  # border left out: registration leaves some frames' edges empty


@pytest.fixture(scope="module")
def data(shared_data, tmp_path_factory):
    return make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits",
                        tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def stacked(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    # reference=0: the truth (data.model(0), true_transform) is on light 0's grid
    result = run_stack(StackRequest(lights=data.lights, darks=data.darks, flats=data.flats,
                                    bias=data.bias, output=out / "master.fits", reference=0,
                                    save_masters=out / "masters", rejection_maps=True))
    return result, out


def _fit(img: np.ndarray, model: np.ndarray) -> tuple[np.ndarray, float, float]:
    """img ~ a * model + b over the inner frame; returns (residual, a, b)."""
    inner = (slice(B, -B), slice(B, -B))
    x, y = model[inner].ravel(), img[inner].ravel()
    ok = np.isfinite(y)
    a, b = np.linalg.lstsq(np.column_stack([x[ok], np.ones(ok.sum())]), y[ok], rcond=None)[0]
    return img - (a * model + b), float(a), float(b)


def _zones(ratio: np.ndarray) -> list[float]:
    z = 80
    corners = [(slice(B, B + z), slice(B, B + z)), (slice(B, B + z), slice(-B - z, -B)),
               (slice(-B - z, -B), slice(B, B + z)), (slice(-B - z, -B), slice(-B - z, -B))]
    c = ratio.shape[0] // 2
    centre = (slice(c - z // 2, c + z // 2), slice(c - z // 2, c + z // 2))
    return [float(np.nanmedian(ratio[s])) for s in corners + [centre]]


def test_every_light_registered_within_a_tenth_of_a_pixel(data, stacked):
    result, _ = stacked
    assert len(result.accepted) == len(data.lights), result.summary()
    yy, xx = np.mgrid[0:data.size:32, 0:data.size:32]
    pts = np.column_stack([xx.ravel(), yy.ravel(), np.ones(xx.size)])
    errors = []
    for i, rep in enumerate(result.frames[1:], start=1):
        assert "similarity" in rep.registration
        diff = pts @ rep.matrix.T - pts @ data.true_transform(i).T
        errors.append(np.hypot(diff[:, 0], diff[:, 1]).max())
    assert max(errors) < 0.1, errors
    # the rotations really were there: up to 2 degrees
    assert abs(np.degrees(np.arctan2(result.frames[-1].matrix[1, 0],
                                     result.frames[-1].matrix[0, 0]))) > 1.9


def test_vignetting_and_dust_flattened_within_one_percent(data, stacked):
    result, _ = stacked
    model = data.model(0)
    resid, a, b = _fit(result.image, model)
    zones = _zones((result.image - b) / (a * model))
    assert max(zones) / min(zones) - 1 < 0.01, zones
    # the dust donut is gone too: the ring's ratio matches its surroundings
    yy, xx = np.mgrid[0:data.size, 0:data.size]
    ring = np.hypot(yy - 0.3 * data.size, xx - 0.7 * data.size)
    on, off = (ring > 13) & (ring < 21), (ring > 26) & (ring < 34)
    ratio = (result.image - b) / (a * model)
    assert abs(np.nanmedian(ratio[on]) / np.nanmedian(ratio[off]) - 1) < 0.01
    # ...whereas without the flat the corners are ~30% darker (the check can fail)
    raw = run_stack(StackRequest(lights=data.lights[:3], darks=data.darks, bias=data.bias,
                                 reference=0))
    raw_zones = _zones((raw.image - b) / (a * model))
    assert min(raw_zones) / max(raw_zones) < 0.8


def test_hot_pixels_and_satellite_trail_are_gone(data, stacked):
    result, _ = stacked
    resid, _, _ = _fit(result.image, data.model(0))
    sigma = robust_sigma(resid[B:-B, B:-B])
    hy, hx = np.nonzero(data.hot)
    inside = (hy > B) & (hy < data.size - B) & (hx > B) & (hx < data.size - B)
    at_hot = resid[hy[inside], hx[inside]] / sigma
    assert inside.sum() > 100 and np.nanmax(np.abs(at_hot)) < 6 and abs(np.nanmean(at_hot)) < 0.3
    # the trail, seen from the reference grid
    t = data.true_transform(data.trail_frame)
    yy, xx = np.mgrid[0:data.size, 0:data.size]
    p = np.stack([xx.ravel(), yy.ravel(), np.ones(xx.size)], 1) @ t.T
    fx, fy = np.rint(p[:, 0]).astype(int), np.rint(p[:, 1]).astype(int)
    ok = (fx >= 0) & (fx < data.size) & (fy >= 0) & (fy < data.size)
    on = np.zeros(xx.size, bool)
    on[ok] = data.trail[fy[ok], fx[ok]]
    on = on.reshape(xx.shape)
    on[:B], on[-B:], on[:, :B], on[:, -B:] = False, False, False, False
    assert on.sum() > 300
    assert abs(np.nanmean(resid[on]) / sigma) < 0.3 and np.nanmax(resid[on]) / sigma < 6
    # the rejection map shows where the trail was rejected
    high = fits.getdata(result.output.with_name("master_rejmap_high.fits"))
    assert high.max() > 0


def test_noise_within_ten_percent_of_the_sqrt_n_ideal(data, stacked):
    """Noise of 4x4 pixel blocks (resampling correlates neighbouring pixels but keeps block
    means' noise): master vs one calibrated light / sqrt(N)."""
    result, _ = stacked
    model = data.model(0)
    bias = master_or_frames(data.bias, "bias")
    flat = master_or_frames(data.flats, "flat", subtract=bias)
    calib = Calibration(bias, master_or_frames(data.darks, "dark"), flat)
    single, _ = calib.apply(*load_frame(data.lights[0]))

    def block_noise(img: np.ndarray) -> float:
        resid, _, _ = _fit(img, model)
        r = resid[B:-B, B:-B]
        h, w = (r.shape[0] // 4) * 4, (r.shape[1] // 4) * 4
        return robust_sigma(r[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3)))

    ideal = block_noise(single) / np.sqrt(len(data.lights))
    ratio = block_noise(result.image) / ideal
    assert 0.9 < ratio < 1.1, ratio


def test_masters_and_master_light_say_what_went_in(data, stacked):
    result, out = stacked
    dark = fits.getheader(out / "masters" / "master_dark.fits")
    assert dark["IMAGETYP"] == "Master Dark" and dark["NCOMBINE"] == len(data.darks)
    assert dark["EXPTIME"] == 120.0 and dark["CCD-TEMP"] == -10.0
    assert dark["DATE-OBS"] < dark["DATE-END"]
    history = "\n".join(dark["HISTORY"])
    assert all(p.name in history for p in data.darks)
    flat = fits.getdata(out / "masters" / "master_flat.fits")
    assert np.median(flat) == pytest.approx(1.0, abs=1e-3)
    header = fits.getheader(result.output)
    assert header["BITPIX"] == -32 and header["NCOMBINE"] == len(data.lights)
    assert header["EXPTIME"] == pytest.approx(60.0 * len(data.lights))
    history = "\n".join(header["HISTORY"])
    assert all(p.name in history for p in data.lights)
    assert "master dark" in history and "winsorized" in history
    assert all("dark x0.500" in r.calibration for r in result.frames)  # 120 s dark on 60 s
