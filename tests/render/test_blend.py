"""Blend modes against their formulas; luminosity/color per Photoshop (Rec.709, linear)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.render.blend import MODES, blend, luminance

rng = np.random.default_rng(3)
A = rng.random((8, 9, 3), dtype=np.float32)
B = rng.random((8, 9, 3), dtype=np.float32)

FORMULAS = {
    "normal": lambda a, b: b,
    "multiply": lambda a, b: a * b,
    "screen": lambda a, b: a + b - a * b,
    "add": lambda a, b: a + b,
    "lighten": np.maximum,
    "darken": np.minimum,
    "difference": lambda a, b: np.abs(a - b),
}


@pytest.mark.parametrize("mode", sorted(FORMULAS))
def test_separable_modes_follow_their_formula(mode):
    assert np.allclose(blend(A, B, mode), FORMULAS[mode](A, B), atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_alpha_mixes_linearly_and_zero_alpha_keeps_below_exactly(mode):
    full = blend(A, B, mode)
    half = blend(A, B, mode, 0.5)
    assert np.allclose(half, A + (full - A) * 0.5, atol=1e-6)
    alpha = np.zeros(A.shape[:2], np.float32)
    alpha[:4] = 1
    out = blend(A, B, mode, alpha)
    assert np.array_equal(out[4:], A[4:]) and np.allclose(out[:4], full[:4], atol=1e-6)


def test_add_keeps_headroom_above_one():
    out = blend(np.full((2, 2), 0.8, np.float32), np.full((2, 2), 0.7, np.float32), "add")
    assert np.allclose(out, 1.5)


def test_luminosity_takes_the_layers_luminance_and_keeps_the_base_colour():
    a = A * 0.2 + 0.4  # away from clipping so SetLum is exact
    b = B * 0.2 + 0.4
    out = blend(a, b, "luminosity")
    assert np.allclose(luminance(out), luminance(b), atol=1e-5)
    # hue/saturation of the base: channel differences preserved
    assert np.allclose(out - luminance(out)[..., None], a - luminance(a)[..., None], atol=1e-5)


def test_color_takes_the_layers_colour_and_keeps_the_base_luminance():
    a = A * 0.2 + 0.4  # away from clipping so SetLum is exact
    b = B * 0.2 + 0.4
    out = blend(a, b, "color")
    assert np.allclose(luminance(out), luminance(a), atol=1e-5)
    assert np.allclose(out - luminance(out)[..., None], b - luminance(b)[..., None], atol=1e-5)


def test_mono_luminance_over_colour_is_an_lrgb_merge():
    colour = np.array([[[0.2, 0.4, 0.1]]], np.float32)
    lum = np.array([[0.5]], np.float32)
    out = blend(colour, lum, "luminosity")
    assert out.shape == (1, 1, 3) and np.isclose(luminance(out)[0, 0], 0.5, atol=1e-6)


def test_luminosity_clips_colour_into_range_without_changing_luminance():
    base = np.array([[[1.0, 0.0, 0.0]]], np.float32)  # saturated red
    top = np.array([[[0.9, 0.9, 0.9]]], np.float32)
    out = blend(base, top, "luminosity")
    assert out.max() <= 1.0 + 1e-6 and out.min() >= -1e-6
    assert np.isclose(luminance(out)[0, 0], 0.9, atol=1e-5)


def test_mono_and_rgb_mix_to_rgb():
    mono = np.full((3, 3), 0.5, np.float32)
    out = blend(mono, B[:3, :3], "multiply")
    assert out.shape == (3, 3, 3) and np.allclose(out, 0.5 * B[:3, :3])
