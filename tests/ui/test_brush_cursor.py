"""The brush shows as a circle outline of its size around the mouse, like Photoshop's brush tip."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import wait_render

pytestmark = pytest.mark.timeout(60)


def _screen(canvas, x, y):
    from PyQt6.QtCore import QPointF

    return canvas.mapFromScene(canvas.vb.mapViewToScene(QPointF(x, y)))


def _circle_on_screen(canvas):
    """(centre x, centre y, diameter) of the light brush circle in widget pixels."""
    rect = canvas.brush_cursor.inner.rect()
    a = canvas.mapFromScene(canvas.vb.mapViewToScene(rect.topLeft()))
    b = canvas.mapFromScene(canvas.vb.mapViewToScene(rect.bottomRight()))
    return (a.x() + b.x()) / 2, (a.y() + b.y()) / 2, b.x() - a.x()


def test_brush_circle_follows_the_mouse_at_the_brush_size_in_screen_pixels(qtbot, window):
    from editor.core.document import Document

    window.set_document(Document.from_image(np.full((200, 300), 0.5, np.float32)))
    window.editor.layers.add_adjustment("levels")
    masks = window.editor.masks
    masks.add_raster(1.0)
    qtbot.waitUntil(lambda: masks.brush_box.isEnabled())
    wait_render(qtbot, window)
    c = window.editor.canvas
    c.zoom_to(2.0)
    pos = _screen(c, 150, 100)
    qtbot.mouseMove(c.viewport(), pos)
    qtbot.wait(50)
    assert not c.brush_cursor.isVisible()  # no brush tool, no circle

    masks.brush_box.setChecked(True)
    masks.brush.control("size").spin.setValue(40.0)  # as the user types it
    assert c.brush_cursor.isVisible()
    cx, cy, d = _circle_on_screen(c)
    assert (cx, cy) == pytest.approx((pos.x(), pos.y()), abs=1.5)
    assert d == pytest.approx(40.0 * c.zoom(), rel=0.03)  # 40 px brush at 200 % = 80 screen px

    target = _screen(c, 60, 40)
    qtbot.mouseMove(c.viewport(), target)
    qtbot.waitUntil(lambda: abs(_circle_on_screen(c)[0] - target.x()) < 1.5)
    assert _circle_on_screen(c)[1] == pytest.approx(target.y(), abs=1.5)

    masks.brush.control("size").spin.setValue(10.0)  # a smaller brush: a smaller circle
    assert _circle_on_screen(c)[2] == pytest.approx(10.0 * c.zoom(), rel=0.05)

    masks.brush_box.setChecked(False)  # brush off: circle gone
    assert not c.brush_cursor.isVisible()
