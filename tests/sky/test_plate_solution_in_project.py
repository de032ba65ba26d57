"""A plate solution stored with its source in the project: undoable, survives save/load (also
for a source the project references instead of embedding), never touches the original file,
and moves the canvas WCS with the layer."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from editor.astrometry.project import source_wcs, store_solution
from editor.core.document import Document
from editor.io.wcs import array_wcs, with_array_wcs
from editor.render.sky import canvas_wcs


@pytest.fixture()
def unsolved_j(shared_data, tmp_path):
    """The 2MASS J frame with its WCS removed (a copy: the original stays as it is), plus the
    header's WCS as the "solution"."""
    from astropy.io import fits

    src = shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits"
    with fits.open(src) as hdul:
        data, hdr = hdul[0].data, hdul[0].header
        truth = array_wcs(dict(hdr), data.shape[0])
        bare = fits.Header({k: v for k, v in hdr.items() if k not in ("COMMENT", "HISTORY")})
        for key in list(bare):
            if key[:5] in ("CTYPE", "CRVAL", "CRPIX", "CDELT", "CROTA", "CUNIT") or key.startswith(("CD1_", "CD2_", "PC")):
                del bare[key]
        path = tmp_path / "j_nowcs.fits"
        fits.writeto(path, data, bare)
    return path, truth


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("embed", [True, False])
def test_solution_survives_save_and_load_without_touching_the_file(unsolved_j, tmp_path, embed):
    path, truth = unsolved_j
    before = digest(path)
    doc = Document.from_image(path)
    sid = doc.layers[0].source_id
    assert source_wcs(doc, sid) is None and canvas_wcs(doc) is None
    store_solution(doc, sid, truth, backend="astrometry.net", seconds=12.3)
    got = source_wcs(doc, sid)
    assert np.allclose(got.all_pix2world([[0, 0], [700, 700]], 0), truth.all_pix2world([[0, 0], [700, 700]], 0))
    assert doc.meta["plate_solutions"][sid]["backend"] == "astrometry.net"
    out = tmp_path / "solved.nebula"
    doc.save(out, embed_sources=embed)
    again = Document.load(out)
    w2 = source_wcs(again, sid)
    assert w2 is not None
    assert np.allclose(w2.all_pix2world([[10, 20], [600, 500]], 0), truth.all_pix2world([[10, 20], [600, 500]], 0))
    assert digest(path) == before


def test_solving_is_one_undoable_step(unsolved_j):
    path, truth = unsolved_j
    doc = Document.from_image(path)
    sid = doc.layers[0].source_id
    store_solution(doc, sid, truth)
    assert canvas_wcs(doc) is not None
    doc.undo()
    assert source_wcs(doc, sid) is None and "plate_solutions" not in doc.meta or sid not in doc.meta["plate_solutions"]
    doc.redo()
    assert source_wcs(doc, sid) is not None


def test_canvas_wcs_follows_the_layer_offset(unsolved_j):
    path, truth = unsolved_j
    doc = Document.from_image(path)
    lid, sid = doc.layers[0].id, doc.layers[0].source_id
    store_solution(doc, sid, truth)
    doc.set_layer_props(lid, offset=(5, 7))
    w = canvas_wcs(doc)
    a = w.all_pix2world([[107.0, 105.0]], 0)
    b = truth.all_pix2world([[100.0, 100.0]], 0)
    assert np.allclose(a, b, atol=1e-9)


def test_canvas_wcs_follows_a_document_rotation(shared_data):
    doc = Document.from_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits")
    truth = source_wcs(doc, doc.layers[0].source_id)
    doc.rotate(90)  # clockwise: canvas (x, y) shows source (y, H - 1 - x)
    w = canvas_wcs(doc)
    for x, y in [(0, 0), (100, 37), (719, 720)]:
        a = w.all_pix2world([[x, y]], 0)
        b = truth.all_pix2world([[y, 719 - x]], 0)
        assert np.allclose(a, b, atol=1e-7)


def test_a_damaged_solution_record_is_dropped_and_the_project_still_opens(unsolved_j, tmp_path):
    path, truth = unsolved_j
    doc = Document.from_image(path)
    sid = doc.layers[0].source_id
    store_solution(doc, sid, truth)
    doc.meta["plate_solutions"]["ghost"] = {"cards": {"CTYPE1": "RA---TAN"}}
    doc.meta["plate_solutions"][sid]["cards"] = {"CTYPE1": "RA---XYZ", "CTYPE2": "DEC--XYZ", "CRVAL1": "x"}
    out = tmp_path / "damaged.nebula"
    doc.save(out, embed_sources=False)
    again = Document.load(out)
    assert "ghost" not in again.meta["plate_solutions"]
    assert source_wcs(again, sid) is None  # the file has no WCS; the bad record gave none
