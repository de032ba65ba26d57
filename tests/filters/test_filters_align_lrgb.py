"""Sub-pixel alignment and LRGB / RGB combination."""

from __future__ import annotations

import numpy as np
import pytest

import filters
from filters_synthetic import star_field


@pytest.mark.parametrize("shift", [(0.3, -0.7), (3.25, 12.6), (-7.41, 5.05), (0.5, 0.5)])
def test_register_translation_recovers_a_known_subpixel_shift(shift):
    ref = star_field()
    moving = star_field(shift=shift)
    dy, dx = filters.register_translation(ref, moving)
    assert abs(dy - shift[0]) < 0.05 and abs(dx - shift[1]) < 0.05


def test_shift_image_then_register_round_trip_and_nan_border():
    ref = star_field()
    moved = filters.shift_image(ref, 2.4, -1.3)
    assert np.isnan(moved[:2]).all() and np.isnan(moved[:, -1]).all()
    assert np.isfinite(moved[4:-4, 4:-4]).all()
    dy, dx = filters.register_translation(ref, moved)
    assert abs(dy - 2.4) < 0.05 and abs(dx + 1.3) < 0.05
    back = filters.shift_image(moved, -2.4, 1.3)
    inner = np.s_[8:-8, 8:-8]
    assert np.nanmax(np.abs(back[inner] - ref[inner])) < 0.02


def test_register_refuses_different_sizes_naming_them():
    with pytest.raises(ValueError, match=r"\(10, 12\).*\(10, 13\)"):
        filters.register_translation(np.zeros((10, 12), np.float32), np.zeros((10, 13), np.float32))


def test_real_m13_subframes_give_consistent_offsets(m13_subs):
    d = [filters.register_translation(m13_subs[0], m) for m in m13_subs[1:]]
    dx = [v[1] for v in d]
    # The mount drifts ~12 px per frame in x: offsets grow steadily.
    assert all(-16 < b - a < -8 for a, b in zip([0.0] + dx[:-1], dx))
    back = filters.register_translation(m13_subs[2], m13_subs[0])
    assert back[0] == pytest.approx(-d[1][0], abs=0.05)
    assert back[1] == pytest.approx(-d[1][1], abs=0.05)
    d12 = filters.register_translation(m13_subs[1], m13_subs[2])
    closure = np.array(d[0]) + np.array(d12) - np.array(d[1])
    assert np.abs(closure).max() < 3.0  # faint 5 s frames: pixel-level consistency


def test_similarity_registration_undoes_a_rotation():
    from scipy import ndimage

    ref = star_field(shape=(300, 360), n=80, fwhm=3.0)
    rotated = ndimage.rotate(ref, 3.0, reshape=False, order=3, mode="nearest")
    found = filters.register_similarity(ref, rotated)
    assert abs(abs(found["rotation_deg"]) - 3.0) < 0.05
    assert found["scale"] == pytest.approx(1.0, abs=1e-3)
    back = filters.warp_similarity(rotated, found["matrix"])
    inner = np.s_[40:-40, 40:-40]
    assert np.nanmax(np.abs(back[inner] - ref[inner])) < 0.05


def test_rgb_combine_aligns_channels_and_removes_fringes():
    g = star_field()
    r = star_field(shift=(0.6, -0.4))
    b = star_field(shift=(-0.35, 0.8))
    rgb = filters.rgb_combine(r, g, b, align=True)
    assert rgb.shape == g.shape + (3,)
    inner = np.s_[10:-10, 10:-10]
    raw = filters.rgb_combine(r, g, b)
    fringe_before = np.abs(raw[inner][..., 0] - raw[inner][..., 1]).max()
    fringe_after = np.nanmax(np.abs(rgb[inner][..., 0] - rgb[inner][..., 1]))
    assert fringe_after < fringe_before / 4


def test_lrgb_ratio_method_keeps_colour_ratios_and_takes_luminance(gc_rgb):
    rng = np.random.default_rng(5)
    lum = np.clip(filters.luminance(gc_rgb) * 1.3 + 0.01 * rng.random(gc_rgb.shape[:2]), 0, None)
    lum = lum.astype(np.float32)
    out = filters.lrgb_combine(lum, gc_rgb)
    y = filters.luminance(gc_rgb)
    ok = y > 1e-3
    np.testing.assert_allclose(filters.luminance(out)[ok], lum[ok], rtol=1e-4, atol=1e-6)
    for a, b in ((0, 1), (2, 1)):
        sel = ok & (gc_rgb[..., b] > 1e-3)
        np.testing.assert_allclose(out[sel][:, a] / out[sel][:, b],
                                   gc_rgb[sel][:, a] / gc_rgb[sel][:, b], rtol=1e-3)


def test_lrgb_weight_and_saturation_controls():
    rgb = np.array([[[0.4, 0.2, 0.1]]], np.float32)
    lum = np.array([[0.5]], np.float32)
    y = float(filters.luminance(rgb)[0, 0])
    same = filters.lrgb_combine(lum, rgb, weight=0.0)
    np.testing.assert_allclose(same, rgb, rtol=1e-5)
    grey = filters.lrgb_combine(lum, rgb, saturation=0.0)
    np.testing.assert_allclose(grey, 0.5, rtol=1e-5)
    half = filters.lrgb_combine(lum, rgb, weight=0.5)
    assert float(filters.luminance(half)[0, 0]) == pytest.approx(0.5 * 0.5 + 0.5 * y, rel=1e-5)
    lab = filters.lrgb_combine(lum, rgb, method="lab")
    assert filters.rgb_to_lab(lab)[0, 0, 0] == pytest.approx(
        filters.rgb_to_lab(np.full((1, 1, 3), 0.5, np.float32))[0, 0, 0], abs=0.05)


def coloured_field(shift=(0.0, 0.0)) -> np.ndarray:
    """Stars of different colours: each channel mixes two star populations differently."""
    a, b = star_field(shift=shift, seed=1), star_field(shift=shift, seed=7)
    return np.dstack([a, 0.5 * a + 0.5 * b, b]).astype(np.float32)


def test_lrgb_with_align_fixes_a_shifted_colour_image():
    lum = filters.luminance(coloured_field())
    truth = filters.lrgb_combine(lum, coloured_field())
    shifted = coloured_field(shift=(1.3, -0.6))
    out = filters.lrgb_combine(lum, shifted, align=True)
    inner = np.s_[10:-10, 10:-10]
    err_aligned = np.nanmax(np.abs(out[inner] - truth[inner]))
    err_unaligned = np.abs(filters.lrgb_combine(lum, shifted)[inner] - truth[inner]).max()
    assert err_aligned < 0.05 < err_unaligned


def test_combination_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match="differ"):
        filters.lrgb_combine(np.zeros((4, 5), np.float32), np.zeros((4, 6, 3), np.float32))
    with pytest.raises(ValueError, match="differ"):
        filters.rgb_combine(*(np.zeros(s, np.float32) for s in [(4, 4), (4, 4), (5, 4)]))
