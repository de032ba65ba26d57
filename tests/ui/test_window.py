"""The real editor window, driven as a user would: open real files, add a levels layer with a
contrast mask, drag a slider, undo, save, reopen, export, survive a bad file."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from window_test_helpers import open_file, wait_job, wait_render

pytestmark = pytest.mark.timeout(120)


def _mask_kind(preferred: str = "contrast") -> str:
    from editor.plugins.registry import get_registry

    kinds = [s.id for s in get_registry().specs("mask")]
    if not kinds:
        pytest.skip("no generated-mask operation is registered yet")
    return next((k for k in kinds if preferred in k), kinds[0])


def _drag_slider(widget: Any, positions: list[int]) -> None:
    """Press, move through ``positions``, release: as a mouse drag does."""
    slider = widget.slider
    slider.setSliderDown(True)  # emits sliderPressed
    for p in positions:
        slider.setValue(p)
    slider.setSliderDown(False)  # emits sliderReleased


def test_opens_real_fits_and_shows_it_right_way_up(qtbot, window, shared_data):
    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    assert (doc.width, doc.height) == (891, 893)
    assert not doc.dirty  # just opened: closing must not ask about unsaved changes
    result = window.editor.renderer.last_result
    assert result.picture.dtype == np.uint8 and result.picture.ndim == 3
    assert result.picture.std() > 5  # a real image, not a blank
    # row 0 of the document is drawn at the top: the ViewBox's Y axis is inverted
    assert window.editor.canvas.vb.yInverted()
    assert "horsehead" in window.windowTitle()
    from editor.ui.shell.recent_files import recent_files

    assert recent_files()[0].endswith("horsehead_dss_ukschmidt.fits")  # File > Open Recent
    window._fill_recent()
    assert window.recent_menu.actions()[0].text().endswith("horsehead_dss_ukschmidt.fits")


def test_opens_real_raw_as_colour(qtbot, window, shared_data):
    doc = open_file(qtbot, window, shared_data / "raw" / "kodak_dc50_bayer.kdc")
    assert (doc.width, doc.height) == (768, 512)
    assert window.editor.renderer.last_result.linear.ndim == 3
    # metadata panel lists the camera fields
    texts = [window.editor.metadata.tree.topLevelItem(i).text(0)
             for i in range(window.editor.metadata.tree.topLevelItemCount())]
    assert "File" in texts


def test_levels_slider_with_contrast_mask_changes_canvas_and_undo_restores(qtbot, window, shared_data):
    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    lid = window.editor.layers.add_adjustment("levels")
    assert lid and window.model.selected == lid
    window.editor.masks.add_generated(_mask_kind())
    assert doc.layer(lid).mask is not None
    before = wait_render(qtbot, window).picture.copy()
    steps_before = len(doc.history)

    ed = window.editor.adjust.editor
    assert ed is not None
    black = ed.control("black")
    start = black.slider.value()
    _drag_slider(black, [start + 20, start + 40, start + 60])
    value = doc.layer(lid).params["black"]
    assert value > 0.0
    assert len(doc.history) == steps_before + 1  # the whole drag is one undo step
    after = wait_render(qtbot, window).picture
    assert not np.array_equal(before, after)

    doc.undo()
    qtbot.waitUntil(lambda: doc.layer(lid).params["black"] == 0.0)
    restored = wait_render(qtbot, window).picture
    assert np.array_equal(restored, before)
    assert ed.control("black").value() == pytest.approx(0.0)  # panel follows the undo


def test_save_reopen_and_export(qtbot, window, shared_data, tmp_path):
    from editor import open_image

    doc = open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    lid = window.editor.layers.add_adjustment("levels")
    doc.set_params(lid, white=0.5)
    project = tmp_path / "horse.nebula"
    job = wait_job(qtbot, window.files.save_to(str(project)))
    assert job.error is None and project.is_file() and not doc.dirty
    assert window.windowTitle().startswith("horse.nebula")

    reopened = open_file(qtbot, window, project)
    assert reopened is not doc
    kinds = [getattr(layer, "kind", layer.type) for layer in reopened.layers]
    assert kinds == ["image", "levels"]
    assert reopened.layers[1].params["white"] == 0.5

    out = tmp_path / "horse.fits"
    job = wait_job(qtbot, window.files.export_to(str(out), 32))
    assert job.error is None, job.error
    img = open_image(out)
    assert img.data.shape[:2] == (893, 891)
    expected = reopened.render(scale=1.0)
    np.testing.assert_allclose(np.squeeze(img.data), np.squeeze(expected), rtol=1e-5, atol=1e-6)


def test_bad_fits_file_shows_a_dialog_and_the_window_survives(qtbot, window, dialogs, tmp_path):
    bad = tmp_path / "notes.fits"
    bad.write_text("this is not an image\n" * 20)
    job = wait_job(qtbot, window.files.open_paths([str(bad)]))
    assert job.error is not None
    assert any("notes.fits" in t for t in dialogs.texts("critical"))
    assert window.model.doc is None and window.isVisible()


def test_undo_redo_shortcuts_and_title_follow_history(qtbot, window):
    from editor.core.document import Document

    doc = Document.from_image(np.full((40, 60), 0.25, np.float32))
    window.set_document(doc)
    wait_render(qtbot, window)
    lid = window.editor.layers.add_adjustment("levels")
    qtbot.waitUntil(lambda: window.windowTitle().startswith("Untitled *"))
    window.act_undo.trigger()
    assert [layer.id for layer in doc.layers if layer.id == lid] == []
    window.act_redo.trigger()
    assert doc.layer(lid) is not None
    assert "Ctrl+Z" in [s.toString() for s in window.act_undo.shortcuts()]
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.act_redo.shortcuts()]


def test_pixel_readout_gives_composite_and_source_values(qtbot, window):
    from editor.core.document import Document

    pixels = np.zeros((50, 80), np.float32)
    pixels[10, 20] = 0.75
    doc = Document.from_image(pixels)
    window.set_document(doc)
    wait_render(qtbot, window)
    window.editor.canvas.zoom_to(4.0)
    wait_render(qtbot, window)
    text = window.editor.describe_pixel(20.5, 10.5)
    assert text.startswith("x 20  y 10")
    assert "0.75000" in text  # the source value under the cursor


def test_layer_panel_duplicate_group_reorder_and_visibility(qtbot, window):
    from editor.core.document import Document

    doc = Document.from_image(np.full((30, 30), 0.5, np.float32))
    window.set_document(doc)
    panel = window.editor.layers
    a = panel.add_adjustment("levels")
    panel.duplicate_selected()
    dup = window.model.selected
    assert dup != a and len(doc.layers) == 3
    # reorder: move the duplicate below the first levels layer
    panel.tree.move_requested.emit(dup, a, False, False)  # what a drop below ``a`` sends
    assert [layer.id for layer in doc.layers][1:] == [dup, a]
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 3)
    # the top row is the top layer, as in Photoshop
    assert panel.tree.topLevelItem(0).data(3, 256) == a
    # a click on the eye hides the layer, another shows it again
    panel.tree.itemClicked.emit(panel._find(a), 0)
    assert doc.layer(a).visible is False
    qtbot.waitUntil(lambda: panel._find(a).data(0, 256) is False)
    panel.tree.itemClicked.emit(panel._find(a), 0)
    assert doc.layer(a).visible is True
    window.model.select(a)
    panel.group_selected()
    assert doc.layers[-1].type == "group" and [c.id for c in doc.layers[-1].children] == [a]
    qtbot.waitUntil(lambda: panel._find(a) is not None and panel._find(a).parent() is not None)
    assert panel._find(a).parent() is panel.tree.topLevelItem(0)  # the group, on top
    assert panel.tree.topLevelItemCount() == len(doc.layers) == 3


def test_brush_paints_on_a_raster_mask_as_one_undo_step(qtbot, window):
    from editor.core.document import Document

    doc = Document.from_image(np.full((64, 64), 0.5, np.float32))
    window.set_document(doc)
    lid = window.editor.layers.add_adjustment("levels")
    window.editor.masks.add_raster(1.0)
    qtbot.waitUntil(window.editor.masks.mask_jobs_done)
    window.editor.masks.swap_colour()  # paint black: hide
    window.editor.masks.brush_values.update(size=10.0, hardness=1.0, opacity=1.0)
    window.editor.canvas.stroke_finished.emit([(10.0, 10.0), (30.0, 10.0)])
    qtbot.waitUntil(window.editor.masks.mask_jobs_done)
    m = doc.render_mask(lid)
    assert m[10, 20] == pytest.approx(0.0) and m[40, 40] == pytest.approx(1.0)
    doc.undo()
    assert doc.render_mask(lid)[10, 20] == pytest.approx(1.0)


def test_recovery_file_is_written_offered_and_removed_on_clean_exit(qtbot, dialogs, isolated_user_dirs):
    import subprocess
    import sys

    from PyQt6.QtWidgets import QMessageBox

    from editor.core.document import Document
    from editor.ui.shell.app import create_window, make_application

    make_application()
    win = create_window([], offer_recovery=True, open_sample=False)
    qtbot.addWidget(win)
    # This editor "crashes": its autosave must look like the one of a process that is gone.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    win.autosaver.pid, win.autosaver.start_token = child.pid, None
    doc = Document.from_image(np.full((20, 30), 0.1, np.float32))
    win.set_document(doc)
    lid = win.editor.layers.add_adjustment("levels")
    doc.set_params(lid, white=0.25)
    assert doc.dirty
    win.autosaver.save_now(wait=True)
    recovery_file = win.autosaver.path
    assert recovery_file.is_file()
    win.editor.renderer.shutdown()  # simulate a crash: the window never closes cleanly
    win.autosaver.timer.stop()

    dialogs.answer = QMessageBox.StandardButton.Yes
    win2 = create_window([], offer_recovery=True, open_sample=False)
    qtbot.addWidget(win2)
    assert any("Restore" in t for t in dialogs.texts("question"))
    wait_job(qtbot, win2.files.last_job)
    restored = win2.model.doc
    assert restored.layers[-1].params["white"] == 0.25
    assert restored.dirty and restored.path is None  # "Save" asks where: not the recovery file
    from editor.ui.shell.recent_files import recent_files

    assert str(recovery_file) not in recent_files() and str(win2.autosaver.path) not in recent_files()
    restored.mark_saved()  # nothing to save on exit
    win2.close()
    assert not recovery_file.exists() and not win2.autosaver.path.exists()


def test_pixel_readout_follows_rotation_crop_and_a_sub_pixel_offset(qtbot, window):
    """The source value shown is the one under the displayed pixel, whatever the geometry."""
    from editor.core.document import Document

    pixels = np.zeros((50, 80), np.float32)
    pixels[10, 20] = 0.75
    doc = Document.new(80, 50)
    lid = doc.add_image(pixels, name="frame")
    doc.set_layer_props(lid, offset=(0.4, 0.3))  # rounds to the same source pixel
    doc.rotate(90)
    doc.crop(5, 0, 40, 80)
    window.set_document(doc)
    wait_render(qtbot, window)
    # where layer pixel (20, 10) lands on the rotated, cropped canvas
    cx, cy = doc.geometry.from_layer(20, 10)
    text = window.editor.describe_pixel(float(cx) + 0.5, float(cy) + 0.5)
    assert "0.75000" in text, text
    text = window.editor.describe_pixel(float(cx) + 1.5, float(cy) + 0.5)
    assert "0.75000" not in text.split("|")[-1], text
