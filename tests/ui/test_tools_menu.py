"""Issue-17 menu entry points: Layer > New Contrast Mask Adjustment is one click and one undo
step; Image > Rotate/Flip/Crop change the canvas and undo restores it."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import open_file, wait_render


def _action(window, menu_title: str, text: str, sub: str | None = None):
    for top in window.menuBar().actions():
        if top.text().replace("&", "") != menu_title:
            continue
        menu = top.menu()
        if sub is not None:
            menu = next(a.menu() for a in menu.actions() if a.text().replace("&", "") == sub)
        for act in menu.actions():
            if act.text().replace("&", "") == text:
                return act
    raise AssertionError(f"no {menu_title} > {sub or ''} {text} action")


def test_contrast_mask_adjustment_is_one_click_and_one_undo_step(qtbot, window, shared_data):
    from editor.core.layers import AdjustmentLayer
    from editor.core.masks import GeneratedMask

    doc = open_file(qtbot, window, shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits")
    stretch = doc.add_adjustment("auto_stretch")  # the recipe works on stretched data
    window.model.select(stretch)  # new layers go above the selected one, as in Photoshop
    wait_render(qtbot, window)
    before = doc.render(scale=0.5)
    shown = window.editor.renderer.last_result.generation
    steps = len(doc.history)
    _action(window, "Layer", "New Contrast Mask Adjustment").trigger()  # the one click
    assert len(doc.history) == steps + 1
    layer = doc.layer(window.model.selected)
    assert isinstance(layer, AdjustmentLayer) and layer.kind == "curves"
    assert isinstance(layer.mask, GeneratedMask) and layer.mask.kind == "contrast_mask"
    assert layer.mask.params["radius"] == pytest.approx(721 / 8, abs=0.1)
    assert wait_render(qtbot, window).generation > shown  # the canvas re-rendered
    after = doc.render(scale=0.5)
    mask = doc.render_mask(layer.id, scale=0.5)
    strong = mask >= np.percentile(mask, 90)  # where the mask is most open (this crowded
    assert after[strong].mean() > before[strong].mean() * 1.05  # field: 0.3..0.55): lifted
    doc.undo()
    assert layer.id not in [l.id for l in doc.layers]
    assert np.array_equal(doc.render(scale=0.5), before)


def test_image_menu_rotates_and_crops_the_canvas_and_undo_restores(qtbot, window):
    from editor.core.document import Document

    pic = np.random.default_rng(2).random((40, 60)).astype(np.float32)
    doc = Document.from_image(pic)
    window.set_document(doc)
    wait_render(qtbot, window)
    _action(window, "Image", "Rotate 90° Clockwise").trigger()
    assert (doc.width, doc.height) == (40, 60)
    qtbot.waitUntil(lambda: window.editor.canvas.canvas_size == (40, 60))
    wait_render(qtbot, window)
    _action(window, "Image", "1:1", sub="Crop to Ratio").trigger()
    assert (doc.width, doc.height) == (40, 40)
    qtbot.waitUntil(lambda: window.editor.canvas.canvas_size == (40, 40))
    assert wait_render(qtbot, window).linear.shape[:2] == (40, 40)
    assert np.array_equal(doc.render(), np.rot90(pic, -1)[10:50])
    window.undo()
    window.undo()
    assert doc.geometry.is_identity
    qtbot.waitUntil(lambda: window.editor.canvas.canvas_size == (60, 40))


def test_mask_from_layer_below_uses_the_layer_under_the_selection(qtbot, window):
    from editor.core.document import Document
    from editor.core.masks import LayerMask

    doc = Document.from_image(np.full((20, 30), 0.3, np.float32))
    helper = doc.add_image(np.tile(np.linspace(0, 1, 30, dtype=np.float32), (20, 1)), name="h")
    adj = doc.add_adjustment("levels", white=0.5)
    window.set_document(doc)
    window.model.select(adj)
    _action(window, "Layer", "Mask From Layer Below").trigger()
    assert isinstance(doc.layer(adj).mask, LayerMask) and doc.layer(adj).mask.layer == helper


def test_crop_to_ratio_offers_portrait_ratios_on_a_landscape_picture(qtbot, window):
    """The menu's ratios followed the picture's orientation only: an upright nebula could not
    be framed 2:3 on a landscape frame. Entries now mean width:height as written."""
    from editor.core.document import Document

    doc = Document.from_image(np.zeros((40, 90), np.float32))
    window.set_document(doc)
    wait_render(qtbot, window)
    _action(window, "Image", "2:3", sub="Crop to Ratio").trigger()
    assert (doc.width, doc.height) == (27, 40)
    window.undo()
    _action(window, "Image", "3:2", sub="Crop to Ratio").trigger()
    assert (doc.width, doc.height) == (60, 40)
