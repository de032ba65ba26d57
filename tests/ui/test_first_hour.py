"""The first hour of an astrophotographer coming from Photoshop (issue 17), walked in the real
window on the shared real frames: each test is named after what the user expected."""

from __future__ import annotations

import numpy as np
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
