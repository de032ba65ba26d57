"""The levels editor shows the histogram of the layer's input (the composite below it)."""

from __future__ import annotations

import numpy as np


def test_layer_below_follows_siblings_and_groups():
    from editor.core.document import Document
    from editor.ui.panels.input_histogram import layer_below

    doc = Document.from_image(np.zeros((10, 10), np.float32))
    bg = doc.layers[0].id
    a = doc.add_adjustment("levels")
    b = doc.add_adjustment("levels")
    g = doc.add_group("G", layer_ids=[b])
    assert layer_below(doc.layers, a) == (True, bg)
    assert layer_below(doc.layers, bg) == (True, None)
    assert layer_below(doc.layers, b) == (True, a)  # first in its group: what is below the group
    assert layer_below(doc.layers, g) == (True, a)
    assert layer_below(doc.layers, "nope") == (False, None)


def test_levels_panel_histogram_counts_the_input_not_the_output(qtbot, window):
    from editor.core.document import Document

    pixels = np.full((64, 64), 0.25, np.float32)
    pixels[:, 32:] = 0.75
    doc = Document.from_image(pixels)
    window.set_document(doc)
    lid = window.editor.layers.add_adjustment("levels")
    doc.set_params(lid, white=0.5)  # the output is clipped far from the input
    qtbot.waitUntil(lambda: window.editor.adjust.levels is not None)
    levels = window.editor.adjust.levels
    qtbot.waitUntil(lambda: levels.curve.getData()[0] is not None
                    and len(levels.curve.getData()[0]) > 0, timeout=10000)
    x, y = levels.curve.getData()
    peaks = sorted(x[np.argsort(y)[-2:]])
    assert abs(peaks[0] - 0.25) < 0.01 and abs(peaks[1] - 0.75) < 0.01
