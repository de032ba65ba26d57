"""TIFF: every common sample type and layout, metadata kept, tiffinfo reads what we write."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import tifffile

from editor.errors import ImageTooLargeError
from editor.io import export_image, open_image
from editor.io.srgb import srgb_icc_profile
from tests.io.synthetic import gradient


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.float16, np.float32])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("compression", [None, "lzw", "zlib"])
def test_sample_types_and_compressions(tmp_path, dtype, channels, compression):
    picture = gradient(6, 8, channels=channels, dtype=dtype if np.dtype(dtype).kind == "u" else np.float64)
    if np.dtype(dtype).kind == "u":
        picture = (picture.astype(np.float64) * (np.iinfo(dtype).max // picture.max())).astype(dtype)
        expected = picture / np.float64(np.iinfo(dtype).max)
    else:
        picture = (picture * 3.0).astype(dtype)  # floats > 1 must survive untouched
        expected = picture.astype(np.float64)
    path = tmp_path / "x.tif"
    tifffile.imwrite(path, picture, compression=compression,
                     photometric="rgb" if channels == 3 else "minisblack")
    image = open_image(path)
    np.testing.assert_allclose(image.data, expected, rtol=1e-6)
    assert image.meta.original_dtype == np.dtype(dtype).name


def test_planar_rgb(tmp_path):
    picture = gradient(5, 7, channels=3, dtype=np.float32)
    tifffile.imwrite(tmp_path / "p.tif", np.moveaxis(picture, 2, 0), photometric="rgb",
                     planarconfig="separate")
    np.testing.assert_array_equal(open_image(tmp_path / "p.tif").data, picture)


def test_rgba_drops_alpha(tmp_path):
    rgba = gradient(5, 7, channels=3, dtype=np.uint16)
    rgba = np.concatenate([rgba, np.full(rgba.shape[:2] + (1,), 65535, np.uint16)], axis=2)
    tifffile.imwrite(tmp_path / "a.tif", rgba, photometric="rgb", extrasamples=["unassalpha"])
    image = open_image(tmp_path / "a.tif")
    assert image.data.shape == (5, 7, 3)
    assert "alpha channel dropped" in image.meta.notes


def test_icc_profile_and_tags_are_kept(tmp_path):
    icc = srgb_icc_profile()
    tifffile.imwrite(tmp_path / "icc.tif", gradient(4, 4, channels=3), photometric="rgb",
                     iccprofile=icc, software="DeepSkyStacker", description="stacked")
    image = open_image(tmp_path / "icc.tif")
    assert image.meta.icc_profile == icc
    assert image.meta.extra["tiff_tags"]["Software"] == "DeepSkyStacker"


def test_orientation_tag_is_applied(tmp_path):
    picture = gradient(4, 6)
    # Orientation 3 = stored rotated by 180 degrees.
    tifffile.imwrite(tmp_path / "o.tif", picture[::-1, ::-1], extratags=[(274, "H", 1, 3, True)])
    np.testing.assert_array_equal(open_image(tmp_path / "o.tif").data, picture)


def test_float32_tiff_round_trip_is_bit_exact(tmp_path):
    rng = np.random.default_rng(1)
    picture = (rng.standard_normal((9, 11, 3)) * 3).astype(np.float32)
    picture[0, 0, 0] = np.nan
    export_image(picture, tmp_path / "rt.tif")
    back = open_image(tmp_path / "rt.tif").data
    assert back.tobytes() == picture.tobytes()


def test_sixteen_bit_export_quantises_clipped_values(tmp_path):
    picture = np.full((1, 500), 0.5, dtype=np.float32)  # a few values outside 0..1 clip (< 1 %)
    picture[0, :5] = [-0.5, 0.0, 0.5, 1.0, 2.0]
    export_image(picture, tmp_path / "q.tif", bits=16)
    stored = tifffile.imread(tmp_path / "q.tif")
    assert stored.dtype == np.uint16
    np.testing.assert_array_equal(stored[:, :5], [[0, 0, 32768, 65535, 65535]])


def test_fits_header_travels_as_astrotiff(tmp_path):
    from editor.io.image import ImageMeta

    meta = ImageMeta(header={"OBJECT": "M31", "EXPTIME": 120.0, "BAYERPAT": "RGGB"})
    export_image(gradient(4, 4), tmp_path / "astro.tif", meta=meta)
    back = open_image(tmp_path / "astro.tif").meta.header
    assert back["OBJECT"] == "M31" and back["EXPTIME"] == 120.0
    assert any("Nebulayer" in line for line in back["HISTORY"])


def test_huge_declared_size_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.tif"
    tifffile.imwrite(path, np.zeros((16, 16), dtype=np.float32))
    with tifffile.TiffFile(path, mode="r+b") as tif:
        tif.pages.first.tags["ImageWidth"].overwrite(200_000)
        tif.pages.first.tags["ImageLength"].overwrite(150_000)  # 120 GB of float32
    with pytest.raises(ImageTooLargeError, match="memory budget") as info:
        open_image(path)
    assert "huge.tif" in str(info.value)


@pytest.mark.skipif(shutil.which("tiffinfo") is None, reason="tiffinfo (libtiff-tools) not installed")
@pytest.mark.parametrize("bits", [8, 16, 32])
def test_tiffinfo_reads_what_we_write(tmp_path, bits):
    path = tmp_path / f"t{bits}.tif"
    export_image(gradient(8, 10, channels=3), path, bits=bits)
    result = subprocess.run(["tiffinfo", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"Bits/Sample: {bits}" in result.stdout
    assert "Image Width: 10 Image Length: 8" in result.stdout
    assert "error" not in result.stderr.lower()
