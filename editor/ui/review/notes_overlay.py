"""Review notes drawn over the canvas (numbered pins and rectangles) and the placing tool.

Works on any pyqtgraph ViewBox whose coordinates are canvas pixels (y down): the shell hands it
the canvas's. While a placing tool is active, a click drops a pin, a drag draws a rectangle;
the mouse events go to the tool (not to panning) through a scene event filter, and Esc cancels.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPen
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsRectItem, QGraphicsSimpleTextItem

NOTE_COLOUR = QColor(255, 209, 102)
SELECTED_COLOUR = QColor(124, 196, 255)
PIN_RADIUS_PX = 11  # on screen, whatever the zoom


class _Marker(QGraphicsEllipseItem):
    """A numbered disc that keeps its screen size (ignores the view's scale)."""

    def __init__(self, number: int, colour: QColor) -> None:
        r = PIN_RADIUS_PX
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.setFlag(QGraphicsEllipseItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(colour))
        pen = QPen(QColor(0, 0, 0))
        pen.setWidth(2)
        pen.setCosmetic(True)
        self.setPen(pen)
        text = QGraphicsSimpleTextItem(str(number), self)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(12)
        text.setFont(font)
        b = text.boundingRect()
        text.setPos(-b.width() / 2, -b.height() / 2)
        self.setZValue(20)


class NotesOverlay(QObject):
    """Draws ``doc.notes`` on ``viewbox``; ``placed(kind, x, y, w, h)`` when the tool finishes."""

    placed = pyqtSignal(str, float, float, float, float)
    tool_changed = pyqtSignal(str)  # "", "pin" or "rect"

    def __init__(self, viewbox: pg.ViewBox, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vb = viewbox
        self.visible = True
        self.tool = ""
        self.selected: str | None = None
        self._items: list[Any] = []
        self._notes: list[Any] = []
        self._press: QPointF | None = None
        self._rubber: QGraphicsRectItem | None = None
        scene = viewbox.scene()
        if scene is not None:
            scene.installEventFilter(self)

    # drawing
    def set_notes(self, notes: list[Any], selected: str | None = None) -> None:
        self._notes = list(notes)
        self.selected = selected
        self._redraw()

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        self._redraw()

    def item_count(self) -> int:
        return len(self._items)

    def _redraw(self) -> None:
        for item in self._items:
            self.vb.removeItem(item)
        self._items = []
        if not self.visible:
            return
        for number, note in enumerate(self._notes, start=1):
            colour = SELECTED_COLOUR if note.id == self.selected else NOTE_COLOUR
            if note.kind == "rect":
                rect = QGraphicsRectItem(QRectF(note.x, note.y, note.w, note.h))
                pen = QPen(colour)
                pen.setWidth(2)
                pen.setCosmetic(True)
                rect.setPen(pen)
                rect.setZValue(19)
                self.vb.addItem(rect)
                self._items.append(rect)
            marker = _Marker(number, colour)
            marker.setPos(QPointF(note.x, note.y))
            marker.setToolTip(note.text or f"Note {number}")
            self.vb.addItem(marker)
            self._items.append(marker)

    # placing tool
    def set_tool(self, tool: str) -> None:
        """"pin", "rect" or "" (off)."""
        self.tool = tool if tool in ("pin", "rect") else ""
        self._clear_rubber()
        self.tool_changed.emit(self.tool)

    def _clear_rubber(self) -> None:
        if self._rubber is not None:
            self.vb.removeItem(self._rubber)
            self._rubber = None
        self._press = None

    def _canvas_point(self, scene_pos: QPointF) -> QPointF:
        return self.vb.mapSceneToView(scene_pos)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not self.tool:
            return False
        t = ev.type()
        if t == QEvent.Type.KeyPress and ev.key() == Qt.Key.Key_Escape:
            self.set_tool("")
            return True
        if t == QEvent.Type.GraphicsSceneMousePress and ev.button() == Qt.MouseButton.LeftButton:
            self._press = self._canvas_point(ev.scenePos())
            if self.tool == "rect":
                self._rubber = QGraphicsRectItem(QRectF(self._press, self._press))
                pen = QPen(NOTE_COLOUR, 1, Qt.PenStyle.DashLine)
                pen.setCosmetic(True)
                self._rubber.setPen(pen)
                self.vb.addItem(self._rubber)
            return True
        if t == QEvent.Type.GraphicsSceneMouseMove and self._press is not None:
            if self._rubber is not None:
                self._rubber.setRect(QRectF(self._press, self._canvas_point(ev.scenePos())).normalized())
            return True
        if t == QEvent.Type.GraphicsSceneMouseRelease and self._press is not None:
            end = self._canvas_point(ev.scenePos())
            self.finish(self._press, end)
            return True
        return False

    def finish(self, start: QPointF, end: QPointF) -> None:
        """Complete the tool's gesture from ``start`` to ``end`` (canvas coordinates)."""
        tool = self.tool
        self._clear_rubber()
        self.set_tool("")
        if tool == "pin":
            self.placed.emit("pin", end.x(), end.y(), 0.0, 0.0)
            return
        r = QRectF(start, end).normalized()
        if r.width() >= 2 and r.height() >= 2:
            self.placed.emit("rect", r.x(), r.y(), r.width(), r.height())
