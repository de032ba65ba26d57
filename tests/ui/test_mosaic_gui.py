"""File > New Mosaic from Files… and the Mosaic panel list in the real window, on four panels
cut from the real 2MASS Ks plate (rotated 0/1.5/-2/3 degrees, gains 1/1.3/0.7/1.15, offsets,
gradients and noise: tests/mosaic's helpers)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from editor.io.fits_write import write_fits
from tests.mosaic.cutting import header_of, load_plate
from tests.mosaic.test_mosaic_real_panels import GRID4, PERTURB4, make_panels
from tests.ui.window_test_helpers import wait_job, wait_render


@pytest.fixture(scope="module")
def panel_files(shared_data, tmp_path_factory):
    plate = load_plate(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits")
    panels, _noise = make_panels(plate, GRID4, PERTURB4)
    d = tmp_path_factory.mktemp("gui_panels")
    paths = []
    for k, (px, wcs) in enumerate(panels):
        write_fits(d / f"k{k + 1}.fits", px, header_of(wcs))
        paths.append(str(d / f"k{k + 1}.fits"))
    return paths


@pytest.fixture()
def mosaic_window(qtbot, window, panel_files):
    job = wait_job(qtbot, window.sky.build_mosaic(panel_files, {"align": "wcs", "balance": True,
                                                                 "gradient": True, "blend": "feather",
                                                                 "reference": 0}), timeout=120000)
    assert job.error is None, job.error
    wait_render(qtbot, window, timeout=60000)
    return window


def gains(doc):
    layer = next(x for x in doc.layers if x.type == "mosaic")
    return [p["gain"][0] for p in layer.panels], layer


def test_new_mosaic_dialog_collects_panels_and_options(qtbot, window, panel_files):
    from editor.ui.sky.mosaic_dialog import NewMosaicDialog

    dlg = NewMosaicDialog(window, panel_files)
    qtbot.addWidget(dlg)
    assert dlg.reference.count() == 4
    dlg.files.setCurrentRow(3)
    dlg._move(-1)
    dlg.reference.setCurrentIndex(2)
    dlg.blend.setCurrentIndex(1)
    dlg.balance.setChecked(False)
    assert dlg.paths()[2].endswith("k4.fits")
    assert dlg.options() == {"align": "auto", "balance": False, "gradient": False,
                             "blend": "multiband", "reference": 2}


def test_new_mosaic_makes_a_document_whose_fitted_gains_undo_the_perturbation(qtbot, mosaic_window):
    win = mosaic_window
    doc = win.model.doc
    g, layer = gains(doc)
    truth = [p[0] for p in PERTURB4]
    # balanced value = gain * v: the fitted gain undoes each panel's perturbation
    assert np.allclose(np.array(g) * np.array(truth), 1.0, atol=0.01)
    table = win.sky.panels.table
    assert table.rowCount() == 4 and win.sky.dock.isVisible()
    assert table.item(0, 1).text() == "k4.fits"  # top panel first, like the Layers panel
    assert float(table.item(3, 2).text()) == pytest.approx(g[0], rel=1e-4)
    assert table.item(3, 4).checkState() == Qt.CheckState.Checked  # reference pin on panel 1
    picture = win.editor.renderer.last_result.picture
    assert picture.std() > 10  # a picture, not an empty canvas


def test_panel_list_edits_gain_visibility_and_order_as_undoable_steps(qtbot, mosaic_window):
    win = mosaic_window
    doc, panels = win.model.doc, win.sky.panels
    g0, layer = gains(doc)
    row = 2  # panel 2 (index 1)
    assert panels.panel_index(row) == 1
    panels.table.item(row, 2).setText("2.0")
    assert gains(doc)[0][1] == 2.0
    panels.table.item(row, 2).setText("not a number")
    assert gains(doc)[0][1] == 2.0 and "gain" in win.statusBar().currentMessage()
    panels.table.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    assert gains(doc)[1].panels[1]["visible"] is False
    panels.table.selectRow(3)  # bottom row = panel 1, the reference
    panels.move_selected(1)
    layer = gains(doc)[1]
    assert [p["name"] for p in layer.panels][:2] == ["k2.fits", "k1.fits"]
    assert layer.canvas["reference"] == 1  # the pin moved with its panel
    for _ in range(3):
        doc.undo()
    assert gains(doc)[0] == pytest.approx(g0) and gains(doc)[1].panels[1]["visible"] is True
    assert [p["name"] for p in gains(doc)[1].panels][0] == "k1.fits"


def test_pinning_another_reference_refits_the_gains_relative_to_it(qtbot, mosaic_window):
    win = mosaic_window
    doc, panels = win.model.doc, win.sky.panels
    panels.table.item(2, 4).setCheckState(Qt.CheckState.Checked)  # panel 2 becomes the reference
    wait_job(qtbot, panels.last_job, timeout=120000)
    g, layer = gains(doc)
    assert layer.canvas["reference"] == 1 and g[1] == pytest.approx(1.0, abs=1e-6)
    truth = np.array([p[0] for p in PERTURB4])
    # every panel now matched to panel 2's scale (1.3): gain_k * truth_k = 1.3
    assert np.allclose(np.array(g) * truth, truth[1], rtol=0.01)
    assert "re-fitted" in win.statusBar().currentMessage()


def test_resolve_panel_stores_the_wcs_and_replaces_the_transform(qtbot, mosaic_window):
    from editor.astrometry.solve import Solution
    from editor.astrometry.wcs import summarise
    from editor.io.wcs import array_wcs

    win = mosaic_window
    doc, panels = win.model.doc, win.sky.panels
    layer = gains(doc)[1]
    src = doc.sources[layer.panels[3]["source"]]
    old_x0 = layer.panels[3]["bbox"][2]
    truth = array_wcs(src.meta.header, src.height)
    moved = truth.deepcopy()
    moved.wcs.crpix = moved.wcs.crpix + np.array([3.0, 0.0])  # the new solution: 3 px shift

    def solver(pixels, header, **kw):
        return Solution(moved, summarise(moved, pixels.shape[:2]), "test", 0.1)

    panels.table.selectRow(0)  # panel 4
    job = wait_job(qtbot, panels.resolve_selected(solver=solver))
    assert job.error is None
    p4 = gains(doc)[1].panels[3]
    assert p4["transform"]["wcs"]["CRPIX1"] == pytest.approx(truth.wcs.crpix[0] + 3.0)
    assert p4["bbox"][2] == pytest.approx(old_x0 - 3.0, abs=0.3)  # the panel moved 3 px left
    assert array_wcs(src.meta.header, src.height).wcs.crpix[0] == pytest.approx(truth.wcs.crpix[0] + 3)


def test_the_mosaic_summary_names_alignment_and_blend_in_the_users_language(french):
    from types import SimpleNamespace

    from editor.ui.sky.panel_list import MosaicPanelsPanel

    built = SimpleNamespace(panels=[{}] * 3, canvas={"shape": [100, 200], "blend": "multiband",
                                                     "report": {"align": "stars"}})
    text = MosaicPanelsPanel._describe_report(built)
    assert "alignés par les étoiles" in text and "fusion multibande" in text, text
    # put together without a build report (a script, a benchmark): no "aligned by ?"
    bare = SimpleNamespace(panels=[{}] * 2, canvas={"shape": [100, 200]})
    text = MosaicPanelsPanel._describe_report(bare)
    assert "?" not in text and "alignés" not in text and "fusion progressive" in text, text
