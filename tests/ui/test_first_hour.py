"""The first hour of an astrophotographer coming from Photoshop (issue 17), walked in the real
window on the shared real frames: each test is named after what the user expected."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt
import pytest

from window_test_helpers import open_file, wait_render

pytestmark = pytest.mark.timeout(120)


def test_layers_panel_offers_every_blend_mode_the_renderer_has(qtbot, window, shared_data):
    """Overlay, soft light, hard light and linear light were implemented and saved in projects
    but the Blend box only listed the nine older modes: high-pass sharpening in overlay, the
    first thing a Photoshop user does, could not be chosen."""
    from editor.core.layers import BLEND_MODES
    from editor.ui.panels.layer_tree import COL_NAME

    doc = open_file(qtbot, window, shared_data / "fits" / "m51_kpno_b_int16.fits")
    panel = window.editor.layers
    offered = [panel.blend.itemData(i) for i in range(panel.blend.count())]
    assert offered == list(BLEND_MODES)
    labels = [panel.blend.itemText(i) for i in range(panel.blend.count())]
    assert all("_" not in t for t in labels)  # "soft light", not the project's "soft_light"
    lid = doc.layers[0].id
    window.model.select(lid)
    panel.blend.setCurrentIndex(panel.blend.findData("soft_light"))
    assert doc.layer(lid).blend == "soft_light"
    qtbot.waitUntil(lambda: "soft light" in panel.tree.topLevelItem(0).text(COL_NAME), timeout=3000)
    assert "soft_light" not in panel.tree.topLevelItem(0).text(COL_NAME)


def test_mask_panel_names_the_layer_used_as_a_live_mask(qtbot, window, shared_data):
    """After Layer > Mask From Layer Below the Mask panel showed only Refine and the recipe box
    of an unrelated recipe: nothing said the mask was another layer's luminance, nor which."""
    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    helper = doc.layers[0]
    lid = window.model.run(doc.add_adjustment, "levels")
    window.model.select(lid)
    window.tools.mask_from_below()
    masks = window.editor.masks
    qtbot.waitUntil(lambda: not masks.source_label.isHidden(), timeout=3000)
    assert helper.name in masks.source_label.text()
    cid = window.tools.add_contrast_mask_adjustment()
    window.model.select(cid)
    qtbot.waitUntil(lambda: masks.source_label.isHidden(), timeout=3000)


def test_keyboard_shortcuts_list_undo_by_its_name_not_the_next_step(qtbot, window, shared_data):
    """Help > Keyboard Shortcuts listed "Undo Change horsehead_dss_ukschmidt (OG590)" after
    the first edit: the Undo action's text names the step it would undo."""
    from editor.ui.shell.shortcuts import shortcut_rows

    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    window.model.run(doc.set_layer_props, doc.layers[0].id, opacity=0.5)
    qtbot.waitUntil(lambda: window.act_undo.text() != "&Undo", timeout=3000)  # names the step
    commands = [cmd for _m, cmd, _k in shortcut_rows(window)]
    assert "Undo" in commands and "Redo" in commands
    assert not any(c.startswith("Undo ") for c in commands)


def test_lrgb_dialog_puts_the_longest_wavelength_in_red_whatever_the_open_order(qtbot, window,
                                                                                  shared_data):
    """Opening the 2MASS frames together (the file dialog gives them as H, J, K) fed H to red,
    J to green and K to blue: green stars on a purple field. The headers name the bands; K, the
    longest wavelength, belongs in red and J in blue."""
    from editor.ui.panels.lrgb_dialog import LrgbDialog

    folder = shared_data / "fits" / "multiband_gc"
    doc = open_file(qtbot, window, folder / "gc_2mass_h.fits")
    for band in ("j", "k"):
        doc.add_image(str(folder / f"gc_2mass_{band}.fits"))
    dlg = LrgbDialog(doc, window)
    qtbot.addWidget(dlg)
    chosen = {ch: doc.layer(lid).source_id for ch, lid in dlg.channels().items()}
    names = {ch: doc.sources[sid].meta.path.rsplit("/", 1)[-1] for ch, sid in chosen.items()}
    assert names == {"R": "gc_2mass_k.fits", "G": "gc_2mass_h.fits", "B": "gc_2mass_j.fits"}


