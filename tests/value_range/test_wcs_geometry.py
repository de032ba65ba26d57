"""Sky coordinates follow every geometry change (editor/io/wcs.py), checked the way another
tool would: astropy's own WCS of the written file, at the same displayed pixel, within 0.1 px
of the original on the real DSS (Horsehead) and 2MASS plates (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits
from astropy.wcs import WCS

from editor.core.document import Document
from editor.io import export_image, open_image

REPO = Path(__file__).resolve().parents[2]
PLATES = {"horsehead_dss": ("horsehead_dss_ukschmidt.fits",),
          "2mass_k": ("multiband_gc", "gc_2mass_k.fits")}


def nebulayer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "editor.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=REPO)


def file_wcs(header: fits.Header) -> tuple[WCS, int, bool]:
    """astropy's WCS of a header as another program sees it, its height and row order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wcs = WCS(header, naxis=2)
    bottom_up = str(header.get("ROWORDER", "BOTTOM-UP")).strip().upper() != "TOP-DOWN"
    return wcs, int(header["NAXIS2"]), bottom_up


def sky_at(header: fits.Header, x: np.ndarray, y: np.ndarray):
    """Sky position of displayed pixels (x = column, y = row from the top)."""
    wcs, height, bottom_up = file_wcs(header)
    return wcs.pixel_to_world(x, (height - 1 - y) if bottom_up else y)


def pixel_scale_arcsec(header: fits.Header) -> float:
    wcs, _, _ = file_wcs(header)
    return float(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix)))) * 3600.0


def assert_same_sky(before, after, header: fits.Header) -> None:
    error_px = before.separation(after).arcsec / pixel_scale_arcsec(header)
    assert error_px.max() < 0.1, f"sky moved by up to {error_px.max():.3f} px"


@pytest.fixture(params=sorted(PLATES))
def plate(request, shared_data) -> Path:
    return shared_data.joinpath("fits", *PLATES[request.param])


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.meshgrid(np.linspace(0, h - 1, 7), np.linspace(0, w - 1, 7), indexing="ij")
    return x.ravel(), y.ravel()


def test_render_at_half_scale_keeps_each_pixel_on_its_sky(plate, tmp_path):
    project = tmp_path / "p.nebula"
    doc = Document.from_image(str(plate))
    doc.save(project)
    out = tmp_path / "half.fits"
    result = nebulayer("render", str(project), "-o", str(out), "--scale", "0.5")
    assert result.returncode == 0, result.stderr
    source, written = fits.getheader(plate), fits.getheader(out)
    x, y = _grid(int(written["NAXIS2"]), int(written["NAXIS1"]))
    # output pixel i covers source pixels [2i, 2i + 2): its centre is source pixel 2i + 0.5
    assert_same_sky(sky_at(source, 2 * x + 0.5, 2 * y + 0.5), sky_at(written, x, y), source)


def test_an_image_layer_at_an_offset_on_a_bigger_canvas_keeps_its_sky(plate, tmp_path):
    image = open_image(plate)
    doc = Document.new(image.width + 300, image.height + 200)
    lid = doc.add_image(image, name="panel")
    doc.set_layer_props(lid, offset=(120, 40))
    out = tmp_path / "canvas.fits"
    export_image(doc.render(), out, meta=doc.export_meta())
    source, written = fits.getheader(plate), fits.getheader(out)
    x, y = _grid(image.height, image.width)
    assert_same_sky(sky_at(source, x, y), sky_at(written, x + 40, y + 120), source)


def test_fits_to_tiff_to_fits_keeps_the_sky_and_the_tiff_header_agrees_with_its_rows(
        plate, tmp_path):
    tif, back = tmp_path / "plate.tif", tmp_path / "back.fits"
    assert nebulayer("convert", str(plate), str(tif)).returncode == 0
    assert nebulayer("convert", str(tif), str(back)).returncode == 0
    with tifffile.TiffFile(tif) as t:
        embedded = fits.Header.fromstring(t.pages.first.description, sep="\n")
    assert embedded["ROWORDER"] == "TOP-DOWN"  # TIFF rows are stored top row first
    source = fits.getheader(plate)
    x, y = _grid(int(source["NAXIS2"]), int(source["NAXIS1"]))
    before = sky_at(source, x, y)
    # The Astro-TIFF header's WCS read as stored (TOP-DOWN): same sky at the same pixel.
    assert_same_sky(before, sky_at(embedded, x, y), source)
    assert_same_sky(before, sky_at(fits.getheader(back), x, y), source)


def test_a_crop_keeps_the_sky(plate, tmp_path):
    from editor.io.wcs import for_geometry

    image = open_image(plate)
    y0, x0, h, w = 101, 57, 300, 250
    header = for_geometry(image.meta.header, image.height, (h, w), crop=(y0, x0))
    out = tmp_path / "crop.fits"
    meta = type(image.meta)(header=header)
    export_image(np.array(image.data[y0:y0 + h, x0:x0 + w]), out, meta=meta)
    source, written = fits.getheader(plate), fits.getheader(out)
    x, y = _grid(h, w)
    assert_same_sky(sky_at(source, x + x0, y + y0), sky_at(written, x, y), source)


def test_bunit_is_dropped_with_a_note_once_a_stretch_is_applied(shared_data, tmp_path):
    spitzer = shared_data / "fits" / "spitzer_irac_glimpse.fits"
    doc = Document.from_image(str(spitzer))
    assert doc.export_meta().header["BUNIT"] == "MJy/sr"  # linear layers keep the unit
    doc.add_adjustment("extract_background")
    assert doc.export_meta().header["BUNIT"] == "MJy/sr"
    doc.add_adjustment("auto_stretch", name="Stretch")
    header = doc.export_meta().header
    assert "BUNIT" not in header
    assert any("BUNIT 'MJy/sr' removed" in line and "Stretch" in line
               for line in header["HISTORY"])
