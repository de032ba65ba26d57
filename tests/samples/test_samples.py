"""The bundled samples are what the generator makes, and they are usable as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
IMAGE_FILES = ["deep_sky_field.fits", "lrgb_L.fits", "lrgb_R.fits", "lrgb_G.fits", "lrgb_B.fits",
               "bayer_rggb.dng"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(SAMPLES / "generate_samples.py"), "--out", str(out),
                    "--skip-project"], check=True, capture_output=True, cwd=REPO)
    return out


@pytest.mark.parametrize("name", IMAGE_FILES)
def test_committed_samples_are_exactly_what_the_generator_makes(regenerated: Path, name: str) -> None:
    if name.endswith(".fits"):
        with fits.open(SAMPLES / name) as a, fits.open(regenerated / name) as b:
            assert np.array_equal(a[0].data, b[0].data)
    else:
        import rawpy

        with rawpy.imread(str(SAMPLES / name)) as a, rawpy.imread(str(regenerated / name)) as b:
            assert np.array_equal(a.raw_image_visible, b.raw_image_visible)


def test_samples_stay_small() -> None:
    total = sum(f.stat().st_size for f in SAMPLES.iterdir() if f.is_file())
    assert total < 8e6, f"samples/ holds {total / 1e6:.1f} MB"


def test_dng_sample_opens_in_libraw_as_an_rggb_mosaic() -> None:
    import rawpy

    with rawpy.imread(str(SAMPLES / "bayer_rggb.dng")) as raw:
        assert raw.raw_type == rawpy.RawType.Flat
        assert raw.raw_image_visible.shape == (384, 512)
        pattern = "".join(chr(raw.color_desc[i]) for i in raw.raw_pattern.flatten())
        assert pattern == "RGGB"
        assert raw.white_level == 4095
        rgb = raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16)
    assert rgb.shape == (384, 512, 3)


def test_deep_sky_sample_has_a_gradient_and_stars() -> None:
    from editor import open_image

    img = open_image(SAMPLES / "deep_sky_field.fits")
    assert img.data.shape == (384, 512, 3) and img.data.dtype == np.float32
    rows = np.median(img.data[..., 0], axis=1)
    # Light pollution grows towards one horizon (the generator adds 0.03 over the height).
    assert abs(rows[-20:].mean() - rows[:20].mean()) > 0.02
    assert img.data.max() > 10 * np.median(img.data)  # stars stand out of the background


@pytest.mark.parametrize("channel", ["R", "G", "B"])
def test_lrgb_sample_offsets_are_recovered_by_registration(channel: str) -> None:
    import filters
    from editor import open_image

    ref = open_image(SAMPLES / "lrgb_L.fits")
    moving = open_image(SAMPLES / f"lrgb_{channel}.fits")
    true = (moving.meta.header["TRUEDY"], moving.meta.header["TRUEDX"])
    dy, dx = filters.register_translation(ref.data, moving.data)
    assert abs(dy - true[0]) < 0.1 and abs(dx - true[1]) < 0.1, ((dy, dx), true)


def test_sample_project_opens_and_renders() -> None:
    from editor import Document

    doc = Document.load(SAMPLES / "sample_project.nebula")
    preview = doc.render(scale=0.25)
    assert preview.shape[:2] == (96, 128)
    assert np.isfinite(preview).all()
