"""Exports streamed band by band hold the same values as the in-memory export of the whole
render: float and 16-bit TIFF (every compression), float/16-bit FITS, read back by tifffile,
astropy (and tiffinfo / fitsverify when installed)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from editor.io.api import export_image, open_image
from editor.render.cache import RenderCache
from editor.render.tiles import TiledRender
from editor.render.tiles_export import export_tiled


def _doc(plate_doc):
    plate_doc.add_adjustment("levels", black=0.02, white=0.9, midtone=0.45)
    return plate_doc


@pytest.mark.parametrize("compression", ["none", "lzw", "deflate", "zstd"])
@pytest.mark.parametrize("bits", [None, 16])
def test_streamed_tiff_equals_the_in_memory_export(plate_doc, tmp_path, compression, bits):
    doc = _doc(plate_doc)
    ref = tmp_path / "ref.tif"
    export_image(doc.render(), ref, bits=bits, meta=doc.export_meta(1.0))
    out = tmp_path / "streamed.tif"
    seen = []
    tr = TiledRender(doc, tile=128, workers=2, cache=RenderCache(0), progress=seen.append)
    export_tiled(tr, out, bits=bits, compression=compression)
    a, b = open_image(ref).data, open_image(out).data
    assert a.shape == b.shape == (893, 891, 3)
    assert np.array_equal(a, b)
    assert seen[-1] == 1.0 and len(seen) == 1 + 7 * 7
    import tifffile

    with tifffile.TiffFile(out) as tf:
        page = tf.pages[0]
        assert page.is_tiled and page.tilelength == 128
        expect = {"none": 1, "lzw": 5, "deflate": 8, "zstd": 50000}[compression]
        assert page.compression == expect
        assert "NAXIS1" in (page.description or "")  # the Astro-TIFF header is there
    if shutil.which("tiffinfo") and compression != "zstd":
        assert subprocess.run(["tiffinfo", str(out)], capture_output=True).returncode == 0


@pytest.mark.parametrize("bits", [None, 16])
def test_streamed_fits_equals_the_in_memory_export(plate_doc, tmp_path, bits):
    doc = _doc(plate_doc)
    ref = tmp_path / "ref.fits"
    export_image(doc.render(), ref, bits=bits, meta=doc.export_meta(1.0))
    out = tmp_path / "streamed.fits"
    export_tiled(TiledRender(doc, tile=100, cache=RenderCache(0)), out, bits=bits)
    with fits.open(ref) as r, fits.open(out) as s:
        assert np.array_equal(r[0].data, s[0].data)
        assert r[0].header["ROWORDER"] == s[0].header["ROWORDER"] == "BOTTOM-UP"
        assert s[0].header["BITPIX"] == (-32 if bits is None else 16)
    assert np.array_equal(open_image(ref).data, open_image(out).data)
    if shutil.which("fitsverify"):
        run = subprocess.run(["fitsverify", "-q", str(out)], capture_output=True, text=True)
        assert "0 error" in run.stdout + run.stderr or run.returncode == 0, run.stdout


def test_a_16_bit_export_of_data_beyond_one_says_what_it_clipped_like_the_in_memory_one(
        plate_doc, tmp_path):
    plate_doc.add_adjustment("levels", black=0.0, white=0.3)  # pushes stars past 1
    ref, out = tmp_path / "ref.tif", tmp_path / "out.tif"
    notes_ref = export_image(plate_doc.render(), ref, bits=16, meta=plate_doc.export_meta(1.0))
    notes = export_tiled(TiledRender(plate_doc, tile=256, cache=RenderCache(0)), out, bits=16)
    assert notes == notes_ref and notes
    assert np.array_equal(open_image(ref).data, open_image(out).data)
    assert not [p for p in tmp_path.iterdir() if p.name not in ("ref.tif", "out.tif")]
