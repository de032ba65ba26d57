"""Issue 17, Photoshop habits: M draws a crop rectangle (ratios, Enter applies as one undo
step, Esc cancels), B/V switch brush and pan, Ctrl+E merges down (export moved to
Ctrl+Shift+E), 1..0 set the opacity, Alt-click on a mask thumbnail shows the mask alone, and
Help > Keyboard Shortcuts lists them."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence

from window_test_helpers import wait_job, wait_render


def _doc(window, h=120, w=200):
    from editor.core.document import Document

    rng = np.random.default_rng(3)
    doc = Document.from_image(rng.random((h, w)).astype(np.float32))
    window.set_document(doc)
    return doc


def _shortcut_action(window, key: str):
    seq = QKeySequence(key)
    hits = [a for a in window.findChildren(type(window.keys.act_crop)) if seq in a.shortcuts()]
    assert len(hits) == 1, f"{key} is bound to {[a.text() for a in hits]}"
    return hits[0]


def test_crop_constrain_keeps_ratio_and_stays_inside_the_canvas():
    from editor.ui.canvas.crop_tool import constrain

    assert constrain(10, 10, 110, 60, (200, 120), None) == (10, 10, 100, 50)
    x, y, w, h = constrain(10, 10, 110, 30, (200, 120), 16 / 9)  # wide drag: width decides
    assert (x, y, w) == (10, 10, 100) and h == 56
    x, y, w, h = constrain(150, 100, 0, 0, (200, 120), 1.0)  # dragged up-left, square
    assert w == h == 100 and (x, y) == (50, 0)
    x, y, w, h = constrain(180, 10, 199, 119, (200, 120), 1.0)  # no room: shrinks, stays square
    assert w == h and x + w <= 200 and y + h <= 120


def test_m_key_crop_rectangle_enter_applies_one_undo_step(qtbot, window):
    doc = _doc(window)
    before = doc.render()
    _shortcut_action(window, "M").trigger()
    crop = window.keys.crop
    assert crop.active and window.keys.crop_bar.isVisibleTo(window)
    crop.drag(20.3, 10.2, start=True, finish=False)  # a drag on the canvas, in canvas pixels
    crop.drag(120.0, 70.0, start=False, finish=True)
    assert crop.rect == (20, 10, 100, 60) and crop.item.isVisible()
    steps = len(doc.history)
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Return)
    assert (doc.width, doc.height) == (100, 60) and len(doc.history) == steps + 1
    np.testing.assert_array_equal(doc.render(), before[10:70, 20:120])
    qtbot.waitUntil(lambda: window.editor.canvas.canvas_size == (100, 60))  # queued event
    window.undo()
    assert (doc.width, doc.height) == (200, 120)


def test_crop_ratio_choice_and_escape_cancels(qtbot, window):
    doc = _doc(window)
    keys = window.keys
    keys.crop_tool()
    keys.ratio_box.setCurrentIndex(keys.ratio_box.findData("1:1"))
    keys.crop.drag(0, 0, True, False)
    keys.crop.drag(90, 40, False, True)
    x, y, w, h = keys.crop.rect
    assert w == h == 90
    keys.ratio_box.setCurrentIndex(keys.ratio_box.findData("original"))  # refits: 200:120
    assert keys.crop.rect[2] / keys.crop.rect[3] == pytest.approx(200 / 120, rel=0.03)
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Escape)
    assert keys.crop.rect is None and not keys.crop.item.isVisible()
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Return)  # nothing drawn: nothing happens
    assert (doc.width, doc.height) == (200, 120)


def test_b_and_v_switch_between_brush_and_pan(qtbot, window):
    doc = _doc(window)
    lid = doc.layers[-1].id
    window.model.select(lid)
    window.editor.masks.add_raster(1.0)
    qtbot.waitUntil(lambda: doc.layer(lid).mask is not None)
    _shortcut_action(window, "B").trigger()
    assert window.editor.canvas.brush_active
    _shortcut_action(window, "M").trigger()  # the crop tool replaces the brush
    assert not window.editor.canvas.brush_active and window.keys.crop.active
    _shortcut_action(window, "V").trigger()
    assert not window.editor.canvas.brush_active and not window.keys.crop.active


def test_ctrl_e_merges_down_and_export_moved_to_ctrl_shift_e(qtbot, window):
    doc = _doc(window)
    assert "Export" in _shortcut_action(window, "Ctrl+Shift+E").text()
    lid = doc.add_adjustment("levels", white=0.5)
    window.model.select(lid)
    before = doc.render()
    steps = len(doc.history)
    job = window.keys.merge_down()
    assert _shortcut_action(window, "Ctrl+E") is window.keys.act_merge
    wait_job(qtbot, job)
    assert len(doc.layers) == 1 and len(doc.history) == steps + 1
    assert window.model.selected == doc.layers[0].id
    np.testing.assert_allclose(doc.render(), before, atol=1e-6)
    window.undo()
    assert [l.id for l in doc.layers][-1] == lid


def test_digits_set_the_selected_layers_opacity(window):
    doc = _doc(window)
    lid = doc.layers[-1].id
    window.model.select(lid)
    _shortcut_action(window, "5").trigger()
    assert doc.layer(lid).opacity == pytest.approx(0.5)
    _shortcut_action(window, "0").trigger()
    assert doc.layer(lid).opacity == pytest.approx(1.0)


def test_alt_click_on_mask_thumbnail_shows_the_mask_alone(qtbot, window, monkeypatch):
    from PyQt6.QtWidgets import QApplication

    from editor.ui.panels.layer_tree import COL_MASK

    doc = _doc(window)
    lid = doc.layers[-1].id
    window.model.select(lid)
    window.editor.masks.add_raster(0.0)
    qtbot.waitUntil(lambda: doc.layer(lid).mask is not None)
    tree = window.editor.layers.tree
    item = tree.topLevelItem(0)
    monkeypatch.setattr(QApplication, "keyboardModifiers", staticmethod(lambda: Qt.KeyboardModifier.AltModifier))
    tree.itemClicked.emit(item, COL_MASK)
    assert window.editor.masks.show_alone.isChecked()
    tree.itemClicked.emit(item, COL_MASK)  # again: back to the composite
    assert not window.editor.masks.show_alone.isChecked()


def test_help_keyboard_shortcuts_lists_the_actions(window):
    from editor.ui.shell.shortcuts import shortcut_rows

    rows = shortcut_rows(window)
    keys = {cmd: k for _m, cmd, k in rows}
    assert keys["Merge Down"] == QKeySequence("Ctrl+E").toString(QKeySequence.SequenceFormat.NativeText)
    assert keys["Crop (Rectangle)"] == "M" and keys["Brush"] == "B"
    dlg = window.keys.show_shortcuts()
    assert dlg.table.rowCount() == len(rows) >= 20
    dlg.close()


def test_readme_shortcut_table_has_every_menu_shortcut(window):
    from pathlib import Path

    from editor.ui.shell.shortcuts import shortcut_rows

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Keyboard shortcuts", 1)[1].split("\n#", 1)[0]
    table = table.replace("1 ... 9, 0", "1 2 3 4 5 6 7 8 9 0")  # the opacity digits
    missing = [(cmd, keys) for menu, cmd, keys in shortcut_rows(window)
               if menu not in ("Canvas", "Layers") and keys.split(", ")[0] not in table]
    assert not missing, missing
