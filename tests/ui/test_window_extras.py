"""LRGB combine from real 2MASS frames, export dialog choices, crash hook, frames from the
acquisition tab, compare tab wiring, masks shown alone."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import open_file, wait_job, wait_render

pytestmark = pytest.mark.timeout(120)


def test_lrgb_dialog_combines_real_frames_and_reports_measured_offsets(qtbot, window, shared_data,
                                                                       monkeypatch):
    from editor.ui.panels.lrgb_dialog import LrgbDialog

    band = shared_data / "fits" / "multiband_gc"
    doc = open_file(qtbot, window, band / "gc_2mass_k.fits")
    job = wait_job(qtbot, window.files.add_image_paths([str(band / "gc_2mass_h.fits"),
                                                        str(band / "gc_2mass_j.fits")]))
    assert job.error is None and len(doc.layers) == 3
    dlg = LrgbDialog(doc, window)
    assert set(dlg.channels()) == {"R", "G", "B"} and dlg.mode() == "rgb"
    sources = list(doc.sources)
    # the image layers are offered, in stack order: K, H, J -> R, G, B
    assert [doc.layer(dlg.channels()[c]).source_id for c in "RGB"] == sources[:3]

    monkeypatch.setattr(LrgbDialog, "exec", lambda self: LrgbDialog.DialogCode.Accepted)
    job = wait_job(qtbot, window.add_lrgb_dialog())
    assert job.error is None, job.error
    layer = doc.layer(job.result)
    assert layer.type == "channel_combine" and set(layer.offsets) >= {"G", "B"}
    # the same survey grid: the measured shifts are small
    assert all(abs(dy) < 3 and abs(dx) < 3 for dy, dx in layer.offsets.values())
    qtbot.waitUntil(lambda: "Measured offsets" in window.statusBar().currentMessage())
    # the properties panel shows the offsets, editable
    qtbot.waitUntil(lambda: hasattr(window.editor.adjust, "_offset_spins")
                    and "G" in window.editor.adjust._offset_spins)
    sy, _sx = window.editor.adjust._offset_spins["G"]
    sy.setValue(1.5)
    assert doc.layer(layer.id).offsets["G"][0] == pytest.approx(1.5)
    assert wait_render(qtbot, window).linear.ndim == 3


def test_export_dialog_offers_the_bit_depths_of_each_format(qtbot):
    from editor.ui.shell.file_actions import ExportDialog

    dlg = ExportDialog(None, "m42")
    qtbot.addWidget(dlg)
    assert dlg.path().endswith("m42.fits") and dlg.bits() == 32
    dlg.format.setCurrentText("TIFF")
    assert dlg.path().endswith("m42.tif")
    assert [dlg.bits_box.itemData(i) for i in range(dlg.bits_box.count())] == [16, 32, 8]
    dlg.format.setCurrentText("JPEG")
    assert dlg.path().endswith("m42.jpg") and dlg.bits() == 8


def test_unexpected_error_in_a_slot_shows_a_dialog_instead_of_aborting(qtbot, window, dialogs):
    import sys

    from editor.ui.common.error_dialogs import install_excepthook

    install_excepthook()
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert any("boom in a slot" in t for t in dialogs.texts("exec"))
    assert window.isVisible()


def test_a_frame_from_the_acquisition_tab_opens_as_a_new_document(qtbot, window):
    frame = np.random.default_rng(0).random((48, 64)).astype(np.float32)
    window.open_frame((frame, {"EXPTIME": 2.0}, "Light_001"))
    doc = window.model.doc
    assert (doc.width, doc.height) == (64, 48)
    assert doc.layers[0].name == "Light_001"
    src = doc.sources[doc.layers[0].source_id]
    np.testing.assert_array_equal(src.pixels, frame)
    assert src.meta.header["EXPTIME"] == 2.0  # the FITS cards travel with the frame


def test_a_frame_of_the_same_size_can_be_added_as_a_layer(qtbot, window, dialogs):
    from PyQt6.QtWidgets import QMessageBox

    from editor.core.document import Document

    doc = Document.from_image(np.zeros((48, 64), np.float32))
    window.set_document(doc)
    dialogs.answer = QMessageBox.StandardButton.Yes
    window.open_frame((np.ones((48, 64), np.float32), {}, "Light_002"))
    assert window.model.doc is doc and doc.layers[-1].name == "Light_002"


def test_show_mask_alone_renders_the_mask_on_the_canvas(qtbot, window):
    from editor.core.document import Document

    doc = Document.from_image(np.full((40, 40), 0.3, np.float32))
    window.set_document(doc)
    window.editor.layers.add_adjustment("levels")
    window.editor.masks.add_raster(0.0)
    qtbot.waitUntil(window.editor.masks.mask_jobs_done)
    qtbot.waitUntil(lambda: window.editor.masks.body.isVisibleTo(window.editor.masks))
    window.editor.masks.show_alone.setChecked(True)
    res = wait_render(qtbot, window)
    assert res.picture.max() == 0  # a black mask, shown as black
    window.editor.masks.invert_mask()  # Ctrl+I
    res = wait_render(qtbot, window)
    assert res.picture.min() == 255


def test_compare_tab_gets_the_document_only_while_shown(qtbot, window):
    from editor.core.document import Document

    if window.compare is None:
        pytest.skip("the compare widgets are not installed")
    doc = Document.from_image(np.full((30, 40), 0.2, np.float32))
    window.set_document(doc)
    assert window.compare.view.doc is None
    window.tabs.setCurrentIndex(window.compare.index)
    assert window.compare.view.doc is doc
    assert any(name == "Original" for _sid, name in doc.snapshots)
    window.tabs.setCurrentWidget(window.editor)
    assert window.compare.view.doc is None


def test_dropping_files_opens_them_then_adds_layers(qtbot, window, shared_data):
    from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PyQt6.QtGui import QDropEvent

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
        window.dropEvent(ev)
        wait_job(qtbot, window.files.last_job)

    band = shared_data / "fits" / "multiband_gc"
    drop(band / "gc_2mass_j.fits")
    doc = window.model.doc
    assert doc is not None and len(doc.layers) == 1
    drop(band / "gc_2mass_h.fits")
    assert window.model.doc is doc and [layer.name for layer in doc.layers][-1] == "gc_2mass_h (H)"


def test_photoshop_shortcuts_are_bound(window):
    from PyQt6.QtGui import QAction

    bound = {s.toString() for a in window.findChildren(QAction) for s in a.shortcuts()}
    for key in ("Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+O", "Ctrl+0", "Ctrl+1",
                "Ctrl++", "Ctrl+-", "Ctrl+J", "Ctrl+E", "Ctrl+I", "Ctrl+G"):
        assert key in bound, key


def test_zoom_actions_set_the_canvas_scale(qtbot, window):
    from editor.core.document import Document

    window.set_document(Document.from_image(np.zeros((300, 400), np.float32)))
    wait_render(qtbot, window)
    c = window.editor.canvas
    c.zoom_to(1.0)
    assert c.zoom() == pytest.approx(1.0, rel=0.02)
    c.zoom_in()
    assert c.zoom() == pytest.approx(1.25, rel=0.02)
    c.zoom_fit()
    vx, vy, vw, vh = c.visible_region()
    assert (vw, vh) == (400, 300)
    # zoomed in, only the visible region is rendered, at screen scale
    c.zoom_to(4.0)
    res = wait_render(qtbot, window)
    assert res.region[2] < 400 and res.scale == 1.0


def test_every_registered_adjustment_is_in_the_new_layer_menu(window):
    from editor.plugins.registry import get_registry

    menu = window.editor.layers.add_menu
    ids = {a.data() for sub in menu.actions() if sub.menu() for a in sub.menu().actions()}
    assert ids == {s.id for s in get_registry().specs("adjustment")}


def test_bake_turns_a_generated_mask_into_a_paintable_one(qtbot, window):
    from editor.core.document import Document
    from editor.core.masks import RasterMask

    rng = np.random.default_rng(1)
    doc = Document.from_image(rng.random((64, 64)).astype(np.float32))
    window.set_document(doc)
    lid = window.editor.layers.add_adjustment("levels")
    window.editor.masks.add_generated("luminance_range_mask" if any(
        s.id == "luminance_range_mask" for s in doc.registry.specs("mask")) else
        doc.registry.specs("mask")[0].id)
    before = doc.render_mask(lid)
    job = wait_job(qtbot, window.editor.masks.bake())
    assert job.error is None
    assert isinstance(doc.layer(lid).mask, RasterMask)
    np.testing.assert_allclose(doc.render_mask(lid), before, atol=1e-6)
    qtbot.waitUntil(lambda: window.editor.masks.brush_box.isEnabled())


def test_brush_drag_on_the_canvas_paints_the_mask(qtbot, window):
    from PyQt6.QtCore import QPoint, QPointF, Qt

    from editor.core.document import Document

    doc = Document.from_image(np.full((100, 100), 0.5, np.float32))
    window.set_document(doc)
    lid = window.editor.layers.add_adjustment("levels")
    window.editor.masks.add_raster(0.0)
    qtbot.waitUntil(lambda: window.editor.masks.brush_box.isEnabled())
    window.editor.masks.brush_box.setChecked(True)
    window.editor.masks.brush.control("size").set_value(10.0)
    window.editor.masks.brush_values["size"] = 10.0
    wait_render(qtbot, window)
    c = window.editor.canvas
    vb = c.vb

    def screen(x, y):  # canvas pixel -> widget position
        return c.mapFromScene(vb.mapViewToScene(QPointF(x, y)))

    a, b = screen(20, 50), screen(80, 50)
    qtbot.mousePress(c.viewport(), Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, 11):
        qtbot.mouseMove(c.viewport(), QPoint(a.x() + (b.x() - a.x()) * i // 10, a.y()))
    qtbot.mouseRelease(c.viewport(), Qt.MouseButton.LeftButton, pos=b)
    qtbot.waitUntil(lambda: doc.render_mask(lid)[50, 50] > 0.9, timeout=5000)
    m = doc.render_mask(lid)
    assert m[10, 50] == pytest.approx(0.0)  # outside the stroke the mask stays black
