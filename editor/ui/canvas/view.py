"""The image canvas: a pyqtgraph view of the rendered document.

The canvas never sees the document's float pixels: the render controller hands it a
screen-sized uint8 picture of the visible region plus where that region sits on the canvas
(pyqtgraph's own per-channel levels and auto-downsampling cost 0.2-1 s on a 24 MP image, a
screen-sized uint8 array costs ~10 ms). Coordinates are canvas pixels, row 0 at the top (the
ViewBox's Y axis is inverted), x to the right.

Mouse: wheel zooms around the cursor, left-drag pans (space + drag pans while the brush is
active), and with the brush active a left-drag paints a stroke on the selected raster mask.
While the brush is active a circle outline the size of the brush follows the mouse (as in
Photoshop), so its on-screen size follows the zoom.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QKeyEvent, QPainterPath, QPen
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsItemGroup, QGraphicsPathItem, QWidget

pg.setConfigOptions(imageAxisOrder="row-major")

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 1 / 64, 32.0


class _CanvasViewBox(pg.ViewBox):
    """A ViewBox that hands left-drags to the brush when painting."""

    def __init__(self, canvas: "CanvasView") -> None:
        super().__init__(invertY=True, lockAspect=True, enableMenu=False)
        self._canvas = canvas

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:  # noqa: N802 (pyqtgraph override)
        c = self._canvas
        if c.drag_tool is not None and not c.space_held and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()  # a tool (the crop rectangle) takes left-drags instead of panning
            p = self.mapSceneToView(ev.scenePos())
            c.drag_tool.drag(p.x(), p.y(), start=ev.isStart(), finish=ev.isFinish())
            return
        if c.brush_active and not c.space_held and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            p = self.mapSceneToView(ev.scenePos())
            c._stroke_point(p.x(), p.y(), start=ev.isStart(), finish=ev.isFinish())
            return
        super().mouseDragEvent(ev, axis)


class CanvasView(pg.GraphicsView):
    """Zoomable, pannable view of the document render.

    Signals
    -------
    view_changed()
        The visible region or the zoom changed (the render controller re-renders).
    hovered(x, y)
        The cursor is over canvas pixel (x, y) (floats; may be outside the canvas).
    stroke_finished(points)
        A brush stroke ended: list of (x, y) canvas pixel positions.
    """

    view_changed = pyqtSignal()
    hovered = pyqtSignal(float, float)
    stroke_finished = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(QColor(22, 22, 24))
        self.vb = _CanvasViewBox(self)
        self.vb.setMenuEnabled(False)
        self.setCentralItem(self.vb)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image_item)
        self.frame = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(QColor(90, 90, 95))
        pen.setCosmetic(True)
        self.frame.setPen(pen)
        self.vb.addItem(self.frame)
        self.brush_active = False
        self.space_held = False
        # a tool with drag(x, y, start, finish) and key(QKeyEvent) -> bool, e.g. crop_tool.CropTool
        self.drag_tool: Any = None
        self._brush_size = 100.0
        self._brush_pos: tuple[float, float] | None = None
        self.brush_cursor = _BrushCursor()
        self.vb.addItem(self.brush_cursor, ignoreBounds=True)
        self.brush_cursor.hide()
        # the stroke being painted, drawn over the image until the document has it
        self.stroke_item = QGraphicsPathItem()
        self.stroke_item.setZValue(10)
        self.vb.addItem(self.stroke_item)
        self._stroke: list[tuple[float, float]] = []
        self._canvas_size = (0, 0)
        self.displayed_region: tuple[int, int, int, int] | None = None
        self.displayed_scale: float = 0.0
        self.vb.sigRangeChanged.connect(lambda *_: self.view_changed.emit())
        self.vb.sigRangeChanged.connect(lambda *_: self._update_brush_cursor())  # ring width
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # document geometry
    def set_canvas_size(self, width: int, height: int, fit: bool = True) -> None:
        """A new document of ``width`` x ``height`` pixels is shown."""
        changed = (width, height) != self._canvas_size
        self._canvas_size = (int(width), int(height))
        self.frame.setRect(QRectF(0, 0, width, height))
        self.vb.setLimits(xMin=-width, xMax=2 * width, yMin=-height, yMax=2 * height)
        if fit and changed:
            self.zoom_fit()

    @property
    def canvas_size(self) -> tuple[int, int]:
        return self._canvas_size

    def show_picture(self, picture: np.ndarray, region: tuple[int, int, int, int],
                     scale: float) -> None:
        """Show a display-ready uint8 (h, w, 3) picture of canvas ``region`` (x, y, w, h)."""
        # levels=None: the uint8 picture goes to a QImage as it is (levels (0, 255) made
        # pyqtgraph rescale every pixel on the UI thread, 3+ ms per picture)
        self.image_item.setImage(picture, autoLevels=False, levels=None, autoDownsample=False)
        x, y, w, h = region
        self.image_item.setRect(QRectF(x, y, w, h))
        self.displayed_region = tuple(int(v) for v in region)  # type: ignore[assignment]
        self.displayed_scale = float(scale)

    def clear_picture(self) -> None:
        self.image_item.clear()
        self.displayed_region = None

    # zoom
    def zoom(self) -> float:
        """Screen pixels per canvas pixel (1.0 = 100 %)."""
        px = self.vb.viewPixelSize()[0]
        return 1.0 / px if px > 0 else 1.0

    def zoom_fit(self) -> None:
        w, h = self._canvas_size
        if w and h:
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)

    def zoom_to(self, factor: float, center: QPointF | None = None) -> None:
        """Set the zoom to ``factor`` screen pixels per canvas pixel, keeping ``center``."""
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        rect = self.vb.viewRect()
        c = center or rect.center()
        vw = max(1, self.vb.width()) / factor
        vh = max(1, self.vb.height()) / factor
        self.vb.setRange(QRectF(c.x() - vw / 2, c.y() - vh / 2, vw, vh), padding=0)

    def zoom_in(self) -> None:
        self.zoom_to(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_to(self.zoom() / ZOOM_STEP)

    def visible_region(self) -> tuple[int, int, int, int] | None:
        """The visible part of the canvas as (x, y, w, h) in canvas pixels, or None."""
        w, h = self._canvas_size
        if not (w and h):
            return None
        (x0, x1), (y0, y1) = self.vb.viewRange()
        x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
        x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1 - x0, y1 - y0

    # cursor and brush
    @property
    def brush_size(self) -> float:
        """Brush diameter in canvas pixels (the stroke preview and the brush cursor)."""
        return self._brush_size

    @brush_size.setter
    def brush_size(self, size: float) -> None:
        self._brush_size = max(float(size), 0.0)
        self._update_brush_cursor()

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        p = self.vb.mapSceneToView(scene_pos)
        self._brush_pos = (float(p.x()), float(p.y()))
        self._update_brush_cursor()
        self.hovered.emit(float(p.x()), float(p.y()))

    def _update_brush_cursor(self) -> None:
        """Circle of the brush diameter around the mouse, while the brush is active."""
        show = self.brush_active and not self.space_held and self._brush_pos is not None
        if show:
            x, y = self._brush_pos  # type: ignore[misc]
            self.brush_cursor.place(x, y, self._brush_size, self.zoom())
        self.brush_cursor.setVisible(show)

    def leaveEvent(self, ev: Any) -> None:  # noqa: N802 (Qt override)
        self._brush_pos = None  # the mouse left the canvas: no circle stays behind
        self._update_brush_cursor()
        super().leaveEvent(ev)

    def _stroke_point(self, x: float, y: float, start: bool, finish: bool) -> None:
        if start:
            self._stroke = []
        self._stroke.append((x, y))
        self._draw_stroke()
        if finish:
            pts, self._stroke = self._stroke, []
            self.stroke_item.setPath(QPainterPath())
            self.stroke_finished.emit(pts)

    def _draw_stroke(self) -> None:
        path = QPainterPath(QPointF(*self._stroke[0]))
        for x, y in self._stroke[1:]:
            path.lineTo(x, y)
        pen = QPen(QColor(42, 130, 218, 110))
        pen.setWidthF(max(1.0, self.brush_size))  # in canvas pixels: scales with the zoom
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.stroke_item.setPen(pen)
        self.stroke_item.setPath(path)

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self.drag_tool is not None and self.drag_tool.key(ev):
            return
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self.space_held = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self._update_brush_cursor()
        super().keyPressEvent(ev)

    def keyReleaseEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if ev.key() == Qt.Key.Key_Space and not ev.isAutoRepeat():
            self.space_held = False
            self.set_brush_active(self.brush_active)
        super().keyReleaseEvent(ev)

    def set_brush_active(self, active: bool) -> None:
        self.brush_active = active
        self.setCursor(Qt.CursorShape.CrossCursor if active else Qt.CursorShape.ArrowCursor)
        self._update_brush_cursor()


class _BrushCursor(QGraphicsItemGroup):
    """The brush outline: a light circle inside a dark one, one screen pixel wide each
    (cosmetic pens), so it shows on bright stars and on black sky alike. It lives in canvas
    coordinates, so its on-screen diameter is the brush size times the zoom."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(20)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.outer = QGraphicsEllipseItem()
        self.inner = QGraphicsEllipseItem()
        for item, colour in ((self.outer, QColor(0, 0, 0, 200)), (self.inner, QColor(255, 255, 255, 230))):
            pen = QPen(colour)
            pen.setCosmetic(True)
            pen.setWidthF(1.0)
            item.setPen(pen)
            self.addToGroup(item)

    def place(self, x: float, y: float, diameter: float, zoom: float) -> None:
        """Centre the circle on canvas point (x, y), ``diameter`` canvas pixels wide, at
        ``zoom`` screen pixels per canvas pixel."""
        r = diameter / 2.0
        self.inner.setRect(QRectF(x - r, y - r, 2 * r, 2 * r))
        ro = r + 1.0 / max(zoom, 1e-6)  # the dark ring one screen pixel outside the light one
        self.outer.setRect(QRectF(x - ro, y - ro, 2 * ro, 2 * ro))

    def diameter(self) -> float:
        """The brush circle's diameter in canvas pixels."""
        return self.inner.rect().width()
