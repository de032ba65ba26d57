"""The display-tile cache is keyed by the document's render key, not by a counter: undo and
redo back to a state shown before put its tiles on screen again without rendering one, and
after a change no tile of the earlier state counts as shown (every visible tile is the new
state's, pixel for pixel)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from editor.render.display_lut import fast_display_image
from editor.render.pyramid import document_key
from tests.ui.test_tiled_canvas import _screen_pixels, _wait_tiles, big_tab  # noqa: F401 (fixture)

pytestmark = pytest.mark.timeout(120)


def _points(tab, n=10):
    x0, y0, w, h = tab.canvas.visible_region()
    rng = np.random.default_rng(1)
    # inside the star image near the top-left corner (offset (37, 121), 700 x 900)
    xs = rng.integers(max(x0, 121), min(x0 + w, 121 + 900), n)
    ys = rng.integers(max(y0, 37), min(y0 + h, 37 + 700), n)
    return list(zip(xs.tolist(), ys.tolist()))


def _expected(doc, points):
    img = fast_display_image(doc.render(region=(0, 0, 1100, 800)), stretch="none")
    return [tuple(int(v) for v in img[y, x]) for x, y in points]


def _on_screen(tab, points):
    return [_screen_pixels(tab, x, y) for x, y in points]


def test_undo_and_redo_reuse_tiles_and_no_stale_tile_survives_a_change(qtbot, big_tab):  # noqa: F811
    tab, doc = big_tab
    tiles = tab.tiles
    tab.canvas.zoom_to(1.0, QPointF(500, 400))
    _wait_tiles(qtbot, tab)
    tab.canvas.image_item.hide()  # the controller's picture under the tiles: tiles alone
    points = _points(tab)
    key0, shown0 = tiles.display_key, _on_screen(tab, points)
    assert key0[0] == document_key(doc) and shown0 == _expected(doc, points)

    lid = next(lyr.id for lyr in doc.layers if tuple(getattr(lyr, "offset", ())) == (37.0, 121.0))
    tiles.issued.clear()
    with qtbot.waitSignal(tab.model.content_changed):  # the tiles hear of it here
        doc.set_layer_props(lid, opacity=0.4)
    # the tiles of the old state are placeholders now, never "the view"
    assert tiles.display_key != key0 and not tiles.complete()
    _wait_tiles(qtbot, tab)
    assert {t for t in tiles.issued if t.level == 0} >= set(tiles.wanted)  # all drawn anew
    assert all(tiles.items[t].data(0) == tiles.display_key for t in tiles.wanted)
    changed = _on_screen(tab, points)
    assert changed == _expected(doc, points) and changed != shown0

    tiles.issued.clear()
    with qtbot.waitSignal(tab.model.content_changed):
        doc.undo()  # back to the first state: its tiles come from the cache, none rendered
    assert tiles.display_key == key0 and tiles.complete()
    assert [t for t in tiles.issued if t.level == 0] == []
    assert _on_screen(tab, points) == shown0 == _expected(doc, points)

    with qtbot.waitSignal(tab.model.content_changed):
        doc.redo()
    assert tiles.complete() and [t for t in tiles.issued if t.level == 0] == []
    assert _on_screen(tab, points) == changed == _expected(doc, points)


def test_the_render_key_ignores_hidden_edits_and_follows_visible_ones(qtbot, big_tab):  # noqa: F811
    tab, doc = big_tab
    k0 = document_key(doc)
    lid = doc.add_adjustment("levels", black=0.1)
    k1 = document_key(doc)
    doc.set_layer_props(lid, visible=False)  # a hidden layer changes no pixel
    assert document_key(doc) == k0 != k1
    doc.set_params(lid, black=0.2)  # nor does editing it while hidden
    assert document_key(doc) == k0
    doc.set_layer_props(lid, visible=True)
    assert document_key(doc) not in (k0, k1)
