"""Side by side with Debian's siril-cli on the same synthetic frames (skipped without Siril).

Both masters are fitted to the known truth (a * truth + b) and measured in electrons: the
per-pixel noise of the residual on the fainter 40% of the sky (the issue's measure), and the
FWHM of the same 20+ isolated stars (a Gaussian fit each, median).

Where the two differ: Siril 1.0's ``register`` command resamples bilinearly (OPENCV_LINEAR; a
single registered frame of ours made with "bilinear" has Siril's per-pixel noise and FWHM to
0.3%). Bilinear averages neighbouring pixels: per-pixel noise drops (single registered frames:
16.0 e- Siril's and our bilinear, 20.9 e- our B-spline) and stars widen (~2%). Our default cubic B-spline keeps stars at their true
width but leaves ~10% more per-pixel noise in the master. So the issue's criterion is asserted with
the same kernel as Siril ("bilinear"), and the default is measured against Siril for what it
trades: sharper stars, more per-pixel noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from editor.io import open_image
from editor.stacking.pipeline import StackRequest, run_stack
from tests.stacking.metrics import isolated_stars, median_fwhm, robust_sigma
from tests.stacking.siril import run_siril, siril_cli
from tests.stacking.synthetic import make_dataset

B = 60


def _residual(img: np.ndarray, model: np.ndarray) -> np.ndarray:
    x, y = model[B:-B, B:-B].ravel(), img[B:-B, B:-B].ravel()
    ok = np.isfinite(y)
    a, b = np.linalg.lstsq(np.column_stack([x[ok], np.ones(ok.sum())]), y[ok], rcond=None)[0]
    return ((img - b) / a - model)[B:-B, B:-B]  # in electrons of the truth


def noise_figures(img: np.ndarray, model: np.ndarray) -> tuple[float, float]:
    """(per-pixel noise on the fainter 40% of the sky, 4x4-block residual over the whole frame)
    in electrons; the block figure also counts signal blurred away from the truth."""
    r = _residual(img, model)
    faint = model[B:-B, B:-B] < np.percentile(model, 40)
    h, w = (r.shape[0] // 4) * 4, (r.shape[1] // 4) * 4
    blocks = r[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))
    return robust_sigma(r[faint]), robust_sigma(blocks)


@pytest.fixture(scope="module")
def both(shared_data, tmp_path_factory):
    if siril_cli() is None:
        pytest.skip("siril-cli is not installed (Debian package siril)")
    data = make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits",
                        tmp_path_factory.mktemp("frames"))
    # reference=0: Siril registers on the first light; the truth is on its grid too
    ours = {interp: run_stack(StackRequest(lights=data.lights, darks=data.darks,
                                           flats=data.flats, bias=data.bias, reference=0,
                                           interpolation=interp)).image
            for interp in ("bilinear", "bspline")}
    result, _ = run_siril(tmp_path_factory.mktemp("siril"), data.lights, data.darks,
                          data.flats, data.bias)
    return data, ours, open_image(result).data


def test_per_pixel_noise_and_fwhm_within_5_percent_of_siril_with_its_kernel(both):
    data, ours, siril = both
    model = data.model(0)
    stars = isolated_stars(model, count=25)
    assert len(stars) >= 10
    (our_pix, our_blk), (sir_pix, sir_blk) = (noise_figures(ours["bilinear"], model),
                                              noise_figures(siril, model))
    fwhm = {name: median_fwhm(img, stars) for name, img in
            (("truth", model), ("ours", ours["bilinear"]), ("siril", siril))}
    print(f"bilinear: noise per pixel ours {our_pix:.2f} e-, Siril {sir_pix:.2f} e- "
          f"({our_pix / sir_pix:.3f}x); 4x4 blocks ours {our_blk:.2f}, Siril {sir_blk:.2f}; "
          f"FWHM px {fwhm}")
    assert our_pix <= 1.05 * sir_pix
    assert fwhm["ours"] <= 1.05 * fwhm["siril"]
    assert fwhm["ours"] <= 1.05 * fwhm["truth"]


def test_default_bspline_keeps_stars_sharper_than_siril_for_more_pixel_noise(both):
    """The trade the README states: FWHM below Siril's and at the truth's; per-pixel noise
    above Siril's (1.10x measured), 4x4-block residual below it."""
    data, ours, siril = both
    model = data.model(0)
    stars = isolated_stars(model, count=25)
    (our_pix, our_blk), (sir_pix, sir_blk) = (noise_figures(ours["bspline"], model),
                                              noise_figures(siril, model))
    ours_fwhm, siril_fwhm, truth = (median_fwhm(img, stars) for img in
                                    (ours["bspline"], siril, model))
    print(f"bspline: noise per pixel ours {our_pix:.2f} e-, Siril {sir_pix:.2f} e- "
          f"({our_pix / sir_pix:.3f}x); 4x4 blocks ours {our_blk:.2f}, Siril {sir_blk:.2f}; "
          f"FWHM ours {ours_fwhm:.3f}, Siril {siril_fwhm:.3f}, truth {truth:.3f}")
    assert ours_fwhm < siril_fwhm and ours_fwhm <= 1.01 * truth
    assert our_blk < sir_blk
    assert our_pix <= 1.15 * sir_pix
