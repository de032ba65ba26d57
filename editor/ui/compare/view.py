"""Before/after view: split with a draggable divider, side by side, or blink.

Two states of the document (A and B: "Current", "Original" or any snapshot) are rendered off
the UI thread and shown through ONE screen stretch measured on A (or B, or none), so what looks
brighter is brighter. Coordinates in every view are full-resolution canvas pixels: the whole
canvas is rendered at the scale that fits the view, and when the user zooms in, the visible
region follows at the matching scale (up to 100 %), as in the main canvas.

- split: A and B are stacked in one view; B is clipped to the side of the divider line.
- side by side: two views whose pan and zoom are linked (setXLink / setYLink).
- blink: A and B alternate every N ms, or on each press of "Flip" (shortcut: B).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt, QThreadPool, QTimer, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from editor.ui.common.i18n import format_number, tr
from editor.render.comparison import clamp_region, original_snapshot, state_label
from editor.ui.compare.picture import StateLabels, StatePicture, make_view
from editor.ui.compare.render import CompareRenderJob, CompareResult
from editor.ui.compare.toolbar import MODES, CompareToolbar

DETAIL_GAIN = 1.3  # re-render the visible region once zoomed 1.3x past the whole-canvas render


class CompareView(QWidget):
    """Compare two states of a document.

    Signals
    -------
    states_changed(a, b)
        The user picked other states (snapshot ids, None = current).
    mode_changed(str)
        "split", "side_by_side" or "blink".
    rendered()
        Both states are on screen for the current settings (tests and status bars wait on it).
    failed(str)
        A render raised a user-facing error (its message).
    """

    states_changed = pyqtSignal(object, object)
    mode_changed = pyqtSignal(str)
    rendered = pyqtSignal()
    failed = pyqtSignal(str)
    _doc_event = pyqtSignal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self.mode = "split"
        self.a: Any = None
        self.b: Any = None
        self.split_position = 0.5
        self.showing_b = False  # blink: which state is visible
        self.stf: Any = None  # the shared stretch of the last whole-canvas render
        self._unsubscribe: Callable[[], None] | None = None
        self._generation = 0
        self._detail_generation = 0
        self._jobs: dict[int, CompareRenderJob] = {}
        self._base_scale = 0.0
        self._stale = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # the main canvas renders too; two cores in all
        self._build_ui()
        self._doc_event.connect(self._on_doc_event, Qt.ConnectionType.QueuedConnection)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------------ construction
    def _build_ui(self) -> None:
        tb = self.toolbar = CompareToolbar()
        # the controls, under the names the rest of the view (and its tests) use
        self.a_combo, self.b_combo, self.swap_button = tb.a_combo, tb.b_combo, tb.swap_button
        self.mode_combo, self.stretch_combo = tb.mode_combo, tb.stretch_combo
        self.interval_spin, self.play_box, self.flip_button = tb.interval_spin, tb.play_box, tb.flip_button
        self.fit_button, self.one_button, self.export_button = tb.fit_button, tb.one_button, tb.export_button
        self.blink_controls = tb.blink_controls
        for combo in (self.a_combo, self.b_combo):
            combo.activated.connect(self._on_combo)
        self.swap_button.clicked.connect(lambda: self.set_states(self.b, self.a))
        self.mode_combo.activated.connect(lambda i: self.set_mode(self.mode_combo.itemData(i)))
        self.stretch_combo.activated.connect(lambda _i: self.refresh())
        self.interval_spin.valueChanged.connect(lambda v: self.blink_timer.setInterval(v))
        self.play_box.toggled.connect(self._update_blink_timer)
        self.flip_button.clicked.connect(self.flip)
        self.fit_button.clicked.connect(self.zoom_fit)
        self.one_button.clicked.connect(self.zoom_100)
        self.export_button.clicked.connect(self.open_export_dialog)

        self.view1, self.vb1 = make_view()
        self.view2, self.vb2 = make_view()
        self.vb2.setXLink(self.vb1)
        self.vb2.setYLink(self.vb1)
        self.pic_a = StatePicture(self.vb1, 0)
        self.pic_b = StatePicture(self.vb1, 1)
        self.pic_b2 = StatePicture(self.vb2, 0)
        self.divider = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen((255, 255, 255), width=2),
                                       hoverPen=pg.mkPen((42, 130, 218), width=3))
        self.divider.setZValue(10)
        self.vb1.addItem(self.divider, ignoreBounds=True)
        self.divider.sigPositionChanged.connect(self._on_divider_moved)
        self.labels = StateLabels(self.vb1, self.vb2)
        self.vb1.sigRangeChanged.connect(self._on_range_changed)
        self.vb1.sigResized.connect(self._on_resized)

        views = QHBoxLayout()
        views.setSpacing(4)
        views.addWidget(self.view1)
        views.addWidget(self.view2)
        self.status = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.toolbar)
        layout.addLayout(views, 1)
        layout.addWidget(self.status)

        self.blink_timer = QTimer(self, interval=self.interval_spin.value())
        self.blink_timer.timeout.connect(self.flip)
        self.detail_timer = QTimer(self, singleShot=True, interval=150)
        self.detail_timer.timeout.connect(self._request_detail)
        self.refresh_timer = QTimer(self, singleShot=True, interval=200)
        self.refresh_timer.timeout.connect(self.refresh)
        QShortcut(QKeySequence("B"), self, activated=self.flip,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._apply_mode()

    # ------------------------------------------------------------------ public API
    def set_document(self, doc: Any) -> None:
        """Show ``doc``: A = "Original" (or the oldest snapshot), B = the current state."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.doc = doc
        self.stf = None
        for pic in (self.pic_a, self.pic_b, self.pic_b2):
            pic.clear()
        if doc is None:
            self._cancel_all()
            self._fill_combos()
            return
        self._unsubscribe = doc.subscribe(lambda ev: self._doc_event.emit(doc, ev))
        self.a, self.b = original_snapshot(doc), None
        self._fill_combos()
        self.divider.setValue(doc.width * self.split_position)
        self.zoom_fit()
        self.refresh()

    def set_states(self, a: Any, b: Any) -> None:
        """Compare snapshot ``a`` with snapshot ``b`` (None = the current state)."""
        self.a, self.b = a, b
        self._fill_combos()
        self.states_changed.emit(a, b)
        self.refresh()

    def set_mode(self, mode: str) -> None:
        """"split", "side_by_side" or "blink"."""
        if mode not in MODES:
            raise ValueError(f"unknown compare mode {mode!r}; expected one of {', '.join(MODES)}")
        if mode == self.mode:
            return
        self.mode = mode
        self.mode_combo.setCurrentIndex(MODES.index(mode))
        self._apply_mode()
        self.mode_changed.emit(mode)
        if self.doc is not None:
            self._base_scale = 0.0  # the view size changed: re-render at the new fit scale
            self.refresh()

    def set_split_position(self, fraction: float) -> None:
        """Put the divider at ``fraction`` (0..1) of the canvas width."""
        if self.doc is not None:
            self.divider.setValue(float(np.clip(fraction, 0, 1)) * self.doc.width)

    def set_blink(self, interval_ms: int | None = None, running: bool | None = None) -> None:
        """Blink every ``interval_ms``; ``running=False`` flips only on "Flip" / key B."""
        if interval_ms is not None:
            self.interval_spin.setValue(int(interval_ms))
        if running is not None:
            self.play_box.setChecked(bool(running))

    def flip(self) -> None:
        """Blink mode: show the other state."""
        self.showing_b = not self.showing_b
        self._apply_visibility()

    def stretch_reference(self) -> int | None:
        """0: stretch measured on A, 1: on B, None: no stretch."""
        return self.stretch_combo.currentData()

    def zoom_fit(self) -> None:
        if self.doc is not None:
            self.vb1.setRange(QRectF(0, 0, self.doc.width, self.doc.height), padding=0.02)

    def zoom_100(self) -> None:
        if self.doc is None:
            return
        rect = self.vb1.viewRect()
        ratio = self.devicePixelRatioF()  # 100 % = one image pixel per device pixel
        w, h = (self.vb1.width() or 1.0) / ratio, (self.vb1.height() or 1.0) / ratio
        c = rect.center()
        self.vb1.setRange(QRectF(c.x() - w / 2, c.y() - h / 2, w, h), padding=0)

    def visible_region(self) -> tuple[int, int, int, int] | None:
        """The part of the canvas on screen, (x, y, w, h) in canvas pixels."""
        if self.doc is None:
            return None
        r = self.vb1.viewRect()
        return clamp_region((r.x(), r.y(), r.width(), r.height()), self.doc.width, self.doc.height)

    def open_export_dialog(self) -> None:
        if self.doc is None:
            return
        from editor.ui.compare.export_dialog import CompareExportDialog

        dialog = CompareExportDialog(self.doc, self, a=self.a, b=self.b,
                                     region=self.visible_region(), mode=self.mode,
                                     position=self.split_position,
                                     stretch_reference=self.stretch_reference())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def refresh(self) -> None:
        """Render both states again (whole canvas at fit scale, then the visible detail)."""
        if self.doc is None:
            return
        if not self.isVisible():
            self._stale = True  # a hidden view renders nothing; showEvent catches up
            return
        self._stale = False
        self._generation += 1
        self.stf = None  # detail renders wait for the new whole-canvas render and its stretch
        self._cancel_all()
        w, h = self._view_pixels()
        fit = min(w / self.doc.width, h / self.doc.height)
        self._base_scale = float(np.clip(fit, 1 / 64, 1.0))
        self._submit(CompareRenderJob(self.doc, (self.a, self.b), None, self._base_scale,
                                      self.stretch_reference(), None, self._generation, "base"))
        self.status.setText(tr("Rendering…"))

    def shutdown(self) -> None:
        """Stop timers and renders (call before the window closes)."""
        self.blink_timer.stop()
        self._cancel_all()
        self._pool.waitForDone(5000)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # ------------------------------------------------------------------ rendering
    def _view_pixels(self) -> tuple[float, float]:
        ratio = self.devicePixelRatioF()
        return max(self.vb1.width(), 64.0) * ratio, max(self.vb1.height(), 64.0) * ratio

    def _submit(self, job: CompareRenderJob) -> None:
        self._jobs[id(job)] = job
        job.signals.finished.connect(self._on_result)
        self._pool.start(job)

    def _cancel_all(self) -> None:
        for job in self._jobs.values():
            job.token.cancel()

    def _request_detail(self) -> None:
        if self.doc is None or self._base_scale <= 0 or self.stf is None:
            return  # the whole-canvas render (which measures the stretch) comes first
        region = self.visible_region()
        rect = self.vb1.viewRect()
        need = min(1.0, self._view_pixels()[0] / max(rect.width(), 1e-6))
        self._detail_generation += 1
        for job in self._jobs.values():
            if job.stage == "detail":
                job.token.cancel()
        if region is None or need < self._base_scale * DETAIL_GAIN:
            for pic in (self.pic_a, self.pic_b, self.pic_b2):
                pic.show_detail(None, None)
            return
        self._submit(CompareRenderJob(self.doc, (self.a, self.b), region, need, self.stretch_reference(),
                                      self.stf, self._generation, "detail", self._detail_generation))

    def _on_result(self, result: CompareResult) -> None:
        self._jobs.pop(result.job_id, None)
        if result.generation != self._generation or result.doc is not self.doc:
            return  # superseded while rendering
        if result.error is not None:
            self.status.setText(result.error)
            self.failed.emit(result.error)
            return
        if result.frames is None:
            return  # cancelled
        a, b = result.frames
        if result.stage == "base":
            self.stf = result.stf
            self.pic_a.show_base(a, self.doc.width, self.doc.height)
            for pic in (self.pic_b, self.pic_b2):
                pic.show_base(b, self.doc.width, self.doc.height)
            if self.a == self.b:
                self.status.setText(tr("A and B are the same state: take a snapshot (Snapshots "
                                    "panel) before editing, then compare it with Current"))
            else:
                self.status.setText(tr('{0} × {1} preview of {2} × {3} in {seconds} s').format(
                    a.shape[1], a.shape[0], self.doc.width, self.doc.height,
                    seconds=format_number(result.seconds, 2)))  # "0,25 s" in French
            self.rendered.emit()
            self.detail_timer.start(0)
        elif result.detail_generation == self._detail_generation:
            self.pic_a.show_detail(a, result.region)
            for pic in (self.pic_b, self.pic_b2):
                pic.show_detail(b, result.region)
        self._update_labels()

    # ------------------------------------------------------------------ view state
    def _apply_mode(self) -> None:
        side = self.mode == "side_by_side"
        self.view2.setVisible(side)
        self.divider.setVisible(self.mode == "split")
        for w in self.blink_controls:
            w.setVisible(self.mode == "blink")
        self._update_blink_timer()
        self._apply_visibility()

    def _update_blink_timer(self) -> None:
        if self.mode == "blink" and self.play_box.isChecked():
            self.blink_timer.start()
        else:
            self.blink_timer.stop()

    def _apply_visibility(self) -> None:
        self.pic_a.clip.setVisible(True)
        self.pic_b.clip.setVisible(self.mode == "split" or (self.mode == "blink" and self.showing_b))
        self._update_clip()
        self._update_labels()

    def _update_clip(self) -> None:
        big = 1e7  # clip rectangles reach far beyond any canvas
        full = QRectF(-big, -big, 2 * big, 2 * big)
        if self.mode == "split":
            x = self.divider.value()
            self.pic_b.clip.set_clip(QRectF(x, -big, 2 * big, 2 * big))
        else:
            self.pic_b.clip.set_clip(full)
        self.pic_a.clip.set_clip(full)
        self.pic_b2.clip.set_clip(full)

    def _on_divider_moved(self) -> None:
        if self.doc is not None:
            x = float(np.clip(self.divider.value(), 0, self.doc.width))
            if x != self.divider.value():
                self.divider.setValue(x)  # re-enters with the clamped value
                return
            self.split_position = x / self.doc.width
        self._update_clip()

    def _on_range_changed(self, *_: Any) -> None:
        self._update_labels()
        if self.mode == "split" and self.doc is not None:
            # a divider panned out of sight cannot be dragged back: bring it to the middle
            r = self.vb1.viewRect()
            if not r.left() <= self.divider.value() <= r.right():
                self.divider.setValue(r.center().x())
        if self.doc is not None:
            self.detail_timer.start()

    def _on_resized(self, *_: Any) -> None:
        if self.doc is not None and self._base_scale > 0:
            w, h = self._view_pixels()
            fit = float(np.clip(min(w / self.doc.width, h / self.doc.height), 1 / 64, 1.0))
            if fit > self._base_scale * DETAIL_GAIN:
                self.refresh_timer.start()

    def _update_labels(self) -> None:
        name_a = state_label(self.doc, self.a) if self.doc is not None else ""
        name_b = state_label(self.doc, self.b) if self.doc is not None else ""
        canvas = None if self.doc is None else (self.doc.width, self.doc.height)
        self.labels.update(name_a, name_b, self.mode, self.showing_b, canvas)

    # ------------------------------------------------------------------ states
    def _state_items(self) -> list[tuple[str, Any]]:
        if self.doc is None:
            return []
        return [("Current", None)] + [(str(name), sid) for sid, name in self.doc.snapshots]

    def _fill_combos(self) -> None:
        items = self._state_items()
        ids = [sid for _, sid in items]
        if self.a is not None and self.a not in ids:
            self.a = original_snapshot(self.doc) if self.doc is not None else None
        if self.b is not None and self.b not in ids:
            self.b = None
        self.toolbar.show_states(items, self.a, self.b)
        self._update_labels()

    def _on_combo(self, _index: int) -> None:
        self.set_states(self.a_combo.currentData(), self.b_combo.currentData())

    def _on_doc_event(self, doc: Any, ev: Any) -> None:
        if doc is not self.doc:
            return
        kind = getattr(ev, "kind", "document")
        if kind in ("snapshot", "document"):
            old = (self.a, self.b)
            self._fill_combos()
            if (self.a, self.b) != old:
                self.refresh()
        if kind != "snapshot" and None in (self.a, self.b):
            self.refresh_timer.start()  # the current state changed
