"""TIFF exports carry their ICC profile; JPEG/TIFF exported from a RAW keep the camera EXIF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image as PILImage

from editor.io import export_image, open_image

FIELDS = ("camera", "iso", "exposure", "date", "f_number", "focal_length", "lens")


@pytest.mark.parametrize("name", ["raw/canon_eos_6d_linear.dng", "raw/kodak_dc50_bayer.kdc"])
@pytest.mark.parametrize("suffix,bits", [(".tif", 16), (".tif", 32), (".jpg", 8)])
def test_camera_exif_survives_export_from_raw(shared_data, tmp_path, name, suffix, bits):
    source = open_image(shared_data / name)
    assert {"camera", "exposure", "date"} <= set(source.meta.exif)
    out = tmp_path / f"out{suffix}"
    export_image(source, out, bits=bits)
    back = open_image(out).meta.exif
    for key in FIELDS:
        if key in source.meta.exif:
            expected = source.meta.exif[key]
            if isinstance(expected, float):
                assert back[key] == pytest.approx(expected, rel=1e-4), key
            else:
                assert back[key] == expected, key


def test_jpeg_exif_is_standard_for_other_readers(shared_data, tmp_path):
    export_image(open_image(shared_data / "raw/canon_eos_6d_linear.dng"), tmp_path / "o.jpg")
    with PILImage.open(tmp_path / "o.jpg") as pil:
        exif = pil.getexif()
        sub = exif.get_ifd(0x8769)
    assert exif[272] == "Canon EOS 6D" and sub[34855] == 1000
    assert float(sub[33434]) == pytest.approx(1 / 60)
    assert sub[36867] == "2019:06:06 07:29:51"


@pytest.mark.parametrize("bits", [8, 16, 32])
def test_colour_tiff_embeds_the_srgb_profile_tiffinfo_sees(shared_data, tmp_path, bits):
    out = tmp_path / "c.tif"
    export_image(open_image(shared_data / "raw/kodak_dc50_bayer.kdc"), out, bits=bits)
    from editor.io.srgb import srgb_icc_profile

    assert open_image(out).meta.icc_profile == srgb_icc_profile()
    tiffinfo = shutil.which("tiffinfo")
    if tiffinfo:
        text = subprocess.run([tiffinfo, str(out)], capture_output=True, text=True).stdout
        assert f"ICC Profile: <present>, {len(srgb_icc_profile())} bytes" in text


def test_source_profile_is_kept_and_grey_gets_none(shared_data, tmp_path):
    import numpy as np

    from editor.io.image import ImageMeta

    profile = open_image(shared_data / "raw/kodak_dc50_bayer.kdc").meta  # no profile of its own
    assert profile.icc_profile is None
    from PIL import ImageCms

    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    rgb = np.full((4, 4, 3), 0.5, dtype=np.float32)
    export_image(rgb, tmp_path / "own.tif", bits=16, meta=ImageMeta(icc_profile=lab))
    assert open_image(tmp_path / "own.tif").meta.icc_profile == lab
    export_image(rgb[..., 0], tmp_path / "grey.tif", bits=16)
    assert open_image(tmp_path / "grey.tif").meta.icc_profile is None


def test_tiff_exif_is_a_standard_exif_directory(shared_data, tmp_path):
    out = tmp_path / "o.tif"
    export_image(open_image(shared_data / "raw/canon_eos_6d_linear.dng"), out, bits=16)
    with PILImage.open(out) as pil:
        exif = pil.getexif()
        sub = exif.get_ifd(0x8769)
    assert exif[272] == "Canon EOS 6D" and exif[306] == "2019:06:06 07:29:51"
    assert sub[34855] == 1000 and float(sub[33434]) == pytest.approx(1 / 60)
    assert sub[42036] == "EF24-105mm f/4L IS USM" and float(sub[33437]) == pytest.approx(5.6)
    tiffinfo = shutil.which("tiffinfo")
    if tiffinfo:
        done = subprocess.run([tiffinfo, str(out)], capture_output=True, text=True)
        assert "EXIF directory" in done.stdout and "ISOSpeedRatings: 1000" in done.stdout
        assert "Unknown field" not in done.stderr and "Warning" not in done.stderr
