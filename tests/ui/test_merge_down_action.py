"""Issue 17: Layer > Merge Down (Ctrl+E) is greyed, and Ctrl+E does nothing, when there is no
visible pixel layer just below the selected one (Photoshop's rule); the tooltip says why."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt

from window_test_helpers import wait_job


def test_merge_down_disabled_without_a_pixel_layer_below(qtbot, window):
    from editor.core.document import Document

    doc = Document.from_image(np.random.default_rng(3).random((60, 80)).astype(np.float32))
    window.set_document(doc)
    act = window.keys.act_merge
    bottom = doc.layers[0].id
    window.model.select(bottom)
    assert not act.isEnabled() and "no layer below" in act.toolTip()

    lvl = doc.add_adjustment("levels", white=0.5)
    window.model.select(lvl)
    qtbot.waitUntil(act.isEnabled)  # levels over the image: allowed

    top = doc.add_adjustment("levels", black=0.1)
    window.model.select(top)
    qtbot.waitUntil(lambda: not act.isEnabled())
    assert "no pixels of its own" in act.toolTip()
    steps = len(doc.history)
    window.editor.canvas.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.keys.merge_down() is None  # called directly too: refused, one status line
    assert len(doc.history) == steps and doc.layers[-1].id == top
    assert "no pixels of its own" in window.statusBar().currentMessage()

    window.model.select(lvl)  # hiding the image below greys it again (a layer event)
    qtbot.waitUntil(act.isEnabled)
    doc.set_layer_props(bottom, visible=False)
    qtbot.waitUntil(lambda: not act.isEnabled())
    doc.set_layer_props(bottom, visible=True)
    qtbot.waitUntil(act.isEnabled)
    wait_job(qtbot, window.keys.merge_down())
    assert [l.type for l in doc.layers] == ["image", "adjustment"]
