"""Wavelet sharpening: identity at gain 1, more fine detail with gain > 1, noise respected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nebulayer_wavelets import plugin_manifest
from nebulayer_wavelets.atrous import starlet_layers
from nebulayer_wavelets.sharpen import wavelet_sharpen


def fine_energy(img: np.ndarray) -> float:
    """Energy of the finest structures: the first starlet layer's mean square."""
    layers, _ = starlet_layers(np.asarray(img, np.float32), 1)
    return float(np.mean(layers[0].astype(np.float64) ** 2))


def test_layers_plus_residual_rebuild_the_image():
    img = np.random.default_rng(2).random((37, 53), dtype=np.float32)
    layers, residual = starlet_layers(img, 5)
    assert len(layers) == 5
    assert np.allclose(sum(layers) + residual, img, atol=1e-5)
    # a constant image has no detail at any scale
    flat_layers, flat_res = starlet_layers(np.full((20, 20), 0.3, np.float32), 3)
    assert max(float(np.abs(w).max()) for w in flat_layers) < 1e-6 and np.allclose(flat_res, 0.3)


def test_layer_j_holds_structures_about_2_to_the_j_pixels_across():
    y, x = np.mgrid[:128, :128]
    energy = []
    for sigma in (1.0, 4.0):
        blob = np.exp(-((x - 64) ** 2 + (y - 64) ** 2) / (2 * sigma ** 2)).astype(np.float32)
        layers, _ = starlet_layers(blob, 5)
        energy.append([float(np.sum(w ** 2)) for w in layers])
    assert int(np.argmax(energy[0])) < int(np.argmax(energy[1]))


def test_all_gains_one_is_exactly_the_input(m13):
    out = wavelet_sharpen(m13, layers=6, noise_threshold=3.0)
    assert np.array_equal(out, m13) and out is not m13


def test_sharpening_m13_raises_fine_detail_but_keeps_the_mean(m13):
    out = wavelet_sharpen(m13, layers=4, gain1=2.0, gain2=1.5)
    assert out.dtype == np.float32 and out.shape == m13.shape
    assert fine_energy(out) > 3.0 * fine_energy(m13)  # gain 2 on layer 1 ~ 4x its energy
    assert abs(float(out.mean()) - float(m13.mean())) < 1e-4
    # large scales barely move: the residual after 4 layers changes ~1000x less than the pixels
    _, res_in = starlet_layers(m13, 4)
    _, res_out = starlet_layers(out, 4)
    assert np.abs(res_out - res_in).mean() < 2e-3 * np.abs(out - m13).mean()


def test_noise_threshold_keeps_pure_noise_from_being_amplified():
    noise = np.random.default_rng(3).normal(0.5, 0.01, (256, 256)).astype(np.float32)
    plain = wavelet_sharpen(noise, gain1=3.0)
    guarded = wavelet_sharpen(noise, gain1=3.0, noise_threshold=4.0)
    assert plain.std() > 2.0 * noise.std()
    assert guarded.std() < 1.05 * noise.std()


def test_threshold_still_sharpens_real_stars_above_the_noise(m13):
    out = wavelet_sharpen(m13, gain1=3.0, gain2=3.0, noise_threshold=3.0)
    peak = np.unravel_index(np.argmax(np.where(m13 < 0.99, m13, 0)), m13.shape)  # a bright, unsaturated star
    assert out[peak] > m13[peak] + 0.01
    assert fine_energy(out) > 1.2 * fine_energy(m13)


def test_denoise_lowers_the_noise():
    noise = np.random.default_rng(4).normal(0.5, 0.01, (200, 200)).astype(np.float32)
    out = wavelet_sharpen(noise, layers=3, noise_threshold=3.0, denoise=1.0)
    assert out.std() < 0.6 * noise.std()


def test_colour_and_nan_are_handled_per_channel():
    rng = np.random.default_rng(5)
    img = rng.random((40, 50, 3), dtype=np.float32)
    img[3, 4, 1] = np.nan
    out = wavelet_sharpen(img, gain1=2.0)
    assert out.shape == img.shape and np.isnan(out[3, 4, 1])
    assert np.isfinite(np.delete(out.reshape(-1), np.ravel_multi_index((3, 4, 1), img.shape))).all()
    assert np.array_equal(wavelet_sharpen(img[..., 0], gain1=2.0), out[..., 0])


def test_the_plugin_loads_from_the_plugins_folder_and_runs_guarded(m13):
    from editor.plugins.guarded_call import run_filter
    from editor.plugins.registry import Registry

    reg = Registry.discover(entry_points=[], folders=[Path(__file__).resolve().parents[2]])
    info = reg.plugin("nebulayer.wavelets")
    assert info is not None and info.loaded, info and info.error
    spec = reg.get("wavelets.sharpen")
    assert spec.source == "nebulayer.wavelets"
    params = spec.resolve({"gain1": 2.0})
    seen = []
    out = run_filter(spec, m13[:256, :256], params, progress=seen.append, timeout=30)
    assert fine_energy(out) > 3.0 * fine_energy(m13[:256, :256]) and seen[-1] == pytest.approx(1.0)


def test_manifest_is_valid():
    from editor.plugins.manifest import validate_manifest

    m = validate_manifest(plugin_manifest())
    assert [s.id for s in m.filters] == ["wavelets.sharpen"] and m.warnings == []
