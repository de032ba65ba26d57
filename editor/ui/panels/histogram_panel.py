"""Live histogram of the composite (R, G, B and luminance; linear or log counts) and its
statistics (median, MAD, min/max, clipped %), as astrophotographers read them.

The numbers come from :mod:`filters` (``filters.histogram``, ``filters.image_statistics``),
computed on a worker thread from the last screen-resolution render, so the panel follows a
slider drag without slowing the canvas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QLocale, QTimer, pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from editor.ui.common.i18n import tr
from editor.ui.common.background_worker import BackgroundWorker
from editor.ui.panels.light_plot import LightPlot, y_top


BINS = 256
COLOURS = {"R": (230, 70, 70), "G": (80, 200, 80), "B": (80, 130, 240), "L": (220, 220, 220)}


def analyse(linear: np.ndarray) -> dict[str, Any]:
    """Histograms and statistics of a linear render, via the filters package."""
    import filters

    from filters.stretch_stats import finite_sample, is_normalised

    hist = filters.histogram(linear, bins=BINS)
    stats = filters.image_statistics(linear)
    # Low %/High % count pixels at or past 0 and 1: in ADU or physical units (2MASS at ~500
    # ADU) every pixel is "past 1" and High % read 100, as if the picture were all clipped.
    # Such data has no white point to clip at until a layer scales it: no figure, not a false one.
    if not is_normalised(finite_sample(linear)):
        for key in ("clipped_low_pct", "clipped_high_pct"):
            if key in stats:
                stats[key] = [None] * len(stats[key])
    return {"hist": hist, "stats": stats}


class HistogramPanel(QWidget):
    """Shows the histogram and statistics of the last render it was given (:meth:`update_from`)."""

    analysed = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = LightPlot()
        self.plot.setMinimumHeight(120)
        self.curves = {k: self.plot.curve(pen=pg.mkPen(c, width=1.5)) for k, c in COLOURS.items()}
        self.log_box = QCheckBox(tr("Log"))
        self.log_box.setChecked(True)
        self.log_box.toggled.connect(lambda _v: self._draw())
        self.channel_boxes: dict[str, QCheckBox] = {}
        top = QHBoxLayout()
        for k in COLOURS:
            cb = QCheckBox(k)
            cb.setChecked(True)
            cb.toggled.connect(lambda _v: self._draw())
            self.channel_boxes[k] = cb
            top.addWidget(cb)
        top.addStretch(1)
        top.addWidget(self.log_box)
        self.stats_grid = QGridLayout()
        # (row, column) -> label, kept and updated in place: rebuilding the table on each
        # result relaid the dock out and resized the plot (5-20 ms on the UI thread)
        self.stat_labels: dict[tuple[int, int], QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addLayout(self.stats_grid)
        self.result: dict[str, Any] | None = None
        self._analyser = BackgroundWorker(self, lambda arr, _token: analyse(arr),
                                          lambda _arr, result: self._on_done(result),
                                          name="nebulayer-histogram")
        self._latest: np.ndarray | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._flush)

    def update_from(self, linear: np.ndarray) -> None:
        """Analyse this (screen-resolution) render in the background, once renders pause
        (during a slider drag the canvas has priority on the two cores)."""
        self._latest = linear
        self._timer.start()

    def clear(self) -> None:
        """Forget the shown document's numbers (another document is being opened)."""
        self._timer.stop()
        self._latest = None
        self._analyser.submit()  # drops anything pending; a late result is not delivered
        self.result = None
        for curve in self.curves.values():
            curve.setData(np.zeros(0), np.zeros(0))
        self._show_stats({})

    def _flush(self) -> None:
        if self._latest is not None:
            self._analyser.submit(self._latest)
            self._latest = None

    def _on_done(self, result: dict[str, Any]) -> None:
        self.result = result
        self._draw()
        self._show_stats(result["stats"])
        self.analysed.emit(result)

    def _draw(self) -> None:
        if self.result is None:
            return
        channels = _channels(self.result["hist"])
        for k, box in self.channel_boxes.items():
            box.setVisible(k in channels)
        shown = []
        for k, curve in self.curves.items():
            if k not in channels or not self.channel_boxes[k].isChecked():
                curve.setData(np.zeros(0), np.zeros(0))
                continue
            x, counts = channels[k]
            y = np.log1p(counts) if self.log_box.isChecked() else counts
            curve.setData(x, y)
            shown.append(y)
        # ranges set here once per result, never rescanned by the plot on a repaint
        edges = np.asarray(self.result["hist"][1], dtype=float)
        if len(edges):
            self.plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.03)
        self.plot.setYRange(0.0, y_top(*shown), padding=0.03)  # the zero line above the axis

    def _show_stats(self, stats: Any) -> None:
        rows = _stat_rows(stats)
        cells: dict[tuple[int, int], str] = {}
        if rows:
            names = list(rows[0][1])
            for c, name in enumerate(names):
                cells[0, c + 1] = f"<b>{tr(name)}</b>"
            for r, (ch, values) in enumerate(rows):
                cells[r + 1, 0] = f"<b>{ch}</b>"
                for c, name in enumerate(names):
                    fmt = _fmt_pct if name.endswith("%") else _fmt
                    cells[r + 1, c + 1] = fmt(values.get(name))
        for pos in [p for p in self.stat_labels if p not in cells]:  # fewer channels now
            lab = self.stat_labels.pop(pos)
            self.stats_grid.removeWidget(lab)
            lab.deleteLater()
        for pos, text in cells.items():
            lab = self.stat_labels.get(pos)
            if lab is None:
                lab = self.stat_labels[pos] = _small(text)
                self.stats_grid.addWidget(lab, *pos)
            elif lab.text() != text:
                lab.setText(text)


