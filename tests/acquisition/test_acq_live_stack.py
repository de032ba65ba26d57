"""Live stacking on synthetic star fields with known drifts (no server)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.acquisition.live_stack import LiveStacker, robust_sigma
from editor.acquisition.preview import auto_stretch_u8
from editor.acquisition import registration
from editor.acquisition.registration import register_translation, shift_image

H, W = 200, 240


def _sky(seed: int = 0) -> np.ndarray:
    """Noise-free star field, float 0..1."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    sky = np.full((H, W), 0.05, np.float64)
    for _ in range(60):
        y, x = rng.uniform(0, H), rng.uniform(0, W)
        sky += rng.uniform(0.05, 0.6) * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * 1.5**2))
    return sky


def _frame(sky: np.ndarray, dy: float, dx: float, seed: int, noise: float = 0.01) -> np.ndarray:
    from scipy import ndimage

    moved = ndimage.shift(sky, (dy, dx), order=3, mode="nearest")
    rng = np.random.default_rng(seed)
    frame = moved + rng.normal(0, noise, moved.shape)
    return np.clip(frame * 65535, 0, 65535).astype(np.uint16)


@pytest.mark.parametrize("impl", ["filters", "fallback"])
def test_registration_contract_shift_lays_moving_frame_on_reference(impl):
    measure, shift = ((register_translation, shift_image) if impl == "filters"
                      else (registration._phase_correlation, registration._shift))
    sky = _sky()
    ref = sky.astype(np.float32)
    moving = _frame(sky, 3.4, -5.7, 1, noise=0.0).astype(np.float32) / 65535
    dy, dx = measure(ref, moving)
    assert dy == pytest.approx(3.4, abs=0.25) and dx == pytest.approx(-5.7, abs=0.25)
    back = shift(moving, -dy, -dx, order=1)
    inner = (slice(10, -10), slice(10, -10))
    err = np.abs(back[inner] - ref[inner])
    assert np.nanmean(err) < 0.002 and np.nanmax(err) < 0.1  # (bilinear softens star peaks)


def test_stack_of_16_drifting_frames_cuts_noise_and_stays_sharp():
    sky = _sky()
    stacker = LiveStacker()
    frames = [_frame(sky, 0.7 * i, -0.4 * i, seed=i) for i in range(16)]
    results = [stacker.add(f, exposure=2.0) for f in frames]
    assert all(r.accepted for r in results), [r.reason for r in results]
    assert results[5].shift[0] == pytest.approx(3.5, abs=0.3)  # the frame's drift
    stack = stacker.image()
    single = frames[0].astype(np.float32) / 65535
    inner = (slice(20, -20), slice(20, -20))
    assert robust_sigma(stack[inner]) < 0.35 * robust_sigma(single[inner])
    assert stacker.meta()["NCOMBINE"] == 16 and stacker.meta()["EXPTIME"] == 32.0
    # stars stay where the reference has them
    assert np.corrcoef(stack[inner].ravel(), sky[inner].ravel())[0, 1] > 0.98


def test_frames_without_matching_stars_are_rejected_and_leave_stack_alone():
    sky = _sky()
    stacker = LiveStacker()
    assert stacker.add(_frame(sky, 0, 0, 1)).accepted
    before = stacker.image()
    cloud = np.random.default_rng(5).normal(3000, 50, (H, W)).astype(np.uint16)
    result = stacker.add(cloud)
    assert not result.accepted and "match" in result.reason or "drift" in result.reason
    assert stacker.rejected == 1 and stacker.frames == 1
    np.testing.assert_array_equal(stacker.image(), before)
    other_size = stacker.add(np.zeros((10, 10), np.uint16))
    assert not other_size.accepted and "size" in other_size.reason


def test_first_frame_without_stars_is_not_taken_as_reference():
    stacker = LiveStacker()
    flat = np.random.default_rng(2).normal(3000, 40, (H, W)).astype(np.uint16)
    assert not stacker.add(flat).accepted
    assert stacker.image() is None
    assert stacker.add(_frame(_sky(), 0, 0, 3)).accepted


def test_sigma_clipped_mode_removes_a_satellite_trail_that_the_mean_keeps():
    sky = _sky()
    frames = [_frame(sky, 0, 0, seed=i) for i in range(8)]
    trail = frames[5].copy()
    trail[100, :] = 60000
    frames[5] = trail
    mean, clipped = LiveStacker(mode="mean"), LiveStacker(mode="sigma")
    for f in frames:
        assert mean.add(f).accepted and clipped.add(f).accepted
    row_mean = np.nanmedian(mean.image()[100, 20:-20])
    row_clip = np.nanmedian(clipped.image()[100, 20:-20])
    assert row_mean > 0.1  # the trail shows in the plain mean
    assert row_clip < 0.08  # and is gone from the clipped mean


def test_reset_starts_again_from_the_next_frame():
    stacker = LiveStacker()
    for i in range(3):
        stacker.add(_frame(_sky(), 0, 0, i))
    stacker.reset()
    assert stacker.image() is None and stacker.frames == 0
    assert stacker.add(_frame(_sky(), 0, 0, 9)).frames == 1


def test_auto_stretch_puts_sky_background_near_quarter_grey():
    frame = _frame(_sky(), 0, 0, 1)
    shown = auto_stretch_u8(frame)
    assert shown.dtype == np.uint8 and shown.shape == frame.shape
    assert 45 <= np.median(shown) <= 85
    assert shown.max() == 255
