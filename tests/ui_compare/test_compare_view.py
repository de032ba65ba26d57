"""The before/after view: both states on screen, divider drag, linked views, blink, detail."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest


def _grab(widget) -> np.ndarray:
    """What ``widget`` shows, as uint8 (h, w, 3)."""
    img = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits().asstring(bpl * h), np.uint8).reshape(h, bpl)
    return buf[:, : w * 3].reshape(h, w, 3).copy()


def _divider_column(view) -> int:
    """Screen x (in view1 pixels) of the divider."""
    scene = view.vb1.mapViewToScene(QPointF(view.divider.value(), 0))
    return int(round(view.view1.mapFromScene(scene).x()))


def _settle(qtbot, ms: int = 50) -> None:
    qtbot.wait(ms)


def test_view_starts_with_original_against_current(view, processed_doc):
    _, original = processed_doc
    assert (view.a, view.b) == (original, None)
    assert view.a_combo.currentText() == "Original"
    assert view.b_combo.currentText() == "Current"


def test_split_shows_a_left_of_the_divider_and_b_right_of_it(qtbot, view):
    view.set_mode("blink")
    view.set_blink(running=False)
    _settle(qtbot)
    only_a = _grab(view.view1)
    view.flip()
    _settle(qtbot)
    only_b = _grab(view.view1)
    assert np.abs(only_a.astype(int) - only_b).mean() > 5  # the states really differ on screen
    view.set_mode("split")
    view.set_split_position(0.5)
    _settle(qtbot)
    split = _grab(view.view1)
    col = _divider_column(view)
    rows = slice(60, split.shape[0] - 10)  # below the corner labels
    np.testing.assert_array_equal(split[rows, col - 200: col - 4], only_a[rows, col - 200: col - 4])
    np.testing.assert_array_equal(split[rows, col + 4: col + 200], only_b[rows, col + 4: col + 200])


def test_dragging_the_divider_moves_the_boundary_between_states(qtbot, view):
    view.set_split_position(0.5)
    _settle(qtbot)
    before = _grab(view.view1)
    start = _divider_column(view)
    y = view.view1.height() // 2
    vp = view.view1.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(start, y))
    for dx in range(-10, -160, -10):
        QTest.mouseMove(vp, QPoint(start + dx, y))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(start - 150, y))
    _settle(qtbot)
    assert view.split_position < 0.45
    after = _grab(view.view1)
    end = _divider_column(view)
    assert end < start - 100
    rows = slice(60, after.shape[0] - 10)
    # the band the divider swept over now shows B instead of A; outside it nothing changed
    swept = np.abs(after[rows, end + 4: start - 4].astype(int) - before[rows, end + 4: start - 4])
    assert swept.mean() > 5
    np.testing.assert_array_equal(after[rows, start + 4:], before[rows, start + 4:])


def test_side_by_side_views_zoom_and_pan_together(qtbot, view):
    view.set_mode("side_by_side")
    qtbot.waitUntil(lambda: view.view2.isVisible())
    view.vb1.setRange(xRange=(100, 300), yRange=(200, 400), padding=0)
    _settle(qtbot)
    r1, r2 = view.vb1.viewRect(), view.vb2.viewRect()
    assert abs(r1.left() - r2.left()) < 1e-6 and abs(r1.top() - r2.top()) < 1e-6
    assert abs(r1.width() - r2.width()) < 1e-6
    view.vb2.translateBy(x=50, y=-20)  # pan the right view: the left follows
    _settle(qtbot)
    assert abs(view.vb1.viewRect().left() - view.vb2.viewRect().left()) < 1e-6
    assert abs(view.vb1.viewRect().top() - view.vb2.viewRect().top()) < 1e-6
    left, right = _grab(view.view1), _grab(view.view2)
    assert np.abs(left.astype(int)[60:] - right[60:]).mean() > 5  # A on the left, B on the right


def test_blink_alternates_automatically_and_flip_is_manual(qtbot, view):
    view.set_mode("blink")
    view.set_blink(interval_ms=100, running=True)
    seen = set()
    qtbot.waitUntil(lambda: seen.add(view.showing_b) or len(seen) == 2, timeout=3000)
    view.set_blink(running=False)
    state = view.showing_b
    _settle(qtbot, 300)
    assert view.showing_b == state  # stopped
    first = _grab(view.view1)
    qtbot.mouseClick(view.flip_button, Qt.MouseButton.LeftButton)
    _settle(qtbot)
    assert view.showing_b != state
    assert np.abs(_grab(view.view1).astype(int)[60:] - first[60:]).mean() > 5


def test_zooming_in_renders_the_visible_region_sharper(qtbot, view):
    assert view._base_scale < 1.0  # 893 px into ~600 px: the whole-canvas render is reduced
    with qtbot.waitSignal(view.pic_a.detail.sigImageChanged, timeout=20000):
        view.vb1.setRange(xRange=(300, 500), yRange=(300, 500), padding=0)
    qtbot.waitUntil(lambda: view.pic_b.detail.isVisible(), timeout=20000)
    img = view.pic_a.detail.image
    x, y, w, h = view.visible_region()
    assert img.shape[1] >= 0.95 * w * min(1.0, view._view_pixels()[0] / view.vb1.viewRect().width())
    assert img.shape[1] > view._base_scale * w * 1.2  # more pixels than the base render had


def test_swapping_states_and_snapshot_list_follow_the_document(qtbot, view, processed_doc):
    doc, original = processed_doc
    with qtbot.waitSignal(view.rendered, timeout=20000):
        view.swap_button.click()
    assert (view.a, view.b) == (None, original)
    doc.take_snapshot("Stretched")
    qtbot.waitUntil(lambda: view.b_combo.count() == 3, timeout=3000)
    assert [view.b_combo.itemText(i) for i in range(3)] == ["Current", "Original", "Stretched"]


def test_an_edit_to_the_current_state_is_rendered_again(qtbot, view, processed_doc):
    doc, _ = processed_doc
    before = _grab(view.view1)
    top = doc.layers[-1].id
    with qtbot.waitSignal(view.rendered, timeout=20000):
        doc.set_layer_props(top, visible=False)  # current now looks like the original
    _settle(qtbot)
    assert np.abs(_grab(view.view1).astype(int) - before).mean() > 2


def test_one_to_one_zoom_shows_one_image_pixel_per_screen_pixel(qtbot, view):
    view.one_button.click()
    _settle(qtbot)
    ratio = view.devicePixelRatioF()
    assert abs(view.vb1.viewRect().width() - view.vb1.width() / ratio) < 1.0
    qtbot.waitUntil(lambda: view.pic_a.detail.isVisible(), timeout=20000)
    x, y, w, h = view.visible_region()
    assert view.pic_a.detail.image.shape[:2] == (h, w)  # rendered at 100 %


def test_export_button_opens_the_dialog_with_the_views_states_and_region(qtbot, view, processed_doc):
    from editor.ui.compare.export_dialog import CompareExportDialog

    _, original = processed_doc
    view.set_mode("blink")
    view.vb1.setRange(xRange=(300, 620), yRange=(250, 490), padding=0)
    _settle(qtbot)
    view.export_button.click()
    dialog = view.findChild(CompareExportDialog)
    assert dialog is not None and dialog.isVisible()
    s = dialog.settings()
    assert s["kind"] == "blink_gif"
    assert s["states"] == (original, None)
    assert s["region"] == view.visible_region()
    dialog.close()


def test_a_hidden_view_renders_only_when_shown_again(qtbot, view, processed_doc):
    doc, _ = processed_doc
    view.hide()
    renders = doc.render_stats["renders"]
    doc.set_layer_props(doc.layers[-1].id, opacity=0.5)
    qtbot.wait(400)  # longer than the 200 ms debounce
    assert doc.render_stats["renders"] == renders
    with qtbot.waitSignal(view.rendered, timeout=20000):
        view.show()
