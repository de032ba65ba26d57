"""Levels editor: the input histogram with draggable black, midtone and white handles.

Works for any operation whose schema has a black point, a white point and a midtone control
(found by name). The midtone handle sits where the input maps to mid-grey:

- a midtones *balance* m (PixInsight): at ``black + m * (white - black)``;
- a *gamma* g (Photoshop, output = t ** (1 / g)): at ``black + (white - black) * 0.5 ** g``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QColor, QPen
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from editor.ui.panels.light_plot import LightPlot, y_top
from filters.registry import FilterSpec

BLACK_NAMES = ("black", "black_point", "in_black", "shadows", "low")
WHITE_NAMES = ("white", "white_point", "in_white", "highlights", "high")
MID_NAMES = ("midtone", "midtones", "mid", "midtones_balance", "gamma")


def levels_names(spec: FilterSpec) -> tuple[str, str, str] | None:
    """(black, midtone, white) parameter names if ``spec`` looks like levels, else None."""
    names = {p.name for p in spec.params if p.kind in ("float", "int")}
    b = next((n for n in BLACK_NAMES if n in names), None)
    w = next((n for n in WHITE_NAMES if n in names), None)
    m = next((n for n in MID_NAMES if n in names), None)
    if b and w and m:
        return b, m, w
    return None


class LevelsWidget(QWidget):
    """Signals ``value_changed(name, value, dragging)`` and ``drag_finished(name)``."""

    value_changed = pyqtSignal(str, object, bool)
    drag_finished = pyqtSignal(str)

    def __init__(self, spec: FilterSpec, names: tuple[str, str, str], values: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.black_name, self.mid_name, self.white_name = names
        mid_param = spec.param(self.mid_name)
        # a gamma is neutral at 1, a midtones balance at 0.5
        self.gamma_mode = self.mid_name == "gamma" or "gamma" in mid_param.label.lower() \
            or mid_param.default == 1.0
        self.values = {n: float(values[n]) for n in names}
        self._mid_lo = mid_param.min if mid_param.min is not None else (0.01 if self.gamma_mode else 0.0001)
        self._mid_hi = mid_param.max if mid_param.max is not None else (10.0 if self.gamma_mode else 0.9999)
        self.plot = LightPlot()
        self.plot.setMinimumHeight(130)
        self.plot.setMaximumHeight(170)
        self._x_range: tuple[float, float] | None = None
        self._fit_range()
        self.curve = self.plot.curve(pen=pg.mkPen((200, 200, 200)), fillLevel=0,
                                     brush=pg.mkBrush(150, 150, 160, 90))
        self._updating = False
        self.lines: dict[str, pg.InfiniteLine] = {}
        # handles drawn light enough to see on the dark plot, each with a letter at the top
        looks = {self.black_name: ((150, 150, 160), "B"), self.mid_name: ((110, 170, 235), "M"),
                 self.white_name: ((245, 245, 245), "W")}
        for name in names:
            colour, letter = looks[name]
            pen = QPen(QColor(*colour))
            pen.setWidth(2)
            pen.setCosmetic(True)
            line = pg.InfiniteLine(angle=90, movable=True, pen=pen,
                                   hoverPen=pg.mkPen((42, 130, 218), width=3), label=letter,
                                   labelOpts={"position": 0.92, "color": colour, "movable": False})
            line.setToolTip(spec.param(name).label or name)
            line.sigDragged.connect(lambda _l, n=name: self._on_drag(n, True))
            line.sigPositionChangeFinished.connect(lambda _l, n=name: self._on_finished(n))
            self.plot.addItem(line)
            self.lines[name] = line
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._place_lines()

    # geometry
    def mid_position(self) -> float:
        b, w = self.values[self.black_name], self.values[self.white_name]
        m = self.values[self.mid_name]
        t = 0.5 ** m if self.gamma_mode else m
        return b + t * (w - b)

    def _mid_from_position(self, x: float) -> float:
        b, w = self.values[self.black_name], self.values[self.white_name]
        t = (x - b) / (w - b) if w > b else 0.5
        t = min(max(t, 1e-4), 1 - 1e-4)
        v = math.log(t) / math.log(0.5) if self.gamma_mode else t
        return float(min(max(v, self._mid_lo), self._mid_hi))

    def _place_lines(self) -> None:
        self._updating = True
        try:
            self.lines[self.black_name].setValue(self.values[self.black_name])
            self.lines[self.white_name].setValue(self.values[self.white_name])
            self.lines[self.mid_name].setValue(self.mid_position())
        finally:
            self._updating = False

    def set_values(self, values: dict[str, Any]) -> None:
        for n in (self.black_name, self.mid_name, self.white_name):
            if n in values:
                self.values[n] = float(values[n])
        self._place_lines()
        self._fit_range()

    def _fit_range(self) -> None:
        lo = min(0.0, self.values[self.black_name])
        hi = max(1.0, self.values[self.white_name])
        if (lo, hi) != self._x_range:  # a drag's steps mostly keep it: no relayout of the axis
            self._x_range = (lo, hi)
            self.plot.setXRange(lo, hi, padding=0.02)

    def set_histogram(self, counts: np.ndarray | None, edges: np.ndarray | None = None) -> None:
        """Show ``counts`` (log scale) over 0..1 (or over ``edges``)."""
        if counts is None or len(counts) == 0:
            self.curve.setData(np.zeros(0), np.zeros(0))
            return
        counts = np.asarray(counts, dtype=float)
        if edges is None:
            x = (np.arange(len(counts)) + 0.5) / len(counts)
        else:
            e = np.asarray(edges, dtype=float)
            x = 0.5 * (e[:-1] + e[1:])
        y = np.log1p(counts)
        self.curve.setData(x, y)
        self.plot.setYRange(0.0, y_top(y), padding=0.03)  # the zero line above the axis

    # interaction
    def _on_drag(self, name: str, dragging: bool) -> None:
        if self._updating:
            return
        x = float(self.lines[name].value())
        p = self.spec.param(name)
        if name == self.mid_name:
            value = self._mid_from_position(x)
        else:
            lo = p.min if p.min is not None else -math.inf
            hi = p.max if p.max is not None else math.inf
            other = self.values[self.white_name if name == self.black_name else self.black_name]
            # keep black strictly below white
            if name == self.black_name:
                hi = min(hi, other - 1e-4)
            else:
                lo = max(lo, other + 1e-4)
            value = float(min(max(x, lo), hi))
        if p.kind == "int":
            value = int(round(value))
        self.values[name] = value
        self._place_lines()
        self.value_changed.emit(name, value, dragging)

    def _on_finished(self, name: str) -> None:
        if not self._updating:
            self.drag_finished.emit(name)
