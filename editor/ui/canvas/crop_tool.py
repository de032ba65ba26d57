"""The crop tool (Photoshop's M): drag a rectangle on the canvas, Enter applies, Esc cancels.

The rectangle is kept inside the canvas and, when a ratio is chosen, to that width/height
ratio (the drag's longer side decides, as in Photoshop's ratio crop). Applying hands integer
canvas pixels (x, y, w, h) to ``on_apply`` (the shell calls ``Document.crop`` through the
model: one undo step). Pure view code: no document access here.
"""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QBrush, QColor, QKeyEvent, QPen
from PyQt6.QtWidgets import QGraphicsRectItem

from editor.ui.canvas.view import CanvasView


def constrain(x0: float, y0: float, x1: float, y1: float, size: tuple[int, int],
              ratio: float | None) -> tuple[int, int, int, int]:
    """The (x, y, w, h) integer rectangle from anchor (x0, y0) towards (x1, y1), clipped to
    the ``size`` = (width, height) canvas and, if ``ratio`` (w/h) is given, of that ratio."""
    W, H = size
    x0, y0 = min(max(x0, 0.0), W), min(max(y0, 0.0), H)
    x1, y1 = min(max(x1, 0.0), W), min(max(y1, 0.0), H)
    w, h = abs(x1 - x0), abs(y1 - y0)
    sx, sy = (1 if x1 >= x0 else -1), (1 if y1 >= y0 else -1)
    if ratio:
        if w / max(h, 1e-9) > ratio:
            h = w / ratio
        else:
            w = h * ratio
        # keep the ratio inside the canvas: shrink both sides from the anchor
        room_w = (W - x0) if sx > 0 else x0
        room_h = (H - y0) if sy > 0 else y0
        k = min(1.0, room_w / w if w else 1.0, room_h / h if h else 1.0)
        w, h = w * k, h * k
    left = x0 if sx > 0 else x0 - w
    top = y0 if sy > 0 else y0 - h
    xi, yi = int(round(left)), int(round(top))
    wi, hi = int(round(w)), int(round(h))
    return xi, yi, max(0, min(wi, W - xi)), max(0, min(hi, H - yi))


class CropTool:
    """Draws the crop rectangle on ``canvas``; ``on_apply(x, y, w, h)`` on Enter/apply()."""

    def __init__(self, canvas: CanvasView, on_apply: Callable[[int, int, int, int], Any]) -> None:
        self.canvas = canvas
        self.on_apply = on_apply
        self.ratio: float | None = None
        self.rect: tuple[int, int, int, int] | None = None
        self._anchor: tuple[float, float] | None = None
        self.item = QGraphicsRectItem()
        pen = QPen(QColor(255, 255, 255), 0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.item.setPen(pen)
        self.item.setBrush(QBrush(QColor(42, 130, 218, 40)))
        self.item.setZValue(20)
        canvas.vb.addItem(self.item, ignoreBounds=True)
        self.item.hide()

    @property
    def active(self) -> bool:
        return self.canvas.drag_tool is self

    def activate(self, on: bool = True) -> None:
        if on:
            self.canvas.drag_tool = self
            self.canvas.setCursor(Qt.CursorShape.CrossCursor)
            self.canvas.setFocus()
        else:
            if self.active:
                self.canvas.drag_tool = None
                self.canvas.setCursor(Qt.CursorShape.ArrowCursor)
            self.cancel()

    def set_ratio(self, ratio: float | None) -> None:
        """New ratio (w/h, None = free); a drawn rectangle is refitted from its corner."""
        self.ratio = ratio
        if self.rect is not None:
            x, y, w, h = self.rect
            self.set_rect(*constrain(x, y, x + w, y + h, self.canvas.canvas_size, ratio))

    def set_rect(self, x: int, y: int, w: int, h: int) -> None:
        self.rect = (x, y, w, h) if w > 0 and h > 0 else None
        if self.rect is None:
            self.item.hide()
        else:
            self.item.setRect(QRectF(x, y, w, h))
            self.item.show()

    def drag(self, x: float, y: float, start: bool, finish: bool) -> None:
        if start or self._anchor is None:
            self._anchor = (x, y)
        ax, ay = self._anchor
        self.set_rect(*constrain(ax, ay, x, y, self.canvas.canvas_size, self.ratio))

    def key(self, ev: QKeyEvent) -> bool:
        """Enter applies, Esc cancels; other keys go on to the canvas."""
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
            return True
        if ev.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False

    def apply(self) -> bool:
        if self.rect is None:
            return False
        rect, self.rect = self.rect, None
        self.item.hide()
        self._anchor = None
        self.on_apply(*rect)
        return True

    def cancel(self) -> None:
        self.rect = None
        self._anchor = None
        self.item.hide()
