"""The tiled display: a canvas beyond pyqtgraph's 2^29-element image limit shows the right
pixels at 100 %, a pan renders only the newly visible tiles, zooming out uses a coarse level,
and a parameter change redraws the tiles."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from editor.render.display_lut import fast_display_image
from editor.render.pyramid import level_for_zoom, tile_rect, visible_tiles

pytestmark = pytest.mark.timeout(120)

W, H = 40000, 25000  # 1 gigapixel: 2x pyqtgraph's limit for one ImageItem


@pytest.fixture
def big_tab(qtbot):
    from editor import Document
    from editor.ui.common.doc_model import DocModel
    from editor.ui.shell.editor_tab import EditorTab

    doc = Document.new(W, H)
    rng = np.random.default_rng(3)
    star = rng.random((700, 900, 3), dtype=np.float32) * 0.8
    doc.add_image(star, offset=(37.0, 121.0))  # near the top-left corner
    doc.add_image(star[:300, :300] * 0.5, offset=(24300.0, 38900.0))  # far away, bottom right
    model = DocModel()
    tab = EditorTab(model)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    tab.stretch_box.setCurrentIndex(tab.stretch_box.findData("none"))
    model.set_document(doc)
    yield tab, doc
    tab.tiles.shutdown()
    tab.close()


def _wait_tiles(qtbot, tab):
    qtbot.waitUntil(lambda: tab.tiles.complete(), timeout=60000)


def _screen_pixels(tab, x, y):
    """The colour drawn on screen at canvas point (x, y) (grabbed from the widget)."""
    c = tab.canvas
    img = c.grab().toImage()
    p = c.viewportTransform().map(c.vb.mapViewToScene(QPointF(x + 0.5, y + 0.5)))
    col = img.pixelColor(int(np.floor(p.x())), int(np.floor(p.y())))
    return col.red(), col.green(), col.blue()


def test_gigapixel_canvas_shows_the_right_pixels_at_100_percent(qtbot, big_tab):
    tab, doc = big_tab
    assert tab.tiles.enabled and doc.width * doc.height > 2**29
    tab.canvas.zoom_to(1.0, QPointF(400, 300))
    _wait_tiles(qtbot, tab)
    assert tab.tiles.level == 0
    want = fast_display_image(doc.render(region=(0, 0, 1000, 900)), stretch="none")
    tab.canvas.image_item.hide()  # the controller's picture under the tiles: tiles alone now
    x0, y0, w, h = tab.canvas.visible_region()
    rng = np.random.default_rng(0)
    for x, y in zip(rng.integers(x0, min(1000, x0 + w), 12), rng.integers(y0, min(900, y0 + h), 12)):
        assert _screen_pixels(tab, x, y) == tuple(int(v) for v in want[y, x]), (x, y)


def test_pan_at_100_percent_renders_only_the_newly_visible_tiles(qtbot, big_tab):
    tab, doc = big_tab
    tab.canvas.zoom_to(1.0, QPointF(20000, 12000))
    _wait_tiles(qtbot, tab)
    before = set(tab.tiles.wanted)
    tab.tiles.issued.clear()
    tab.canvas.vb.translateBy(x=700, y=0)  # pan right by 700 canvas px
    _wait_tiles(qtbot, tab)
    after = set(tab.tiles.wanted)
    assert after - before  # something came into view
    fine = [t for t in tab.tiles.issued if t.level == tab.tiles.level]
    shown = [t for t in fine if t in after]
    assert sorted(shown, key=str) == sorted(after - before, key=str)  # each new cell once, no old one
    # the rest is the prefetch: the strip a further pan to the right exposes, never an old cell
    edge = max(t.tx for t in after)
    assert all(t.tx == edge + 1 for t in fine if t not in after)
    assert len(fine) == len(set(fine))
    # besides them only coarse placeholder cells (8x coarser) the pan came near (the
    # overview of the coarsest level was rendered with the first view)
    assert {t.level for t in tab.tiles.issued} <= {tab.tiles.level, tab.tiles.level + 3}


def test_zoomed_out_view_uses_a_coarse_level(qtbot, big_tab):
    tab, doc = big_tab
    tab.canvas.zoom_fit()
    _wait_tiles(qtbot, tab)
    z = tab.canvas.zoom()
    assert tab.tiles.level == level_for_zoom(z) >= 5
    # the whole canvas in a handful of tiles; the far-away image shows bottom right
    assert len(tab.tiles.wanted) <= 6
    x, y = 38900 + 150, 24300 + 150
    r, g, b = _screen_pixels(tab, x, y)
    assert r + g + b > 0
    assert _screen_pixels(tab, 20000, 12000) == (0, 0, 0)


def test_a_parameter_change_redraws_the_visible_tiles(qtbot, big_tab):
    tab, doc = big_tab
    tab.canvas.zoom_to(1.0, QPointF(400, 300))
    _wait_tiles(qtbot, tab)
    before = _screen_pixels(tab, 500, 400)
    assert before != (0, 0, 0)
    lid = next(lyr.id for lyr in doc.layers if tuple(getattr(lyr, "offset", ())) == (37.0, 121.0))
    doc.set_layer_props(lid, opacity=0.5)
    qtbot.waitUntil(lambda: tab.tiles.complete() and _screen_pixels(tab, 500, 400) != before, timeout=60000)
    want = fast_display_image(doc.render(region=(500, 400, 1, 1)), stretch="none")[0, 0]
    assert _screen_pixels(tab, 500, 400) == tuple(int(v) for v in want)


def test_visible_tiles_start_at_the_centre_and_cover_the_region():
    cells = visible_tiles(W, H, (10000, 5000, 1920, 1080), 0, 512)
    first = tile_rect(W, H, cells[0], 512)
    assert first[0] <= 10960 <= first[0] + first[2] and first[1] <= 5540 <= first[1] + first[3]
    covered = np.zeros((H // 512 + 1, W // 512 + 1), bool)
    for t in cells:
        covered[t.ty, t.tx] = True
    assert covered[5000 // 512:(6080 - 1) // 512 + 1, 10000 // 512:(11920 - 1) // 512 + 1].all()
    assert covered.sum() == len(cells)


def test_pixel_readout_at_100_percent_reads_the_full_resolution_tile(qtbot, big_tab):
    tab, doc = big_tab
    tab.canvas.zoom_to(1.0, QPointF(400, 300))
    _wait_tiles(qtbot, tab)
    x0, y0, _, _ = tab.canvas.visible_region()
    x, y = x0 + 37, y0 + 41
    v = doc.render(region=(x, y, 1, 1))[0, 0]
    # the controller's picture follows once the view settles; it is smaller than the tiles
    qtbot.waitUntil(lambda: tab.renderer.last_result is not None, timeout=30000)
    assert tab.renderer.last_result.scale < 1
    text = tab.describe_pixel(x + 0.5, y + 0.5)
    assert "composite " + "  ".join(f"{c} {float(cv):.5f}" for c, cv in zip("RGB", v)) in text


def test_prefetch_is_the_strip_a_further_pan_exposes_in_its_direction():
    from editor.render.pyramid import pan_direction, prefetch_tiles

    assert pan_direction((100, 100), (400, 110)) == (1, 0)
    assert pan_direction((100, 100), (90, -200)) == (0, -1)
    assert pan_direction((100, 100), (300, 250)) == (1, 1)  # diagonal
    assert pan_direction((100, 100), (100.2, 100)) is None
    region = (10000, 5000, 1920, 1080)
    now = set(visible_tiles(W, H, region, 0, 256))
    right = prefetch_tiles(W, H, region, 0, (1, 0), 256)
    edge = max(t.tx for t in now)
    assert right and {t.tx for t in right} == {edge + 1}
    assert {t.ty for t in right} == {t.ty for t in now}  # the whole column beside the view
    assert prefetch_tiles(W, H, region, 0, (0, 0), 256) == []
    # at the canvas edge there is nothing more to fetch
    assert prefetch_tiles(W, H, (W - 1920, 0, 1920, 1080), 0, (1, 0), 256) == []


def test_with_the_auto_stretch_the_tiles_show_the_measured_stretch(qtbot, big_tab):
    tab, doc = big_tab
    tab.stretch_box.setCurrentIndex(tab.stretch_box.findData("auto"))
    tab.canvas.zoom_to(1.0, QPointF(500, 400))
    _wait_tiles(qtbot, tab)
    stf = tab.renderer.stf
    assert stf is not None and tab.tiles.stretch is stf
    tab.canvas.image_item.hide()
    want = fast_display_image(doc.render(region=(0, 0, 1100, 800)), stretch=stf)
    for x, y in ((300, 200), (700, 500), (1000, 700)):
        assert _screen_pixels(tab, x, y) == tuple(int(v) for v in want[y, x]), (x, y)
