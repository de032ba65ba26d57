"""A curves editor: drag control points of a tone curve over the image histogram.

Click on empty space to add a point, drag a point to move it, double-click (or right-click) a
point to remove it. The end points can move vertically and horizontally but are never removed.
Points are (input, output) pairs in 0..1, as ``Param(kind="points")`` stores them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

_HIT_RADIUS = 8.0


def curve_polyline(points: Sequence[tuple[float, float]], n: int = 128) -> np.ndarray:
    """Sample the drawn curve (monotone cubic through the points), for display only."""
    pts = sorted((float(x), float(y)) for x, y in points)
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    grid = np.linspace(0.0, 1.0, n)
    if len(pts) < 2 or np.any(np.diff(xs) <= 0):
        return np.stack([grid, np.interp(grid, xs, ys)], axis=1)
    from scipy.interpolate import PchipInterpolator

    inside = np.clip(grid, xs[0], xs[-1])
    return np.stack([grid, PchipInterpolator(xs, ys)(inside)], axis=1)


class CurvesWidget(QWidget):
    """Signals ``points_changed(points, dragging)`` and ``drag_finished()``."""

    points_changed = pyqtSignal(object, bool)
    drag_finished = pyqtSignal()

    def __init__(self, points: Sequence[tuple[float, float]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[tuple[float, float]] = [(0.0, 0.0), (1.0, 1.0)]
        self._hist: np.ndarray | None = None
        self._drag: int | None = None
        self.setMinimumSize(180, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        if points:
            self.set_points(points)

    def sizeHint(self) -> QSize:
        return QSize(240, 240)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        return w

    def points(self) -> list[tuple[float, float]]:
        return list(self._points)

    def set_points(self, points: Sequence[tuple[float, float]]) -> None:
        self._points = sorted((float(x), float(y)) for x, y in points) or [(0.0, 0.0), (1.0, 1.0)]
        self.update()

    def set_histogram(self, counts: np.ndarray | None, edges: np.ndarray | None = None) -> None:
        """Counts of the input luminance (bins over ``edges``, default 0..1), drawn behind."""
        if counts is None:
            self._hist = None
        else:
            c = np.asarray(counts, dtype=float)
            e = np.linspace(0, 1, len(c) + 1) if edges is None else np.asarray(edges, dtype=float)
            centres = 0.5 * (e[:-1] + e[1:])
            keep = (centres >= 0) & (centres <= 1)  # the curve's axis is 0..1
            self._hist = np.stack([centres[keep], c[keep]])
        self.update()

    # geometry
    def _plot_rect(self) -> QRectF:
        return QRectF(6, 6, max(10, self.width() - 12), max(10, self.height() - 12))

    def _to_screen(self, x: float, y: float) -> QPointF:
        r = self._plot_rect()
        return QPointF(r.left() + x * r.width(), r.bottom() - y * r.height())

    def _to_value(self, p: QPointF) -> tuple[float, float]:
        r = self._plot_rect()
        x = (p.x() - r.left()) / r.width()
        y = (r.bottom() - p.y()) / r.height()
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    def _hit(self, pos: QPointF) -> int | None:
        for i, (x, y) in enumerate(self._points):
            s = self._to_screen(x, y)
            if (s - pos).manhattanLength() <= _HIT_RADIUS * 1.5:
                return i
        return None

    # painting
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self._plot_rect()
        p.fillRect(r, QColor(24, 24, 26))
        p.setPen(QPen(QColor(70, 70, 74), 1))
        for k in range(1, 4):
            x = r.left() + r.width() * k / 4
            y = r.top() + r.height() * k / 4
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        p.drawLine(r.bottomLeft(), r.topRight())
        if self._hist is not None and self._hist.size and self._hist[1].max() > 0:
            xs, counts = self._hist
            h = np.log1p(counts) / np.log1p(counts.max())
            path = QPainterPath(r.bottomLeft())
            for x, v in zip(xs, h):
                path.lineTo(r.left() + r.width() * x, r.bottom() - v * r.height())
            path.lineTo(r.bottomRight())
            path.closeSubpath()
            p.fillPath(path, QColor(120, 120, 130, 110))
        line = curve_polyline(self._points)
        path = QPainterPath(self._to_screen(*line[0]))
        for x, y in line[1:]:
            path.lineTo(self._to_screen(float(x), float(np.clip(y, 0, 1))))
        p.setPen(QPen(QColor(235, 235, 235), 2))
        p.drawPath(path)
        p.setBrush(QColor(42, 130, 218))
        for i, (x, y) in enumerate(self._points):
            p.setPen(QPen(QColor(255, 255, 255) if i == self._drag else QColor(20, 20, 20), 1))
            p.drawEllipse(self._to_screen(x, y), 4.5, 4.5)
        p.end()

    # interaction
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        pos = ev.position()
        i = self._hit(pos)
        if ev.button() == Qt.MouseButton.RightButton:
            if i is not None:
                self._remove(i)
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if i is None:
            x, y = self._to_value(pos)
            if any(abs(x - px) < 0.01 for px, _ in self._points):
                return
            self._points.append((x, y))
            self._points.sort()
            i = self._points.index((x, y))
            self.points_changed.emit(self.points(), True)
        self._drag = i
        self.update()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self._drag is None:
            return
        x, y = self._to_value(ev.position())
        i = self._drag
        # keep x strictly between the neighbours so the curve stays a function
        lo = self._points[i - 1][0] + 0.005 if i > 0 else 0.0
        hi = self._points[i + 1][0] - 0.005 if i < len(self._points) - 1 else 1.0
        self._points[i] = (min(max(x, lo), hi), y)
        self.update()
        self.points_changed.emit(self.points(), True)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None:
            self._drag = None
            self.update()
            self.drag_finished.emit()

    def mouseDoubleClickEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        i = self._hit(ev.position())
        if i is not None:
            self._remove(i)

    def _remove(self, i: int) -> None:
        if len(self._points) <= 2:
            return
        del self._points[i]
        self._drag = None
        self.update()
        self.points_changed.emit(self.points(), False)
