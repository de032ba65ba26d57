"""The format table: plugins add readers/writers; unknown extensions are sniffed by content."""

from __future__ import annotations

import numpy as np
import pytest
import xisf
from astropy.io import fits
from PIL import Image as PILImage

from editor.io import export_image, open_image, register_reader, register_writer
from editor.io.budget import parse_size
from editor.io.formats import readable_extensions, writable_extensions
from editor.io.image import Image, ImageMeta
from tests.io.synthetic import gradient


def test_plugin_reader_and_writer_are_used_for_their_extension(tmp_path):
    written = {}

    def read_pgmx(path, options):
        return Image(np.full((2, 3), 0.25, np.float32), ImageMeta(format="PGMX"))

    def write_pgmx(path, data, *, bits=None, meta=None):
        written["shape"] = data.shape
        path.write_bytes(b"PGMX")

    register_reader([".pgmx"], read_pgmx, "PGMX")
    register_writer(".pgmx", write_pgmx, "PGMX")
    assert ".pgmx" in readable_extensions() and ".pgmx" in writable_extensions()
    export_image(gradient(4, 5), tmp_path / "a.pgmx")
    assert written["shape"] == (4, 5) and (tmp_path / "a.pgmx").read_bytes() == b"PGMX"
    image = open_image(tmp_path / "a.pgmx")
    assert image.meta.format == "PGMX" and image.meta.path.endswith("a.pgmx")


def test_plugin_reader_may_return_a_bare_array(tmp_path):
    register_reader(".arrx", lambda path, options: np.ones((2, 2)))
    (tmp_path / "x.arrx").write_bytes(b"anything")
    image = open_image(tmp_path / "x.arrx")
    assert image.data.dtype == np.float32 and image.meta.format == "ARRX"


def test_fits_with_an_unknown_extension_is_recognised_by_content(tmp_path):
    path = tmp_path / "frame.dat"
    fits.PrimaryHDU(gradient(3, 4)).writeto(path, output_verify="ignore")
    assert open_image(path).meta.format == "FITS"


def test_compressed_fits_fz_extension(tmp_path):
    path = tmp_path / "frame.fits.fz"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(gradient(8, 8))]).writeto(path)
    np.testing.assert_allclose(open_image(path).data, gradient(8, 8)[::-1], rtol=1e-3)


def test_xisf_is_read_with_its_fits_keywords(tmp_path):
    picture = gradient(5, 7, channels=3)
    keywords = {"OBJECT": [{"value": "'NGC 7000'", "comment": "target"}],
                "EXPTIME": [{"value": "300.", "comment": ""}]}
    xisf.XISF.write(str(tmp_path / "pi.xisf"), picture, image_metadata={"FITSKeywords": keywords})
    image = open_image(tmp_path / "pi.xisf")
    np.testing.assert_array_equal(image.data, picture)  # XISF rows are top-first: no flip
    assert image.meta.header == {"OBJECT": "NGC 7000", "EXPTIME": 300.0}
    assert image.meta.format == "XISF"


def test_xisf_integers_are_scaled(tmp_path):
    stored = (gradient(4, 4)[..., None] * 65535).astype(np.uint16)
    xisf.XISF.write(str(tmp_path / "i.xisf"), stored)
    np.testing.assert_allclose(open_image(tmp_path / "i.xisf").data, stored[..., 0] / 65535, rtol=1e-6)


def test_png_and_jpeg_are_read_with_their_stored_values(tmp_path):
    PILImage.fromarray(np.array([[0, 118, 255]], dtype=np.uint8)).save(tmp_path / "g.png")
    data = open_image(tmp_path / "g.png").data
    np.testing.assert_allclose(data, [[0.0, 118 / 255, 1.0]], atol=1e-6)
    PILImage.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "c.jpg")
    assert open_image(tmp_path / "c.jpg").data.shape == (8, 8, 3)


@pytest.mark.parametrize("text,value", [("8G", 8 * 1024**3), ("512MiB", 512 * 1024**2),
                                        ("1000", 1000), ("1.5k", 1536)])
def test_memory_budget_sizes(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0"])
def test_bad_memory_budget_sizes_are_rejected(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_jpeg_exif_orientation_is_applied(tmp_path):
    picture = np.zeros((4, 6, 3), np.uint8)
    picture[0] = 255  # top row white
    pil = PILImage.fromarray(np.ascontiguousarray(picture[::-1, ::-1]))  # stored rotated 180
    exif = pil.getexif()
    exif[0x0112] = 3
    pil.save(tmp_path / "o.jpg", exif=exif, quality=100)
    data = open_image(tmp_path / "o.jpg").data
    assert data[0].mean() > 0.95 and data[-1].mean() < 0.05
