"""Synthetic flat: a vignetted field comes back flat to within 1%; nebulae do not fool the fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nebulayer_flatfield import plugin_manifest
from nebulayer_flatfield.vignetting import box_samples, correct_vignetting


def vignette(shape, cy=0.5, cx=0.5, k2=-0.3, k4=-0.1):
    """A cos^4-like fall-off: 1 at (cy, cx) (fractions of the size), 0.6 in the corners."""
    h, w = shape
    y, x = np.mgrid[:h, :w]
    r2 = ((y - cy * (h - 1)) ** 2 + (x - cx * (w - 1)) ** 2) / (0.25 * (h * h + w * w))
    return (1 + k2 * r2 + k4 * r2 * r2).astype(np.float32)


def starry_sky(h=400, w=600, nebula=False, seed=0):
    rng = np.random.default_rng(seed)
    sky = np.full((h, w), 0.2, np.float32)
    py, px = np.mgrid[-8:9, -8:9]
    for _ in range(250):  # Gaussian stars (sigma 1.5 px) stamped in 17x17 patches
        cy, cx = rng.integers(8, h - 8), rng.integers(8, w - 8)
        dy, dx = rng.uniform(-0.5, 0.5, 2)
        star = rng.uniform(0.05, 0.8) * np.exp(-((px - dx) ** 2 + (py - dy) ** 2) / 4.5)
        sky[cy - 8:cy + 9, cx - 8:cx + 9] += star.astype(np.float32)
    if nebula:
        y, x = np.mgrid[:h, :w]
        sky += (0.15 * np.exp(-((x - 180) ** 2 + (y - 140) ** 2) / (2 * 45.0 ** 2))).astype(np.float32)
    return sky + rng.normal(0, 0.01, sky.shape).astype(np.float32)


def box_spread(img, grid=16):
    """(max - min) / mean of the sky level measured in grid x grid boxes."""
    _, _, med = box_samples(img, grid)
    return float(np.ptp(med) / med.mean())


def ratio_spread(corrected, truth, grid=16):
    """How unevenly the corrected image's sky matches the true sky, box by box."""
    _, _, a = box_samples(corrected, grid)
    _, _, b = box_samples(truth, grid)
    return float(np.ptp(a / b))


def test_a_vignetted_star_field_comes_back_flat_within_one_percent():
    sky = starry_sky()
    vignetted = sky * vignette(sky.shape)
    assert box_spread(vignetted) > 0.3
    out = correct_vignetting(vignetted)
    assert ratio_spread(out, sky) < 0.01  # the sky is restored everywhere within 1%
    # as flat as the field was before vignetting (box medians carry ~1-2% star/noise jitter)
    assert box_spread(out) < box_spread(sky) + 0.005
    # the centre keeps its level: the flat is normalised to 1 there
    assert abs(float(np.median(out[180:220, 280:320])) - 0.2) < 0.002


def test_the_flat_output_is_the_fall_off_itself():
    sky = starry_sky(seed=1)
    v = vignette(sky.shape)
    flat = correct_vignetting(sky * v, output="flat")
    assert np.abs(flat / v - 1).max() < 0.005


def test_a_nebula_is_rejected_from_the_fit():
    sky = starry_sky(nebula=True, seed=2)
    out = correct_vignetting(sky * vignette(sky.shape))
    assert ratio_spread(out, sky) < 0.01


def test_an_off_centre_fall_off_needs_the_centre_found():
    sky = starry_sky(seed=3)
    v = vignette(sky.shape, cy=0.35, cx=0.6)
    assert ratio_spread(correct_vignetting(sky * v), sky) > 0.1  # wrong centre: not flat
    assert ratio_spread(correct_vignetting(sky * v, auto_center=True), sky) < 0.01
    assert ratio_spread(correct_vignetting(sky * v, center_y=0.35, center_x=0.6), sky) < 0.01


def test_a_pedestal_stays_out_of_the_division():
    sky = starry_sky(seed=4)
    offset = np.float32(0.05)
    out = correct_vignetting(sky * vignette(sky.shape) + offset, pedestal=float(offset))
    assert ratio_spread(out - offset, sky) < 0.01


def test_an_already_flat_field_is_left_nearly_unchanged():
    sky = starry_sky(seed=5)
    flat = correct_vignetting(sky, output="flat")
    assert np.abs(flat - 1).max() < 0.005


def test_real_m13_frame_with_added_vignetting_is_restored(m13):
    v = vignette(m13.shape)
    out = correct_vignetting(m13 * v)
    assert ratio_spread(m13 * v, m13) > 0.3
    assert ratio_spread(out, m13) < 0.015  # measured 0.009; the frame's own gradient remains


def test_colour_channels_are_fitted_separately_and_nan_is_kept():
    sky = starry_sky(200, 300, seed=6)
    rgb = np.stack([sky * vignette(sky.shape, k2=-0.2), sky * vignette(sky.shape), sky], axis=-1)
    rgb[10, 10, 0] = np.nan
    out = correct_vignetting(rgb)
    assert np.isnan(out[10, 10, 0]) and np.isnan(out).sum() == 1
    for c in range(3):
        assert ratio_spread(out[..., c], sky, grid=10) < 0.01


def test_a_frame_that_is_not_a_light_frame_is_refused_with_a_reason():
    dark = np.random.default_rng(7).normal(0, 0.01, (100, 100)).astype(np.float32)
    with pytest.raises(ValueError, match="offset|vignetting"):
        correct_vignetting(dark)


def test_plugin_loads_from_the_folder_and_errors_reach_the_user_as_plugin_errors():
    from editor.plugins.errors import PluginCrashed
    from editor.plugins.guarded_call import run_filter
    from editor.plugins.registry import Registry

    reg = Registry.discover(entry_points=[], folders=[Path(__file__).resolve().parents[2]])
    spec = reg.get("flatfield.vignetting")
    assert spec is not None and spec.source == "nebulayer.flatfield"
    sky = starry_sky(200, 300, seed=8)
    out = run_filter(spec, sky * vignette(sky.shape), spec.resolve({}), timeout=30)
    assert ratio_spread(out, sky, grid=10) < 0.01
    with pytest.raises(PluginCrashed, match="nebulayer.flatfield"):
        run_filter(spec, np.zeros((50, 50), np.float32), spec.resolve({}))


def test_manifest_is_valid():
    from editor.plugins.manifest import validate_manifest

    assert [s.id for s in validate_manifest(plugin_manifest()).filters] == ["flatfield.vignetting"]
