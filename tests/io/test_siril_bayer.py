"""Bayer FITS both ways with Siril: colours must equal LibRaw's decode of the same real raw.

The raw is the Kodak DC50 KDC of the shared data (a real GRBG mosaic). "Equal colours" is a
colour-difference correlation above 0.9 with LibRaw's own AHD demosaic; a mosaic read with the
wrong pattern scores below 0.5 (checked below, so the threshold means something).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.io import export_image, open_image
from editor.io.debayer import debayer, shift_pattern
from tests.io.siril_helpers import (colour_difference_correlation, libraw_camera_rgb,
                                    need_siril, run_siril, siril_debayer)

KDC = "raw/kodak_dc50_bayer.kdc"
GOOD = 0.9


@pytest.fixture
def kdc(shared_data: Path) -> Path:
    return shared_data / KDC


@pytest.fixture
def reference(kdc: Path) -> np.ndarray:
    return libraw_camera_rgb(kdc)


def _assert_same_colours(rgb: np.ndarray, reference: np.ndarray) -> None:
    red, blue = colour_difference_correlation(rgb, reference)
    assert red > GOOD and blue > GOOD, f"colour-difference correlations {red:.3f}, {blue:.3f}"


def test_wrong_pattern_would_be_caught(kdc, reference):
    cfa = open_image(kdc, raw_mode="cfa")
    assert cfa.meta.bayer_pattern == "GRBG"
    wrong = debayer(cfa.data, shift_pattern("GRBG", 0, 1))
    assert max(colour_difference_correlation(wrong, reference)) < 0.5
    _assert_same_colours(debayer(cfa.data, "GRBG"), reference)


@pytest.mark.parametrize("row_order", ["BOTTOM-UP", "TOP-DOWN"])
@pytest.mark.parametrize("first_row", [0, 1])  # 1: an odd height, pattern shifted by a row
def test_mosaic_written_by_nebulayer_debayers_right_in_siril(kdc, reference, tmp_path,
                                                            row_order, first_row):
    need_siril()
    cfa = open_image(kdc, raw_mode="cfa")
    cfa.meta.header = {"ROWORDER": row_order, "OBJECT": "KDC"}
    cfa.meta.bayer_pattern = shift_pattern(cfa.meta.bayer_pattern, 0, first_row)
    export_image(cfa.data[first_row:], tmp_path / "cfa.fits", bits=16, meta=cfa.meta)
    with fits.open(tmp_path / "cfa.fits") as hdul:
        assert hdul[0].header["ROWORDER"] == row_order
    siril_rgb = open_image(siril_debayer(tmp_path / "cfa.fits", tmp_path / "siril"))
    assert siril_rgb.data.shape == reference[first_row:].shape
    _assert_same_colours(siril_rgb.data, reference[first_row:])


def test_mosaic_converted_by_siril_debayers_right_in_nebulayer(kdc, reference, tmp_path):
    need_siril()
    shutil.copy(kdc, tmp_path / "k.kdc")
    run_siril(tmp_path, "load k.kdc", "save siril_cfa")
    with fits.open(tmp_path / "siril_cfa.fits") as hdul:  # what Siril writes for a raw
        assert hdul[0].header["ROWORDER"] == "BOTTOM-UP"
        assert hdul[0].header["BAYERPAT"].strip() == "GRBG"
    mono = open_image(tmp_path / "siril_cfa.fits")
    assert mono.meta.bayer_pattern == "GRBG"
    rgb = open_image(tmp_path / "siril_cfa.fits", debayer=True)
    _assert_same_colours(rgb.data, reference)


def test_top_down_mosaic_saved_by_siril_debayers_right_in_nebulayer(kdc, reference, tmp_path):
    need_siril()
    cfa = open_image(kdc, raw_mode="cfa")
    cfa.meta.header = {"ROWORDER": "TOP-DOWN"}
    cfa.meta.bayer_pattern = shift_pattern(cfa.meta.bayer_pattern, 0, 1)  # row 0 cropped off
    export_image(cfa.data[1:], tmp_path / "ours.fits", bits=16, meta=cfa.meta)
    run_siril(tmp_path, "load ours.fits", "save siril_td")  # Siril re-saves with its own cards
    with fits.open(tmp_path / "siril_td.fits") as hdul:
        assert hdul[0].header["ROWORDER"] == "TOP-DOWN"
    rgb = open_image(tmp_path / "siril_td.fits", debayer="auto")
    _assert_same_colours(rgb.data, reference[1:])


def test_mosaic_without_roworder_agrees_with_siril(kdc, reference, tmp_path):
    """No ROWORDER: Siril takes BAYERPAT as the first stored row's pattern; Nebulayer shows
    the file bottom-up (FITS convention), so both see the picture upside down, same colours."""
    need_siril()
    cfa = open_image(kdc, raw_mode="cfa")
    stored = np.rint(np.asarray(cfa.data) * 65535).astype(np.uint16)  # top row stored first
    hdu = fits.PrimaryHDU(stored)
    hdu.header["BAYERPAT"] = "GRBG"
    hdu.writeto(tmp_path / "legacy.fits")
    flipped_reference = reference[::-1]
    ours = open_image(tmp_path / "legacy.fits", debayer=True)
    _assert_same_colours(ours.data, flipped_reference)
    siril_rgb = open_image(siril_debayer(tmp_path / "legacy.fits", tmp_path / "siril"))
    _assert_same_colours(siril_rgb.data, flipped_reference)
