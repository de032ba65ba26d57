"""Auto stretch (STF), midtones transfer, arcsinh and GHS."""

from __future__ import annotations

import numpy as np
import pytest

import filters


def test_midtones_transfer_fixed_points_and_formula():
    x = np.array([[0.0, 0.1, 0.3, 1.0]], np.float32)
    out = filters.midtones_transfer(x, 0.1)
    np.testing.assert_allclose(out[0, [0, 1, 3]], [0.0, 0.5, 1.0], atol=1e-6)
    m = 0.1
    assert out[0, 2] == pytest.approx((m - 1) * 0.3 / ((2 * m - 1) * 0.3 - m), rel=1e-6)
    np.testing.assert_allclose(filters.midtones_transfer(x, 0.5), x, atol=1e-6)


def test_auto_stretch_params_follow_pixinsight_autostf():
    rng = np.random.default_rng(0)
    img = (0.02 + 0.002 * rng.standard_normal((400, 500))).astype(np.float32)
    c0, m, c1 = filters.auto_stretch_params(img)
    med = np.median(img)
    mad = np.median(np.abs(img - med))
    assert c0[0] == pytest.approx(med - 2.8 * 1.4826 * mad, rel=1e-3)
    assert c1[0] == 1.0
    # as in PixInsight's script, m = MTF(median - c0; target): it sends (median - c0) to 0.25
    assert float(filters.midtones_transfer(med - c0[0], m[0])) == pytest.approx(0.25, abs=1e-4)


def test_auto_stretch_puts_background_at_target_linked_and_unlinked():
    rng = np.random.default_rng(1)
    cast = np.array([0.03, 0.02, 0.01], np.float32)  # a colour cast
    img = (cast + 0.002 * rng.standard_normal((300, 300, 3))).astype(np.float32)
    unlinked = filters.auto_stretch(img, linked=False)
    np.testing.assert_allclose(np.median(unlinked, axis=(0, 1)), 0.25, atol=0.01)
    linked = filters.auto_stretch(img, linked=True)
    med = np.median(linked, axis=(0, 1))
    assert med[0] > med[1] > med[2]  # linked keeps the cast
    c0, m, _ = filters.auto_stretch_params(img, linked=True)
    assert np.all(c0 == c0[0]) and np.all(m == m[0])


def test_auto_stretch_on_real_plate_and_nan(horsehead):
    img = horsehead.copy()
    img[:10] = np.nan
    out = filters.auto_stretch(img)
    assert np.isnan(out[:10]).all() and np.isfinite(out[10:]).all()
    assert np.median(out[10:]) == pytest.approx(0.25, abs=0.02)


def test_asinh_keeps_colour_ratios_and_maps_one_to_one():
    rng = np.random.default_rng(2)
    img = rng.uniform(0.001, 0.3, (50, 60, 3)).astype(np.float32)
    out = filters.asinh_stretch(img, 50.0)
    np.testing.assert_allclose(out[..., 0] / out[..., 2], img[..., 0] / img[..., 2], rtol=1e-4)
    assert (filters.luminance(out) > filters.luminance(img)).all()
    one = filters.asinh_stretch(np.ones((2, 2, 3), np.float32), 50.0)
    np.testing.assert_allclose(one, 1.0, atol=1e-5)
    y = filters.luminance(img)
    expected = img * (np.arcsinh(50 * y) / (y * np.arcsinh(50)))[..., None]
    np.testing.assert_allclose(out, expected, rtol=1e-4)


@pytest.mark.parametrize("b", [-1.0, -0.5, 0.0, 1.0, 4.0])
def test_ghs_is_monotone_fixes_0_and_1_and_stretches_around_sp(b):
    x = np.linspace(0, 1, 2001, dtype=np.float32)[None, :]
    out = filters.ghs(x, D=3.0, b=b, SP=0.1, LP=0.02, HP=0.9)[0]
    assert out[0] == pytest.approx(0.0, abs=1e-6) and out[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(out) >= 0) and np.all(np.diff(out[:400]) > 0)
    slope = np.gradient(out, x[0])
    assert np.argmax(slope) == pytest.approx(200, abs=2)  # steepest at SP = 0.1


def test_ghs_exponential_case_hand_computed():
    # b = 0, SP = 0, LP = 0, HP = 1, D = ln(2): d = 1, T(x) = 1 - exp(-x), normalised by T(1).
    out = filters.ghs(np.array([[0.5]], np.float32), D=np.log(2.0), b=0.0)
    assert out[0, 0] == pytest.approx((1 - np.exp(-0.5)) / (1 - np.exp(-1)), rel=1e-5)


def test_ghs_protects_highlights_with_a_straight_line():
    x = np.linspace(0.8, 1.0, 50, dtype=np.float32)[None, :]
    out = filters.ghs(x, D=4.0, b=2.0, SP=0.05, HP=0.8)[0]
    np.testing.assert_allclose(np.diff(out, 2), 0, atol=1e-5)
    assert filters.ghs(np.array([[0.3]], np.float32), D=0.0)[0, 0] == pytest.approx(0.3)


def test_auto_stretch_shows_unnormalised_adu_data_instead_of_black():
    """Float FITS in ADU (background in the hundreds): the background goes to the target, not
    below a shadows point clipped at 1 (which made every pixel black)."""
    rng = np.random.default_rng(7)
    adu = (500.0 + 20.0 * rng.standard_normal((200, 200))).astype(np.float32)
    adu[50:60, 50:60] = 16000.0
    c0, m, c1 = filters.auto_stretch_params(adu)
    assert c1[0] == pytest.approx(16000.0)
    assert 0 < c0[0] < 500.0
    out = filters.auto_stretch(adu)
    assert np.median(out) == pytest.approx(0.25, abs=0.02)
    assert out[55, 55] == pytest.approx(1.0, abs=1e-3)


def test_auto_stretch_of_a_real_adu_float_fits_is_not_black(shared_data):
    from editor.io import open_image

    img = open_image(shared_data / "fits" / "eso_midas_ccd_float32.fits").data
    assert np.nanmedian(img) > 1  # the file really is in ADU
    out = filters.auto_stretch(img)
    assert 0.15 < float(np.nanmedian(out)) < 0.35
