"""Overlay, soft light, hard light and linear light against their published definitions
(W3C Compositing and Blending Level 1 / ISO 32000-1 table 136; Photoshop's Linear Light)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from editor.render.blend import blend
from filters.blend import BLEND_MODES, hard_light, linear_light, overlay, soft_light

# Backdrop and source values, including linear data's headroom (> 1) and noise (< 0).
VALUES = [-0.3, 0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.75, 1.0, 1.5, 3.0]


def w3c_hard_light(cb: float, cs: float) -> float:
    if cs <= 0.5:
        return cb * (2 * cs)  # multiply(cb, 2cs)
    s = 2 * cs - 1
    return cb + s - cb * s  # screen(cb, 2cs - 1)


def w3c_soft_light(cb: float, cs: float) -> float:
    if cs <= 0.5:
        return cb - (1 - 2 * cs) * cb * (1 - cb)
    d = ((16 * cb - 12) * cb + 4) * cb if cb <= 0.25 else math.sqrt(cb)
    return cb + (2 * cs - 1) * (d - cb)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    cb, cs = np.meshgrid(np.array(VALUES, np.float32), np.array(VALUES, np.float32))
    return cb, cs


@pytest.mark.parametrize("fn, ref", [
    (hard_light, w3c_hard_light),
    (overlay, lambda cb, cs: w3c_hard_light(cs, cb)),
    (soft_light, w3c_soft_light),
    (linear_light, lambda cb, cs: cb + 2 * cs - 1),
])
def test_contrast_modes_follow_the_published_formulas_inside_and_outside_0_1(fn, ref):
    cb, cs = _grid()
    got = fn(cb, cs)
    want = np.vectorize(ref)(cb.astype(float), cs.astype(float))
    assert got.dtype == np.float32
    assert np.allclose(got, want, rtol=1e-6, atol=1e-6)
    assert np.isfinite(got).all()  # soft light's sqrt never sees a negative backdrop


def test_hand_computed_values_of_the_definitions():
    assert overlay(np.float32(0.25), np.float32(0.75)) == pytest.approx(0.375)
    assert overlay(np.float32(0.75), np.float32(0.75)) == pytest.approx(0.875)
    assert hard_light(np.float32(0.25), np.float32(0.75)) == pytest.approx(0.625)
    assert soft_light(np.float32(0.25), np.float32(0.75)) == pytest.approx(0.375)  # D = 0.5
    assert soft_light(np.float32(0.5), np.float32(0.25)) == pytest.approx(0.375)
    assert soft_light(np.float32(0.64), np.float32(1.0)) == pytest.approx(0.8)  # sqrt branch
    assert linear_light(np.float32(0.3), np.float32(0.8)) == pytest.approx(0.9)


@pytest.mark.parametrize("mode", ["overlay", "soft_light", "hard_light", "linear_light"])
def test_fifty_percent_grey_leaves_any_backdrop_unchanged_and_nothing_is_clipped(mode):
    """High-pass sharpening: a 0.5 layer is neutral, for highlights above 1 too."""
    below = np.array([[-0.2, 0.0, 0.4, 1.0, 2.5, 40.0]], np.float32)
    grey = np.full_like(below, 0.5)
    assert np.allclose(blend(below, grey, mode), below, rtol=1e-6, atol=1e-7)
    # A light detail over a highlight of 2.5 keeps going above 1 (no clip at 1).
    out = blend(np.float32([[2.5]]), np.float32([[0.9]]), mode)
    assert out[0, 0] > 1.0
    assert blend(np.float32([[0.8]]), np.float32([[1.0]]), "linear_light")[0, 0] == pytest.approx(1.8)


def test_contrast_modes_are_in_the_one_list_and_mix_with_opacity():
    for mode in ("overlay", "soft_light", "hard_light", "linear_light"):
        assert mode in BLEND_MODES
    below = np.full((2, 2, 3), 0.2, np.float32)
    top = np.full((2, 2), 0.75, np.float32)  # mono over RGB is broadcast
    full = blend(below, top, "overlay")
    half = blend(below, top, "overlay", alpha=0.5)
    assert np.allclose(full, 0.3)
    assert np.allclose(half, 0.25)
