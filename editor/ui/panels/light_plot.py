"""A small plot for panels: one ViewBox with a bottom axis, ranges set by the caller.

pyqtgraph's PlotWidget builds a PlotItem with four axes, a context menu and a settings form
of some 40 widgets: 9-27 ms on the UI thread each time a levels editor is shown (it is built
for every levels layer selected). This view has only what the panels draw, and never
auto-ranges: each repaint during a slider drag would otherwise rescan the curves' bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget


class LightPlot(pg.GraphicsView):
    """A ViewBox (mouse and menu off, no auto range) above a bottom axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = pg.GraphicsLayout()
        layout.setContentsMargins(2, 2, 2, 2)
        self.setCentralItem(layout)
        self.vb = pg.ViewBox(enableMenu=False, enableMouse=False)
        self.vb.disableAutoRange()
        self.axis = pg.AxisItem("bottom")
        self.axis.linkToView(self.vb)
        layout.addItem(self.vb, 0, 0)
        layout.addItem(self.axis, 1, 0)

    def addItem(self, item: Any) -> None:  # noqa: N802 (pyqtgraph's name)
        self.vb.addItem(item, ignoreBounds=True)  # ranges are the caller's: no bounds scan

    def curve(self, **opts: Any) -> pg.PlotCurveItem:
        """A curve item (pen, fillLevel, brush as for PlotCurveItem) that skips its
        finite-value check (the panels give finite counts)."""
        item = pg.PlotCurveItem(skipFiniteCheck=True, **opts)
        self.addItem(item)
        return item

    def setXRange(self, lo: float, hi: float, padding: float = 0.0) -> None:  # noqa: N802
        self.vb.setXRange(lo, hi, padding=padding)

    def setYRange(self, lo: float, hi: float, padding: float = 0.0) -> None:  # noqa: N802
        self.vb.setYRange(lo, hi, padding=padding)

    def x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.vb.viewRange()
        return float(x0), float(x1)

    def y_range(self) -> tuple[float, float]:
        _, (y0, y1) = self.vb.viewRange()
        return float(y0), float(y1)


def y_top(*curves: np.ndarray) -> float:
    """Top of the Y range for these curves (5 % headroom; 1 when they are empty or zero)."""
    top = max((float(np.max(c)) for c in curves if len(c)), default=0.0)
    return top * 1.05 if top > 0 else 1.0
