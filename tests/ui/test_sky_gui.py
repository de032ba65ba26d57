"""The sky features in the real window: Image > Plate Solve… (job, storage, undo, errors),
View > Sky Overlay (items on the canvas, RA/Dec in the readout), Export with the overlay burnt
in (pixels change along the grid, the PNG keeps its ICC profile)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from astropy.io import fits

from editor.astrometry.solve import Solution, SolveError
from editor.astrometry.wcs import summarise
from editor.io.wcs import array_wcs
from tests.ui.window_test_helpers import open_file, wait_job, wait_render

WCS_KEYS = ("CTYPE", "CRVAL", "CRPIX", "CDELT", "CROTA", "CUNIT", "CD1_", "CD2_", "PC", "EQUINOX", "RADESYS")


@pytest.fixture()
def j_path(shared_data):
    return shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits"


@pytest.fixture()
def unsolved_j(j_path, tmp_path):
    """A copy of the 2MASS J frame without its WCS but with the hints a camera would write
    (pointing and focal length/pixel size), and the header's WCS for checking."""
    with fits.open(j_path) as hdul:
        data, hdr = hdul[0].data, hdul[0].header
        truth = array_wcs(dict(hdr), data.shape[0])
        bare = fits.Header([(k, v) for k, v in hdr.items() if not k.startswith(WCS_KEYS)
                            and k not in ("COMMENT", "HISTORY", "")])
    c = truth.pixel_to_world(360, 360)
    bare["RA"], bare["DEC"] = float(c.ra.deg), float(c.dec.deg)
    bare["FOCALLEN"], bare["XPIXSZ"] = 206.3, 5.0  # 5.0 "/px, this frame's scale
    path = tmp_path / "j_unsolved.fits"
    fits.writeto(path, data, bare)
    return path, truth


def fake_solver(truth):
    def solve(pixels, header, *, timeout, cancel, progress):
        progress(0.5)
        return Solution(truth, summarise(truth, pixels.shape[:2]), "test", 0.1)
    return solve


def test_plate_solve_stores_the_solution_in_the_project_and_undo_removes_it(qtbot, window, unsolved_j, tmp_path):
    path, truth = unsolved_j
    before = path.read_bytes()
    doc = open_file(qtbot, window, path)
    sid = doc.layers[0].source_id
    assert window.sky.overlay.wcs is None
    job = wait_job(qtbot, window.sky.solve_selected(solver=fake_solver(truth)))
    assert job.error is None
    got = array_wcs(doc.sources[sid].meta.header, 720)
    assert np.allclose(got.all_pix2world([[5, 7]], 0), truth.all_pix2world([[5, 7]], 0))
    assert "Solved" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.sky.overlay.wcs is not None, timeout=5000)
    out = tmp_path / "solved.nebula"
    assert wait_job(qtbot, window.files.save_to(str(out))).error is None
    from editor.core.document import Document

    assert array_wcs(Document.load(out).sources[sid].meta.header, 720) is not None
    window.undo()
    assert array_wcs(doc.sources[sid].meta.header, 720) is None
    assert path.read_bytes() == before  # the original file is never written


def test_plate_solve_failure_is_one_line_in_a_dialog(qtbot, window, dialogs, unsolved_j):
    path, _ = unsolved_j
    open_file(qtbot, window, path)

    def failing(pixels, header, **kw):
        raise SolveError("no solution with the installed index files for a 12' field: install the 4100 series")

    job = wait_job(qtbot, window.sky.solve_selected(solver=failing))
    assert job.error and "\n" not in job.error
    assert any("4100" in t for t in dialogs.texts())


@pytest.mark.slow
def test_real_solve_field_solves_the_j_frame_from_the_editor(qtbot, window, unsolved_j):
    if shutil.which("solve-field") is None:
        pytest.skip("astrometry.net's solve-field is not installed")
    path, truth = unsolved_j
    doc = open_file(qtbot, window, path)
    job = wait_job(qtbot, window.sky.solve_selected(), timeout=240000)
    assert job.error is None, job.error
    got = array_wcs(doc.sources[doc.layers[0].source_id].meta.header, 720)
    a = got.pixel_to_world(360, 360)
    assert a.separation(truth.pixel_to_world(360, 360)).arcsec < 3.0


def test_sky_overlay_draws_grid_and_objects_and_readout_shows_ra_dec(qtbot, window, shared_data):
    open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    sky = window.sky
    with qtbot.waitSignal(sky.overlay.ready, timeout=20000):
        sky.act_overlay.setChecked(True)
    labels = sky.overlay.item.labels
    assert "B033" in labels and "N" in labels and "E" in labels
    assert any(lbl.startswith("-2°") for lbl in labels) and any(lbl.startswith("05h") for lbl in labels)
    assert sky.overlay.item.isVisible() and len(sky.overlay.item.childItems()) > 10
    window.editor.canvas.hovered.emit(445.5, 446.5)
    text = window.editor.readout.text()
    assert "RA 05h4" in text and "Dec -02°" in text
    sky.act_overlay.setChecked(False)
    assert not sky.overlay.item.isVisible()


