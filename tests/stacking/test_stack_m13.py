"""The 5 real M13 subframes (5 s, drifting ~12 px per frame, very noisy): registered stack."""

from __future__ import annotations

import numpy as np
import pytest

from editor.io import open_image
from editor.stacking.pipeline import StackRequest, run_stack
from tests.stacking.metrics import background_noise, faint_stars, half_flux_fwhm


@pytest.fixture(scope="module")
def m13(shared_data):
    paths = sorted((shared_data / "fits" / "m13_subs").glob("M13_blue_*.fits"))
    if len(paths) != 5:
        pytest.skip("the 5 M13 subframes are not in the shared data")
    return paths, run_stack(StackRequest(lights=paths))


def test_all_five_frames_register_and_the_stack_is_less_noisy_than_any_frame(m13):
    paths, result = m13
    assert len(result.accepted) == 5, result.summary()
    noise = background_noise(result.image)
    singles = [background_noise(open_image(p).data) for p in paths]
    assert noise < 0.7 * min(singles), (noise, singles)  # ideal 1/sqrt(5) = 0.45


def test_stars_not_widened_by_more_than_ten_percent(m13):
    """FWHM (twice sep's half-flux radius, median over the same 30 isolated stars) of the stack
    vs the frames laid on each other by whole pixels (no resampling, no rejection): what the
    frames' own stars look like at the stack's signal-to-noise."""
    paths, result = m13
    stars = faint_stars(result.image, count=30)
    assert len(stars) >= 15
    whole = np.zeros(result.image.shape, np.float32)
    for path, rep in zip(paths, result.frames):
        m = rep.matrix if rep.matrix is not None else np.eye(3)
        whole += np.roll(open_image(path).data, (-int(round(m[1, 2])), -int(round(m[0, 2]))),
                         axis=(0, 1))
    reference = half_flux_fwhm(whole / len(paths), stars, rmax=8)
    stacked = half_flux_fwhm(result.image, stars, rmax=8)
    assert stacked < 1.10 * reference, (stacked, reference)
