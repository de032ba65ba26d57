"""Side by side with Debian's siril-cli on the same synthetic frames (skipped without Siril).

Both masters are fitted to the known truth (a * truth + b) and measured in electrons:
* noise of 4x4 pixel block means of the residual. Registration resamples every frame, and the
  interpolation correlates neighbouring pixels' noise by different amounts (Siril 1.0's smooths
  more: lower per-pixel noise, wider stars); block means are what the correlation leaves alone,
  so they compare the information in the two masters. Per-pixel noise is printed as well.
* FWHM of the same 20+ isolated stars (a Gaussian fit each, median).
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
    """(per-pixel, 4x4-block) noise in electrons, on the fainter 40% of the sky."""
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
    ours = run_stack(StackRequest(lights=data.lights, darks=data.darks, flats=data.flats,
                                  bias=data.bias)).image
    result, _ = run_siril(tmp_path_factory.mktemp("siril"), data.lights, data.darks,
                          data.flats, data.bias)
    return data, ours, open_image(result).data


def test_background_noise_no_worse_than_siril(both):
    data, ours, siril = both
    model = data.model(0)
    (our_pix, our_blk), (sir_pix, sir_blk) = noise_figures(ours, model), noise_figures(siril, model)
    print(f"noise per pixel: ours {our_pix:.2f} e-, Siril {sir_pix:.2f} e-; 4x4 blocks: "
          f"ours {our_blk:.2f} e-, Siril {sir_blk:.2f} e-")
    assert our_blk <= 1.05 * sir_blk


def test_star_fwhm_no_worse_than_siril(both):
    data, ours, siril = both
    model = data.model(0)
    stars = isolated_stars(model, count=25)
    assert len(stars) >= 10
    fwhm = {name: median_fwhm(img, stars) for name, img in
            (("truth", model), ("ours", ours), ("siril", siril))}
    print("FWHM px:", fwhm)
    assert fwhm["ours"] <= 1.05 * fwhm["siril"]
    assert fwhm["ours"] <= 1.05 * fwhm["truth"]