def test_lrgb_dialog_keeps_the_stack_order_for_frames_without_filters(qtbot, window):
    from editor.core.document import Document
    from editor.ui.panels.lrgb_dialog import LrgbDialog

    doc = Document.new(32, 32)
    ids = [doc.add_image(np.full((32, 32), v, np.float32), name=f"f{v}") for v in (1, 2, 3)]
    dlg = LrgbDialog(doc, window)
    qtbot.addWidget(dlg)
    assert dlg.channels() == {"R": ids[0], "G": ids[1], "B": ids[2]}


def test_the_progress_dialog_of_a_long_job_has_cancel_in_the_users_language(qtbot, french):
    """Jobs over half a second show a progress dialog with Cancel; in the French window its
    button still said "Cancel"."""
    from PyQt6.QtWidgets import QPushButton, QWidget

    from editor.ui.common.job_runner import Job

    parent = QWidget()
    qtbot.addWidget(parent)
    job = Job(parent, "Fusion des calques…", lambda progress: None)  # not started: no thread
    assert job.dialog.minimumDuration() == 500
    assert [b.text() for b in job.dialog.findChildren(QPushButton)] == ["Annuler"]
    job.dialog.deleteLater()


def test_crop_bar_offers_portrait_ratios_and_draws_them_upright(qtbot, window, shared_data):
    """The crop bar's ratios were all landscape (3:2 gave 230x153 from a tall drag): framing
    the Horsehead upright in 2:3 was impossible with the tool; 5:4 and 2:1 of Image > Crop to
    Ratio were missing from it too."""
    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    keys = window.keys
    offered = [keys.ratio_box.itemData(i) for i in range(keys.ratio_box.count())]
    for ratio in ("2:3", "3:4", "4:5", "9:16", "5:4", "2:1"):
        assert ratio in offered
    keys.crop_tool()
    keys.ratio_box.setCurrentIndex(keys.ratio_box.findData("2:3"))
    keys.crop.drag(300, 100, True, False)
    keys.crop.drag(500, 700, False, True)
    x, y, w, h = keys.crop.rect
    assert w / h == pytest.approx(2 / 3, rel=0.01) and h == 600
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Return)
    wait_render(qtbot, window)
    assert (doc.width, doc.height) == (w, h)


def test_resample_dialog_takes_a_percentage_and_shows_the_new_size(qtbot, window, shared_data,
                                                                   monkeypatch):
    """Image > Resample asked only for a width in pixels; a Photoshop user halves a picture by
    typing 50 %, and wants to see the height that follows."""
    from PyQt6.QtWidgets import QDialog

    from editor.ui.shell.tools_menu import ResampleDialog

    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    shown: list[str] = []

    def run(dlg):
        dlg.percent.setValue(50.0)
        shown.append(dlg.size_label.text())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ResampleDialog, "exec", run)
    window.tools.resample_dialog()
    wait_render(qtbot, window)
    assert doc.width == round(891 * 0.5)
    assert shown == [f"891 x 893 → {doc.width} x {doc.height} px"]
    window.undo()
    assert (doc.width, doc.height) == (891, 893)


def test_a_file_added_as_a_layer_is_named_after_the_file_and_its_filter(qtbot, window, shared_data):
    """Add Image Layer (and opening several files at once) named the new layer after the file
    alone: three 2MASS frames became gc_2mass_j, gc_2mass_k... without the (J)/(K) the opened
    file's layer shows, the one thing that tells the channels apart in the layer list."""
    from window_test_helpers import wait_job

    folder = shared_data / "fits" / "multiband_gc"
    doc = open_file(qtbot, window, folder / "gc_2mass_h.fits")
    wait_job(qtbot, window.files.add_image_paths([str(folder / "gc_2mass_j.fits")]))
    qtbot.waitUntil(lambda: len(doc.layers) == 2, timeout=10000)
    assert {layer.name for layer in doc.layers} == {"gc_2mass_h (H)", "gc_2mass_j (J)"}