def test_export_with_burnt_in_overlay_changes_pixels_on_the_grid_and_keeps_icc(qtbot, window, j_path, tmp_path):
    from PIL import Image

    from editor.astrometry.overlay import sky_overlay

    doc = open_file(qtbot, window, j_path)
    plain, burnt = tmp_path / "plain.png", tmp_path / "burnt.png"
    wait_job(qtbot, window.files.export_to(str(plain), 8), timeout=60000)
    wait_job(qtbot, window.files.export_to(str(burnt), 8, burn_overlay=True), timeout=60000)
    a = np.asarray(Image.open(plain)).astype(int)
    b = np.asarray(Image.open(burnt)).astype(int)
    assert Image.open(burnt).info.get("icc_profile") and Image.open(plain).info.get("icc_profile")
    ov = sky_overlay(array_wcs(doc.sources[doc.layers[0].source_id].meta.header, 720), (720, 721), objects=False)
    pts = np.concatenate([seg for g in ov.grid for seg in g.segments])
    pts = pts[(pts[:, 0] > 100) & (pts[:, 0] < 600)]  # away from the labels and marks
    ys, xs = np.round(pts[:, 1]).astype(int), np.round(pts[:, 0]).astype(int)
    diff = np.abs(b - a).reshape(a.shape[0], a.shape[1], -1).max(axis=2)
    # within a pixel of the line (Pillow rasterises a 1-px line on one side of a float position)
    on_line = np.max([diff[np.clip(ys + dy, 0, 719), np.clip(xs + dx, 0, 720)]
                      for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
    assert np.mean(on_line > 20) > 0.9  # the grid is drawn along its lines
    assert (diff > 0).mean() < 0.08  # and the rest of the picture is left alone


def test_export_dialog_offers_burn_in_only_for_picture_formats(qtbot, window):
    from editor.ui.shell.file_actions import ExportDialog

    dlg = ExportDialog(window, "x")
    qtbot.addWidget(dlg)
    dlg.format.setCurrentText("PNG")
    dlg.burn.setChecked(True)
    assert dlg.burn.isEnabled() and dlg.burn_overlay()
    dlg.format.setCurrentText("FITS")
    assert not dlg.burn.isEnabled() and not dlg.burn_overlay()


def test_overlay_items_sit_on_the_canvas_pixels_they_describe(qtbot, window, j_path):
    from PyQt6.QtCore import QPointF

    open_file(qtbot, window, j_path)
    sky = window.sky
    with qtbot.waitSignal(sky.overlay.ready, timeout=20000):
        sky.act_overlay.setChecked(True)
    vb = window.editor.canvas.vb
    line = sky.overlay.item.overlay.grid[0].segments[0]
    x, y = float(line[5, 0]) + 0.5, float(line[5, 1]) + 0.5
    path_item = next(c for c in sky.overlay.item.childItems() if hasattr(c, "path"))
    a, b = path_item.mapToScene(QPointF(x, y)), vb.mapViewToScene(QPointF(x, y))
    assert abs(a.x() - b.x()) < 0.01 and abs(a.y() - b.y()) < 0.01
    window.editor.canvas.zoom_to(2.0)  # still there after a zoom
    a, b = path_item.mapToScene(QPointF(x, y)), vb.mapViewToScene(QPointF(x, y))
    assert abs(a.x() - b.x()) < 0.01 and abs(a.y() - b.y()) < 0.01


def test_cancelling_a_plate_solve_stores_nothing(qtbot, window, unsolved_j):
    import time

    from editor.jobs.progress import Cancelled

    path, truth = unsolved_j
    doc = open_file(qtbot, window, path)
    sid = doc.layers[0].source_id
    steps_before = len(doc.history.undo_texts()) if hasattr(doc.history, "undo_texts") else None

    def slow(pixels, header, *, timeout, cancel, progress):
        while not cancel.cancelled:  # the real solver polls the token the same way
            time.sleep(0.02)
        raise Cancelled()

    job = window.sky.solve_selected(solver=slow)
    qtbot.wait(100)
    job.cancel()
    wait_job(qtbot, job)
    assert job.result is None and job.error is None
    assert array_wcs(doc.sources[sid].meta.header, 720) is None
    assert "plate_solutions" not in doc.meta
    if steps_before is not None:
        assert len(doc.history.undo_texts()) == steps_before


def test_sky_overlay_follows_a_rotation_of_the_horsehead_plate(qtbot, window, shared_data):
    """After Image > Rotate the canvas WCS carries a SIP part; the celestial pole (outside a
    TAN field) made astropy's inverse raise, the overlay thread died and the grid of the
    unrotated picture stayed on the rotated one."""
    from editor.astrometry.overlay import radec_of

    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    sky = window.sky
    with qtbot.waitSignal(sky.overlay.ready, timeout=20000):
        sky.act_overlay.setChecked(True)
    with qtbot.waitSignal(sky.overlay.ready, timeout=20000) as blocker:
        window.model.run(doc.rotate, 90)  # what Image > Rotate 90° Clockwise runs
        wait_render(qtbot, window)
    after = blocker.args[0]
    assert after is not None and after.grid
    wcs = sky.overlay.wcs
    for g in after.grid:  # each drawn line lies on its RA or Dec in the rotated frame
        for seg in g.segments:
            ra, dec = radec_of(wcs, seg[:, 0], seg[:, 1])
            got = ra if g.axis == "ra" else dec
            assert np.allclose(got, g.value, atol=1e-4), g.label
