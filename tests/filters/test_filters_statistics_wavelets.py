"""Statistics and histogram for the UI; starlet decomposition for the sharpening plugin."""

from __future__ import annotations

import numpy as np
import pytest

import filters


def test_statistics_per_channel_with_known_values():
    img = np.zeros((10, 10, 3), np.float32)
    img[..., 0] = np.arange(100, dtype=np.float32).reshape(10, 10) / 100
    img[..., 1] = 1.0
    img[0, 0, 2] = np.nan
    s = filters.image_statistics(img)
    assert s["channels"] == 3
    assert s["median"][0] == pytest.approx(0.495, abs=1e-6)
    assert s["mad"][0] == pytest.approx(0.25, abs=1e-6)
    assert s["min"][0] == 0.0 and s["max"][0] == pytest.approx(0.99)
    assert s["mean"][0] == pytest.approx(0.495, abs=1e-6)
    assert s["clipped_low_pct"][0] == pytest.approx(1.0)
    assert s["clipped_high_pct"][1] == pytest.approx(100.0)
    assert s["nan_count"] == [0, 0, 1]
    assert s["clipped_low_pct"][2] == pytest.approx(100.0)  # 99 valid zeros


def test_statistics_of_real_plate_match_numpy(horsehead):
    s = filters.image_statistics(horsehead)
    assert s["channels"] == 1
    assert s["median"][0] == pytest.approx(float(np.median(horsehead)), abs=1e-6)
    assert s["max"][0] == pytest.approx(1.0)


def test_histogram_counts_every_valid_pixel_per_channel_and_luminance(gc_rgb):
    counts, edges = filters.histogram(gc_rgb, bins=64, range=(0.0, 1.0))
    assert counts.shape == (4, 64) and edges.shape == (65,)
    for c in range(3):
        np.testing.assert_array_equal(counts[c], np.histogram(gc_rgb[..., c], 64, (0, 1))[0])
    assert counts[3].sum() == gc_rgb.shape[0] * gc_rgb.shape[1]


def test_histogram_default_range_covers_headroom_and_skips_nan():
    img = np.array([[0.0, 0.5, 2.0, np.nan]], np.float32)
    counts, edges = filters.histogram(img, bins=4)
    assert edges[0] == 0.0 and edges[-1] == 2.0
    assert counts.shape == (2, 4) and counts[0].sum() == 3


def test_starlet_layers_add_up_to_the_image_and_separate_scales(horsehead):
    layers = filters.starlet_layers(horsehead, 5)
    assert len(layers) == 6
    np.testing.assert_allclose(sum(layers), horsehead, atol=1e-5)
    # fine layers hold small-scale energy, the residual the large scale
    assert np.std(layers[0]) < np.std(horsehead)
    assert np.abs(np.diff(layers[-1], axis=0)).max() < np.abs(np.diff(horsehead, axis=0)).max()


def test_starlet_reconstruct_with_gains_sharpens_and_keeps_nan():
    img = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    img[3, 3, 0] = np.nan
    layers = filters.starlet_layers(img, 3)
    assert all(np.isnan(layer[3, 3, 0]) for layer in layers)
    out = filters.starlet_reconstruct(layers, [2.0, 1.0, 1.0])
    ok = np.isfinite(img)
    np.testing.assert_allclose(out[ok], (img + layers[0])[ok], atol=1e-5)
    with pytest.raises(ValueError, match="gains"):
        filters.starlet_reconstruct(layers, [1.0])
