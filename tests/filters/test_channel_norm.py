"""Per-channel normalisation of frames in different units (filters/channel_norm.py)."""

from __future__ import annotations

import numpy as np
import pytest

from filters import lrgb_combine, rgb_combine
from filters.channel_norm import channel_stats, needs_normalization, normalize_channels


def _frame(seed: int, bg: float, noise: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = bg + noise * rng.standard_normal((200, 300))
    x[50:60, 100:110] += 40 * noise  # a "star"
    return x.astype(np.float32)


def test_frames_in_different_units_get_one_background_and_one_scale():
    r, g, b = _frame(1, 535.0, 38.0), _frame(2, 509.0, 18.0), _frame(3, 156.0, 3.7)
    out = rgb_combine(r, g, b)  # "auto": these differ by 10x in scale
    stats = [channel_stats(out[..., c]) for c in range(3)]
    meds, sigs = [m for m, _ in stats], [s for _, s in stats]
    assert max(meds) - min(meds) < 0.02 * np.median(sigs)
    assert max(sigs) / min(sigs) < 1.01
    # target = median of the medians and of the sigmas: the middle frame is nearly unchanged
    assert meds[1] == pytest.approx(509.0, abs=1.0) and sigs[1] == pytest.approx(18.0, rel=0.03)
    # linear: the star keeps its contrast in units of each frame's noise
    for c in range(3):
        assert out[55, 105, c] - meds[c] == pytest.approx(40 * sigs[c], rel=0.1)


def test_balanced_frames_are_left_alone_by_auto_and_changed_by_on():
    r, g, b = _frame(1, 0.05, 0.010), _frame(2, 0.04, 0.008), _frame(3, 0.03, 0.006)
    assert not needs_normalization([channel_stats(x) for x in (r, g, b)])
    assert np.array_equal(rgb_combine(r, g, b), np.stack([r, g, b], axis=-1))
    on = rgb_combine(r, g, b, normalize="on")
    assert not np.array_equal(on, np.stack([r, g, b], axis=-1))
    with pytest.raises(ValueError, match="normalize"):
        rgb_combine(r, g, b, normalize="maybe")


def test_nan_stays_nan_and_nothing_is_clipped():
    r, g, b = _frame(1, 500.0, 30.0), _frame(2, 100.0, 5.0), _frame(3, 10.0, 1.0)
    r[0, 0] = np.nan
    out = normalize_channels([r, g, b], "on")
    assert np.isnan(out[0][0, 0]) and np.isfinite(out[1]).all()
    assert max(float(np.nanmax(o)) for o in out) > 1.0  # linear values kept, no clip to 0..1


def test_lrgb_normalises_the_colour_channels_only_when_asked():
    lum = _frame(4, 1.0, 0.1)
    rgb = np.stack([_frame(1, 535.0, 38.0), _frame(2, 509.0, 18.0), _frame(3, 156.0, 3.7)], -1)
    out = lrgb_combine(lum, rgb, normalize="auto")
    off = lrgb_combine(lum, rgb)  # default off: a colour image's balance is the user's
    # ratio method: brightness from L either way, colour balance only with normalisation
    ratio = np.median(out, axis=(0, 1))
    assert ratio.max() / ratio.min() < 1.02
    ratio_off = np.median(off, axis=(0, 1))
    assert ratio_off.max() / ratio_off.min() > 3
