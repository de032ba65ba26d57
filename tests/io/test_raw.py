"""Camera RAW through rawpy: pixels equal to rawpy's own output with the documented settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rawpy

from editor.errors import ImageReadError, ImageTooLargeError, UnsupportedFormatError
from editor.io import open_image

KDC = "raw/kodak_dc50_bayer.kdc"
DNG = "raw/canon_eos_6d_linear.dng"


def _rawpy_linear(path: Path, half: bool = False) -> np.ndarray:
    with rawpy.imread(str(path)) as raw:
        rgb = raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16,
                              use_camera_wb=True, highlight_mode=rawpy.HighlightMode.Ignore,
                              half_size=half)
    return rgb.astype(np.float32) / 65535.0


@pytest.mark.parametrize("name", [KDC, DNG])
@pytest.mark.parametrize("mode", ["rgb", "half"])
def test_linear_rgb_equals_rawpy_postprocess(shared_data: Path, name, mode):
    image = open_image(shared_data / name, raw_mode=mode)
    expected = _rawpy_linear(shared_data / name, half=(mode == "half"))
    assert image.data.dtype == np.float32
    np.testing.assert_allclose(image.data, expected, rtol=0, atol=1e-7)
    assert image.meta.format == "RAW"


def test_half_size_is_half_the_linear_size(shared_data: Path):
    full = open_image(shared_data / KDC)
    half = open_image(shared_data / KDC, raw_mode="half")
    assert half.data.shape == (full.height // 2, full.width // 2, 3)


def test_linear_output_is_not_gamma_encoded(shared_data: Path):
    # With gamma 1 the mean is far below what an sRGB-encoded rendering would give.
    linear = open_image(shared_data / KDC).data.mean()
    with rawpy.imread(str(shared_data / KDC)) as raw:
        srgb = raw.postprocess(output_bps=16).astype(np.float32).mean() / 65535
    assert linear < 0.7 * srgb


def test_cfa_mode_is_the_raw_mosaic_without_black_subtraction(shared_data: Path):
    image = open_image(shared_data / KDC, raw_mode="cfa")
    with rawpy.imread(str(shared_data / KDC)) as raw:
        mosaic = raw.raw_image_visible.astype(np.float32) / 65535.0
    np.testing.assert_allclose(image.data, mosaic, rtol=1e-6)
    assert image.meta.bayer_pattern == "GRBG"  # PROVENANCE: raw_pattern [[1,0],[2,3]], RGBG
    assert image.meta.extra["white_level"] == 16383
    assert image.meta.data_range == (23.0, 16383.0)


def test_cfa_mode_on_a_demosaiced_dng_is_a_clear_error(shared_data: Path):
    with pytest.raises(UnsupportedFormatError, match="no colour filter mosaic"):
        open_image(shared_data / DNG, raw_mode="cfa")


@pytest.mark.parametrize("name,shape", [(KDC, (64, 96, 3)), (DNG, (683, 1024, 3))])
def test_thumbnail_is_the_embedded_preview(shared_data: Path, name, shape):
    image = open_image(shared_data / name, raw_mode="thumbnail")
    assert image.data.shape == shape
    assert 0.0 <= float(image.data.min()) and float(image.data.max()) <= 1.0


def test_exif_fields_from_the_dng(shared_data: Path):
    exif = open_image(shared_data / DNG, raw_mode="half").meta.exif
    assert exif["camera"] == "Canon EOS 6D"
    assert exif["iso"] == 1000
    assert exif["exposure"] == pytest.approx(1 / 60)
    assert exif["lens"].startswith("EF24-105mm")
    assert exif["focal_length"] == 65
    assert exif["date"].startswith("2019:06:06")


def test_exif_camera_of_the_kodak(shared_data: Path):
    exif = open_image(shared_data / KDC, raw_mode="cfa").meta.exif
    assert "DC50" in exif["camera"]
    assert exif["exposure"] == pytest.approx(0.00435)


@pytest.mark.parametrize("name", ["exiv2_canon_r6_pruned.cr3",
                                  "exiv2_canon_powershot_s40_truncated.crw"])
def test_real_damaged_raws_give_a_typed_error(shared_data: Path, name):
    path = shared_data / "raw/invalid" / name
    with pytest.raises(ImageReadError) as info:
        open_image(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_raw_gives_a_typed_error(shared_data: Path, tmp_path):
    data = (shared_data / KDC).read_bytes()
    cut = tmp_path / "cut.kdc"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageReadError, match="cut.kdc"):
        open_image(cut)


def test_raw_larger_than_the_budget_is_refused_before_decoding(shared_data: Path):
    with pytest.raises(ImageTooLargeError, match="memory budget"):
        open_image(shared_data / KDC, memory_budget=1_000_000)
