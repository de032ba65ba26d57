"""A levels drag on a tiled (large) document: the updates during the drag are throttled and
coalesced, but once it ends the canvas (tiles and the picture under them), the histogram and
the levels plot all show the final parameters; a burst of histogram updates ends on the last
one; and while every cell keeps its tile of the previous step, no placeholder is redrawn."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(180)

W, H = 8000, 4000  # 32 MP: above the tiled display's threshold


@pytest.fixture
def tiled_levels_tab(qtbot):
    from editor import Document
    from editor.ui.common.doc_model import DocModel
    from editor.ui.shell.editor_tab import EditorTab

    doc = Document.new(W, H)
    rng = np.random.default_rng(5)
    doc.add_image(rng.random((1500, 2500), dtype=np.float32) * 0.6, offset=(500.0, 900.0))
    model = DocModel()
    tab = EditorTab(model)
    tab.resize(1300, 800)
    tab.show()
    qtbot.waitExposed(tab)
    tab.stretch_box.setCurrentIndex(tab.stretch_box.findData("none"))
    model.set_document(doc)
    lid = doc.add_adjustment("levels")
    model.select(lid)
    qtbot.waitUntil(lambda: tab.adjust.levels is not None and tab.adjust.editor is not None)
    _wait_settled(qtbot, tab)
    yield tab, doc, lid
    tab.tiles.shutdown()
    tab.renderer.shutdown()
    tab.close()


def _wait_settled(qtbot, tab) -> None:
    r = tab.renderer
    qtbot.waitUntil(lambda: r.is_idle() and r.last_result is not None
                    and r.last_result.generation == r._generation, timeout=60000)
    qtbot.waitUntil(tab.tiles.complete, timeout=60000)


def _drag(qtbot, slider, values) -> None:
    slider.setSliderDown(True)
    for v in values:
        slider.setValue(v)
        qtbot.wait(5)  # faster than the renders: most steps are coalesced
    slider.setSliderDown(False)


def test_after_a_levels_drag_canvas_histogram_and_levels_plot_show_the_final_state(
        qtbot, tiled_levels_tab):
    import filters
    from editor.render.pyramid import document_key

    tab, doc, lid = tiled_levels_tab
    control = tab.adjust.editor.control("white")
    start = control.slider.value()
    _drag(qtbot, control.slider, [start - 15 * (i + 1) for i in range(20)])
    final = doc.layer(lid).params["white"]
    assert final == pytest.approx(control._from_pos(start - 300)) and final < 0.9
    _wait_settled(qtbot, tab)
    qtbot.waitUntil(lambda: tab.histogram._analyser.idle() and not tab.histogram._timer.isActive(),
                    timeout=30000)
    qtbot.wait(50)  # the worker's result is delivered by its poll timer
    qtbot.waitUntil(lambda: tab.histogram._analyser.idle())

    # canvas: every visible tile is drawn from the final document, and the picture under
    # them is a render of the final document
    assert tab.tiles.display_key[0] == document_key(doc)
    assert all(tab.tiles.items[t].data(0) == tab.tiles.display_key for t in tab.tiles.wanted)
    res = tab.renderer.last_result
    expected = doc.render(scale=res.scale, region=res.region)
    np.testing.assert_allclose(res.linear, expected, atol=1e-6)
    np.testing.assert_array_equal(tab.canvas.image_item.image, res.picture)
    # histogram: of that final render
    counts, _edges = filters.histogram(expected, bins=256)
    np.testing.assert_array_equal(tab.histogram.result["hist"][0], counts)
    x, y = tab.histogram.curves["L"].getData()
    np.testing.assert_allclose(y, np.log1p(counts[-1]))
    # levels plot: its white handle where the final white point is
    levels = tab.adjust.levels
    assert levels.values["white"] == pytest.approx(final)
    assert levels.lines["white"].value() == pytest.approx(final)
    assert levels.lines["midtone"].value() == pytest.approx(levels.mid_position())


def test_a_burst_of_histogram_updates_shows_the_last_one(qtbot):
    from editor.ui.panels.histogram_panel import HistogramPanel

    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.show()
    rng = np.random.default_rng(2)
    frames = [np.full((60, 80), v, np.float32) + rng.normal(0, 0.01, (60, 80)).astype(np.float32)
              for v in (0.1, 0.3, 0.5, 0.7)]
    for f in frames:  # as renders arrive during a drag, faster than the panel analyses
        panel.update_from(f)
        qtbot.wait(10)
    qtbot.waitUntil(lambda: panel.result is not None and not panel._timer.isActive()
                    and panel._analyser.idle(), timeout=10000)
    median = panel.result["stats"]["median"][0]
    assert median == pytest.approx(0.7, abs=0.01)  # the last frame's, not an earlier one
    # the plot's range follows the shown curves (set explicitly, no auto range)
    x, y = panel.curves["L"].getData()
    assert panel.plot.y_range()[1] >= float(np.max(y)) > 0
    # the statistics table is updated in place: one label per cell, same labels next time
    labels = dict(panel.stat_labels)
    panel.update_from(frames[0])
    qtbot.waitUntil(lambda: panel.result["stats"]["median"][0] < 0.2, timeout=10000)
    assert panel.stat_labels == labels


def test_a_drag_step_redraws_no_placeholder_under_the_previous_tiles(qtbot, tiled_levels_tab):
    tab, doc, lid = tiled_levels_tab
    tiles = tab.tiles
    shown: list = []
    before = tiles.display_key
    original = tiles._show
    tiles._show = lambda t, pic, key: (shown.append(t), original(t, pic, key))
    try:
        doc.set_params(lid, black=0.05)
        qtbot.waitUntil(lambda: tiles.display_key != before and tiles.complete(), timeout=60000)
    finally:
        tiles._show = original
    assert shown and all(t.level == tiles.level for t in shown)  # only the view's own cells
    assert set(tiles.wanted) <= set(shown)
