"""Malvar-He-Cutler beats bilinear on real pictures mosaicked and rebuilt; both keep the data
linear (no clipping) and missing data missing."""

from __future__ import annotations

import numpy as np
import pytest

from editor.io import open_image
from editor.io.debayer import PATTERNS, debayer


def _mosaic(rgb: np.ndarray, pattern: str) -> np.ndarray:
    out = np.empty(rgb.shape[:2], dtype=np.float32)
    for i, colour in enumerate(pattern):
        r, c = divmod(i, 2)
        out[r::2, c::2] = rgb[r::2, c::2, "RGB".index(colour)]
    return out


def _psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    a, b = a[4:-4, 4:-4], b[4:-4, 4:-4]
    return float(10 * np.log10(peak ** 2 / np.mean((a - b) ** 2)))


def _pictures(shared_data):
    dng = np.asarray(open_image(shared_data / "raw/canon_eos_6d_linear.dng").data)
    bands = [np.asarray(open_image(shared_data / f"fits/multiband_gc/gc_2mass_{b}.fits").data)
             for b in "khj"]
    return {"Canon 6D linear DNG": dng, "2MASS K/H/J": np.nan_to_num(np.stack(bands, -1))}


@pytest.mark.parametrize("pattern", ["RGGB", "GBRG"])
def test_malvar_beats_bilinear_on_real_pictures(shared_data, pattern):
    for name, rgb in _pictures(shared_data).items():
        peak = float(np.percentile(rgb, 99.9))
        cfa = _mosaic(rgb, pattern)
        bilinear = _psnr(debayer(cfa, pattern, "bilinear"), rgb, peak)
        malvar = _psnr(debayer(cfa, pattern, "malvar"), rgb, peak)
        assert malvar > bilinear + 0.4, f"{name}: Malvar {malvar:.2f} dB, bilinear {bilinear:.2f} dB"
        assert bilinear > 25


@pytest.mark.parametrize("pattern", PATTERNS)
def test_values_outside_0_1_and_missing_data_survive(pattern):
    flat = np.empty((10, 12, 3), dtype=np.float32)
    flat[...] = (1500.0, -0.25, 3.0)  # ADU-scaled, negative and > 1: nothing is clipped
    cfa = _mosaic(flat, pattern)
    np.testing.assert_allclose(debayer(cfa, pattern), flat, rtol=1e-5, atol=1e-4)
    cfa[5, 6] = np.nan
    out = debayer(cfa, pattern)
    assert np.isnan(out[5, 6]).all() and np.isfinite(out[0, 0]).all()


def test_astro_tiff_and_raw_mosaics_debayer_like_fits(shared_data, tmp_path):
    from editor.io import export_image
    from tests.io.siril_helpers import colour_difference_correlation, libraw_camera_rgb

    kdc = shared_data / "raw/kodak_dc50_bayer.kdc"
    reference = libraw_camera_rgb(kdc)
    cfa = open_image(kdc, raw_mode="cfa")
    cfa.meta.header = {"OBJECT": "KDC"}  # written as an Astro-TIFF header with BAYERPAT
    export_image(cfa, tmp_path / "cfa.tif", bits=16)
    for colour in (open_image(kdc, raw_mode="cfa", debayer=True),
                   open_image(tmp_path / "cfa.tif", debayer="auto")):
        assert colour.data.shape == reference.shape and colour.meta.bayer_pattern is None
        assert min(colour_difference_correlation(colour.data, reference)) > 0.9
    with pytest.raises(Exception, match="not a Bayer mosaic"):
        open_image(shared_data / "fits/m51_kpno_b_int16.fits", debayer=True)