def _small(text: str) -> QLabel:
    lab = QLabel(text)
    f = lab.font()
    f.setPointSizeF(max(7.0, f.pointSizeF() * 0.9))
    lab.setFont(f)
    return lab


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return QLocale().toString(v, "g", 4)  # the locale's decimal separator
    return str(v)


def _fmt_pct(v: Any) -> str:
    """Clipped percentages to 0.01 %, as PixInsight shows them: "0,0005086" made the table
    wider than the panel at 1366x768 and cut its last column."""
    if v is None:
        return "—"  # not measured: the data is not in 0..1 units
    if not isinstance(v, (int, float)) or v == 0:
        return _fmt(v)
    if 0 < v < 0.01:
        return "<" + QLocale().toString(0.01, "f", 2)
    return QLocale().toString(float(v), "f", 2)


def _channels(hist: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``filters.histogram``'s (counts (C + 1, bins), edges) as {name: (bin centres, counts)}."""
    counts, edges = hist
    counts = np.asarray(counts, dtype=float)
    e = np.asarray(edges, dtype=float)
    centres = 0.5 * (e[:-1] + e[1:])
    names = ["L"] if counts.shape[0] == 2 else ["R", "G", "B"][: counts.shape[0] - 1]
    out = {name: (centres, counts[i]) for i, name in enumerate(names)}
    out["L"] = (centres, counts[-1])
    return out


def _channel_name(k: Any) -> str:
    k = str(k)
    return {"red": "R", "green": "G", "blue": "B", "luminance": "L", "lum": "L", "mono": "L",
            "gray": "L", "grey": "L"}.get(k.lower(), k.upper()[:1])


STAT_COLUMNS = (("median", "Median"), ("mad", "MAD"), ("min", "Min"), ("max", "Max"),
                ("clipped_low_pct", "Low %"), ("clipped_high_pct", "High %"))


def _stat_rows(stats: Any) -> list[tuple[str, dict[str, Any]]]:
    """``filters.image_statistics`` (lists per channel) as rows of labelled values."""
    n = int(stats.get("channels", 0))
    names = ["L"] if n == 1 else ["R", "G", "B"][:n]
    rows = []
    for c, name in enumerate(names):
        rows.append((name, {label: stats[key][c] for key, label in STAT_COLUMNS if key in stats}))
    return rows
