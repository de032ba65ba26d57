"""The fast screen transfer gives the same picture as the core's display_image."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def linear() -> np.ndarray:
    rng = np.random.default_rng(3)
    a = (rng.random((120, 170, 3)) ** 4 * 0.3).astype(np.float32)
    a[5, 5] = np.nan
    a[6, 6] = 2.0
    a[7, 7] = -0.1
    return a


@pytest.mark.parametrize("clip_warning", [False, True])
@pytest.mark.parametrize("mono", [False, True])
def test_lut_display_matches_core_display_within_one_level(linear, clip_warning, mono):
    from editor.render.display import display_image, stf_params
    from editor.render.display_lut import fast_display_image

    img = linear[:, :, 1] if mono else linear
    for stretch in ("none", stf_params(img)):
        ref = display_image(img, stretch, clip_warning).astype(int)
        got = fast_display_image(img, stretch, clip_warning).astype(int)
        assert got.shape == ref.shape == img.shape[:2] + (3,)
        diff = np.abs(ref - got)
        assert diff.max() <= 1
        assert (diff > 0).mean() < 0.05


def test_per_channel_stretch_uses_each_channels_parameters(linear):
    from editor.render.display import display_image
    from editor.render.display_lut import fast_display_image

    stf = (np.array([0.0, 0.01, 0.02], np.float32), np.array([0.1, 0.2, 0.3], np.float32),
           np.array([1.0, 0.5, 0.25], np.float32))
    ref = display_image(linear, stf).astype(int)
    got = fast_display_image(linear, stf).astype(int)
    assert np.abs(ref - got).max() <= 1


def _assert_same_picture(img: np.ndarray, stretch: object) -> None:
    from editor.render.display import display_image
    from editor.render.display_lut import fast_display_image

    ref = display_image(img, stretch).astype(int)
    got = fast_display_image(img, stretch).astype(int)
    assert np.abs(ref - got).max() <= 1
    assert len(np.unique(got)) >= len(np.unique(ref)) - 2


def test_auto_stretch_of_faint_data_is_not_posterised():
    """Data in the millionths (calibrated fluxes) needs midtones ~1e-5: the screen picture
    must still have the core's smooth gradation, not a dozen grey levels."""
    from editor.render.display import stf_params

    rng = np.random.default_rng(5)
    img = (rng.gamma(2.0, 2e-6, (150, 150)) + rng.random((150, 150)) ** 30 * 3e-3).astype(np.float32)
    _assert_same_picture(img, stf_params(img))


def test_auto_stretch_of_a_real_faint_fits_matches_the_core(shared_data):
    from editor.io import open_image
    from editor.render.display import stf_params

    img = open_image(shared_data / "fits" / "gc_msx_e_float64.fits").data
    _assert_same_picture(img, stf_params(img))
