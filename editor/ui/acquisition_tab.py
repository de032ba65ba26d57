"""The Acquisition tab: tether a camera through INDI, run sequences, live view and live stack.

All device work happens in :class:`~editor.acquisition.controller.AcquisitionController`'s
threads; this widget only sends it commands and, every 50 ms, drains its event queue (at most
one picture is drawn per tick, so a fast live view never floods the UI thread).
"""

from __future__ import annotations

import logging
import queue
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox,
                             QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                             QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                             QProgressBar, QPushButton, QSpinBox, QSplitter, QTableWidget,
                             QTableWidgetItem, QVBoxLayout, QWidget)

from editor.acquisition.camera import FRAME_TYPES, CameraCapabilities, FrameSettings, RawFrame
from editor.acquisition.controller import AcqEvent, AcquisitionController
from editor.acquisition.live_stack import normalise
from editor.acquisition.sequence import SequenceProgress, SequenceStep, parse_roi
from editor.acquisition.settings import AcquisitionSettings
from editor.errors import ImageWriteError, NebulayerError
from editor.io.image import ImageMeta

pg.setConfigOptions(imageAxisOrder="row-major")
log = logging.getLogger(__name__)

NO_FILTER = "(current)"
COLUMNS = ("Count", "Filter", "Exposure (s)", "Type", "Gain", "Offset", "Bin")


class AcquisitionTab(QWidget):
    """Camera control, sequences and live view. Emits :attr:`open_in_editor` with
    ``(float32 array, ImageMeta with the FITS cards, name)`` for a frame or the live stack."""

    open_in_editor = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None, *,
                 controller: AcquisitionController | None = None,
                 settings_path: Path | None = None) -> None:
        super().__init__(parent)
        self.settings_path = settings_path
        self.settings = AcquisitionSettings.load(settings_path)
        self.controller = controller or AcquisitionController(
            auto_reconnect=self.settings.auto_reconnect)
        self.caps: CameraCapabilities | None = None
        self.filters: list[str] = []
        self.last_frame: RawFrame | None = None
        self.frames_shown = 0
        self._shut_down = False
        self._build()
        self._set_connected(False)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll_events)
        self.timer.start(50)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        s = self.settings
        self.host = QLineEdit(s.host)
        self.port = QSpinBox(maximum=65535, minimum=1, value=s.port)
        self.connect_btn = QPushButton("Connect")
        self.connect_btn.clicked.connect(self.connect_server)
        self.disconnect_btn = QPushButton("Disconnect")
        self.disconnect_btn.clicked.connect(self.controller.disconnect)
        self.auto_reconnect = QCheckBox("Reconnect automatically", checked=s.auto_reconnect)
        self.auto_reconnect.toggled.connect(self._on_auto_reconnect)
        server = QGroupBox("INDI server")
        grid = QGridLayout(server)
        grid.addWidget(QLabel("Host"), 0, 0)
        grid.addWidget(self.host, 0, 1)
        grid.addWidget(QLabel("Port"), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(self.connect_btn, 1, 0, 1, 2)
        grid.addWidget(self.disconnect_btn, 1, 2, 1, 2)
        grid.addWidget(self.auto_reconnect, 2, 0, 1, 4)

        self.device_list = QListWidget()
        self.device_list.setMaximumHeight(90)
        self.camera_combo = QComboBox()
        self.camera_combo.activated.connect(self._on_camera_chosen)
        self.wheel_combo = QComboBox()
        self.wheel_combo.activated.connect(self._on_wheel_chosen)
        self.caps_label = QLabel("No camera selected")
        self.caps_label.setWordWrap(True)
        devices = QGroupBox("Devices")
        form = QFormLayout(devices)
        form.addRow(self.device_list)
        form.addRow("Camera", self.camera_combo)
        form.addRow("Filter wheel", self.wheel_combo)
        form.addRow(self.caps_label)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_row()
        add = QPushButton("Add step")
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton("Remove step")
        remove.clicked.connect(self._remove_row)
        self.out_dir = QLineEdit(s.out_dir)
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        self.object_name = QLineEdit(s.object_name)
        self.object_name.setPlaceholderText("e.g. M42 (names the session folder)")
        self.delay = QDoubleSpinBox(maximum=3600, decimals=1, suffix=" s")
        self.roi = QLineEdit()
        self.roi.setPlaceholderText("full frame, or x,y,width,height (sensor pixels)")
        self.start_btn = QPushButton("Start sequence")
        self.start_btn.clicked.connect(self.start_sequence)
        self.capture_btn = QPushButton("Take one frame")
        self.capture_btn.clicked.connect(self.capture_one)
        self.abort_btn = QPushButton("Abort")
        self.abort_btn.clicked.connect(self.controller.abort)
        self.frame_bar = QProgressBar(format="frame %p%")
        self.seq_bar = QProgressBar(format="sequence %p%")
        self.progress_label = QLabel("")
        seq = QGroupBox("Sequence")
        v = QVBoxLayout(seq)
        v.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        v.addLayout(row)
        f2 = QFormLayout()
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir)
        out_row.addWidget(browse)
        f2.addRow("Save to", out_row)
        f2.addRow("Object", self.object_name)
        f2.addRow("Delay between frames", self.delay)
        f2.addRow("Region", self.roi)
        v.addLayout(f2)
        row = QHBoxLayout()
        for b in (self.start_btn, self.capture_btn, self.abort_btn):
            row.addWidget(b)
        v.addLayout(row)
        v.addWidget(self.frame_bar)
        v.addWidget(self.seq_bar)
        v.addWidget(self.progress_label)

        self.live_exposure = QDoubleSpinBox(minimum=0.001, maximum=60, value=1.0, decimals=3,
                                            suffix=" s")
        self.live_btn = QPushButton("Start live view")
        self.live_btn.setCheckable(True)
        self.live_btn.toggled.connect(self.toggle_live)
        self.stack_check = QCheckBox("Live stack")
        self.stack_mode = QComboBox()
        self.stack_mode.addItem("Running mean", "mean")
        self.stack_mode.addItem("Sigma-clipped mean", "sigma")
        self.reset_btn = QPushButton("Reset stack")
        self.reset_btn.clicked.connect(self.controller.reset_stack)
        self.send_stack_btn = QPushButton("Stack to editor")
        self.send_stack_btn.clicked.connect(self.send_stack)
        self.send_frame_btn = QPushButton("Frame to editor")
        self.send_frame_btn.clicked.connect(self.send_frame)
        self.stack_label = QLabel("")
        live = QGroupBox("Live view")
        g = QGridLayout(live)
        g.addWidget(QLabel("Exposure"), 0, 0)
        g.addWidget(self.live_exposure, 0, 1)
        g.addWidget(self.live_btn, 0, 2)
        g.addWidget(self.stack_check, 1, 0)
        g.addWidget(self.stack_mode, 1, 1)
        g.addWidget(self.reset_btn, 1, 2)
        g.addWidget(self.send_stack_btn, 2, 1)
        g.addWidget(self.send_frame_btn, 2, 2)
        g.addWidget(self.stack_label, 3, 0, 1, 3)

        left = QWidget()
        lv = QVBoxLayout(left)
        for w in (server, devices, seq, live):
            lv.addWidget(w)
        lv.addStretch(1)

        self.view = pg.GraphicsLayoutWidget()
        self.viewbox = self.view.addViewBox(invertY=True, lockAspect=True, enableMenu=False)
        self.image_item = pg.ImageItem()
        self.viewbox.addItem(self.image_item)
        self.frame_label = QLabel("")
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.view, 1)
        rv.addWidget(self.frame_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        self.status = QLabel("Not connected")
        self.status.setWordWrap(True)
        outer = QVBoxLayout(self)
        outer.addWidget(split, 1)
        outer.addWidget(self.status)

    def add_row(self, count: int = 10, filt: str = NO_FILTER, exposure: float = 60.0,
                frame_type: str = "light", gain: str = "", offset: str = "", binning: int = 1) -> None:
        """Append a sequence step (count x filter x exposure...)."""
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(str(count)))
        fc = QComboBox(editable=True)
        fc.addItems([NO_FILTER, *self.filters])
        fc.setCurrentText(filt)
        self.table.setCellWidget(r, 1, fc)
        self.table.setItem(r, 2, QTableWidgetItem(f"{exposure:g}"))
        tc = QComboBox()
        tc.addItems(FRAME_TYPES)
        tc.setCurrentText(frame_type)
        self.table.setCellWidget(r, 3, tc)
        self.table.setItem(r, 4, QTableWidgetItem(gain))
        self.table.setItem(r, 5, QTableWidgetItem(offset))
        self.table.setItem(r, 6, QTableWidgetItem(str(binning)))

    def _remove_row(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or [self.table.rowCount() - 1]:
            if r >= 0:
                self.table.removeRow(r)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save frames in", self.out_dir.text())
        if folder:
            self.out_dir.setText(folder)

    # ---- commands ---------------------------------------------------------------------------
    def connect_server(self) -> None:
        self.settings.host, self.settings.port = self.host.text().strip(), self.port.value()
        self._save_settings()
        self.controller.connect(self.settings.host, self.settings.port)

    def _on_auto_reconnect(self, on: bool) -> None:
        self.settings.auto_reconnect = on
        self.controller.auto_reconnect = on
        if self.controller.link is not None:
            self.controller.link.auto_reconnect = on
        self._save_settings()

    def _on_camera_chosen(self, index: int) -> None:
        name = self.camera_combo.itemData(index)
        self.settings.camera = name or ""
        self._save_settings()
        self.controller.select_camera(name)

    def _on_wheel_chosen(self, index: int) -> None:
        name = self.wheel_combo.itemData(index)
        self.settings.wheel = name or ""
        self._save_settings()
        self.controller.select_wheel(name)

    def steps(self) -> list[SequenceStep]:
        """The sequence table as steps; raises NebulayerError naming a bad cell."""
        steps = []
        roi = parse_roi(self.roi.text())
        for r in range(self.table.rowCount()):
            def cell(c: int) -> str:
                item = self.table.item(r, c)
                return item.text().strip() if item is not None else ""

            def number(c: int, kind: type = float, optional: bool = False) -> Any:
                text = cell(c)
                if optional and not text:
                    return None
                try:
                    return kind(text)
                except ValueError:
                    raise NebulayerError(f"step {r + 1}: {COLUMNS[c]} {text!r} is not a "
                                         "number") from None

            filt = self.table.cellWidget(r, 1).currentText().strip()
            steps.append(SequenceStep(
                count=number(0, int), exposure=number(2),
                filter=None if filt in ("", NO_FILTER) else filt,
                frame_type=self.table.cellWidget(r, 3).currentText(),
                gain=number(4, optional=True), offset=number(5, optional=True),
                binning=number(6, int), roi=roi))
        if not steps:
            raise NebulayerError("the sequence is empty: add a step")
        return steps

    def start_sequence(self) -> None:
        try:
            steps = self.steps()
        except NebulayerError as exc:
            self.show_error(str(exc))
            return
        self.settings.out_dir = self.out_dir.text().strip()
        self.settings.object_name = self.object_name.text().strip()
        self._save_settings()
        if self.controller.start_sequence(steps, self.settings.out_dir,
                                          object_name=self.settings.object_name or None,
                                          delay=self.delay.value()) is not None:
            self._set_busy(True)

    def _first_settings(self, exposure: float | None = None) -> FrameSettings | None:
        try:
            step = self.steps()[0]
            return FrameSettings(exposure if exposure is not None else step.exposure, step.gain,
                                 step.offset, step.binning, step.roi, step.frame_type)
        except NebulayerError as exc:
            self.show_error(str(exc))
            return None

    def capture_one(self) -> None:
        settings = self._first_settings()
        if settings is not None and self.controller.capture_one(settings) is not None:
            self._set_busy(True)

    def toggle_live(self, on: bool) -> None:
        if not on:
            self.controller.abort()
            self.live_btn.setText("Start live view")
            return
        settings = self._first_settings(self.live_exposure.value())
        future = None
        if settings is not None:
            future = self.controller.start_live(settings, stack=self.stack_check.isChecked(),
                                                mode=self.stack_mode.currentData())
        if future is None:
            self.live_btn.setChecked(False)
            return
        self.live_btn.setText("Stop live view")
        self._set_busy(True, live=True)

    def send_stack(self) -> None:
        snap = self.controller.stack_snapshot()
        if snap is None:
            self.show_error("the live stack is empty")
            return
        image, cards, name = snap
        self.open_in_editor.emit((image, ImageMeta(format="array", original_dtype="float32",
                                                   header=dict(cards)), name))

    def send_frame(self) -> None:
        frame = self.last_frame
        if frame is None or frame.data is None:
            self.show_error("no frame to send yet")
            return
        cards = {"INSTRUME": frame.camera, "EXPTIME": frame.settings.exposure,
                 "IMAGETYP": frame.settings.frame_type}
        cards.update({k: frame.driver_header[k] for k in frame.driver_header
                      if k not in ("SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND",
                                   "BZERO", "BSCALE", "COMMENT", "HISTORY", "")})
        path = frame.extra.get("path")
        name = Path(path).stem if path else f"{frame.camera} {frame.settings.exposure:g} s"
        data = normalise(frame.data)
        data.flags.writeable = False
        meta = ImageMeta(path=str(path or ""), format="FITS" if path else "array",
                         original_dtype=str(frame.data.dtype), header=cards,
                         bayer_pattern=cards.get("BAYERPAT"))
        self.open_in_editor.emit((data, meta, name))

    # ---- events -----------------------------------------------------------------------------
    def poll_events(self) -> None:
        """Drain the controller's queue; draw only the newest picture of this tick."""
        picture: tuple[np.ndarray, str] | None = None
        for _ in range(200):
            try:
                ev: AcqEvent = self.controller.events.get_nowait()
            except queue.Empty:
                break
            picture = self._handle(ev) or picture
        if picture is not None:
            self.show_picture(*picture)

    def _handle(self, ev: AcqEvent) -> tuple[np.ndarray, str] | None:
        kind, p = ev.kind, ev.payload
        if kind == "status":
            self.status.setStyleSheet("")
            self.status.setText(str(p))
        elif kind == "error":
            self.show_error(str(p))
        elif kind == "connected":
            self._set_connected(True)
            self.status.setStyleSheet("")
            self.status.setText(f"Connected to {p}")
        elif kind == "disconnected":
            if p == "disconnected":  # asked for: forget the camera (a lost link keeps it)
                self.caps = None
                self.caps_label.setText("No camera selected")
            self._set_connected(False)
            self.status.setText(f"Disconnected: {p}")
        elif kind == "reconnecting":
            self.status.setText(f"Server lost; trying again in {p:g} s…")
        elif kind == "devices":
            self._fill_devices(p)
        elif kind == "camera":
            self.caps = p
            self.caps_label.setText(p.describe() if p is not None else "No camera selected")
            self._set_busy(self.controller.busy)
        elif kind == "wheel":
            self.filters = list(p)
            for r in range(self.table.rowCount()):
                combo = self.table.cellWidget(r, 1)
                text = combo.currentText()
                combo.clear()
                combo.addItems([NO_FILTER, *self.filters])
                combo.setCurrentText(text)
        elif kind == "progress":
            self._show_progress(p)
        elif kind == "frame":
            frame: RawFrame = p["frame"]
            frame.extra["path"] = p["path"]
            self.last_frame = frame
            if p["path"] is not None:
                self.status.setStyleSheet("")
                self.status.setText(f"Saved {p['path']}")
            if p["preview"] is not None:
                return p["preview"], self._describe(frame)
        elif kind == "live_frame":
            self.last_frame = p["frame"]
            if not self.stack_check.isChecked():
                return p["preview"], self._describe(p["frame"])
        elif kind == "stack":
            r = p["result"]
            text = f"Stack: {r.frames} frame(s), {r.rejected} rejected"
            if not r.accepted:
                text += f" — last frame rejected: {r.reason}"
            self.stack_label.setText(text)
            if p["preview"] is not None:
                return p["preview"], text
        elif kind == "sequence_done":
            self.seq_bar.setValue(100 if not p.aborted else self.seq_bar.value())
        elif kind == "job_done":
            self._set_busy(False)
            self.live_btn.blockSignals(True)
            self.live_btn.setChecked(False)
            self.live_btn.setText("Start live view")
            self.live_btn.blockSignals(False)
        return None

    def _describe(self, frame: RawFrame) -> str:
        s = frame.settings
        data = frame.data
        return (f"{frame.camera}: {s.frame_type} {s.exposure:g} s, {data.shape[1]}x{data.shape[0]}, "
                f"min {int(data.min())} median {float(np.median(data[::4, ::4])):.0f} "
                f"max {int(data.max())}")

    def show_picture(self, picture: np.ndarray, text: str) -> None:
        self.image_item.setImage(picture, autoLevels=False, levels=(0, 255))
        if self.frames_shown == 0:
            self.viewbox.autoRange()
        self.frames_shown += 1
        self.frame_label.setText(text)

    def _show_progress(self, p: SequenceProgress) -> None:
        self.frame_bar.setValue(int(round(p.frame_fraction * 100)))
        self.seq_bar.setValue(int(round(p.fraction * 100)))
        self.progress_label.setText(f"Frame {p.frame}/{p.total}: {p.step.label()} — {p.state}")

    def _fill_devices(self, devices: list) -> None:
        self.device_list.clear()
        for d in devices:
            kinds = ", ".join(d.kinds) or "device"
            self.device_list.addItem(f"{d.name} — {kinds}{' (connected)' if d.connected else ''}")
        for combo, wanted, pick in ((self.camera_combo, self.settings.camera, "camera"),
                                    (self.wheel_combo, self.settings.wheel, "filter wheel")):
            current = combo.currentData() or wanted
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("(none)", None)
            for d in devices:
                if pick in d.kinds:
                    combo.addItem(d.name, d.name)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def show_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #e05050;")
        self.status.setText(text)

    def _set_connected(self, on: bool) -> None:
        self.connect_btn.setEnabled(not on)
        self.disconnect_btn.setEnabled(on)
        for w in (self.camera_combo, self.wheel_combo):
            w.setEnabled(on)
        self._set_busy(self.controller.busy)

    def _set_busy(self, busy: bool, live: bool = False) -> None:
        link = self.controller.link
        connected = link is not None and link.connected and self.caps is not None
        for w in (self.start_btn, self.capture_btn):
            w.setEnabled(connected and not busy)
        self.live_btn.setEnabled(connected and (not busy or live))
        self.abort_btn.setEnabled(busy)
        self.stack_check.setEnabled(not busy)
        self.stack_mode.setEnabled(not busy)

    def _save_settings(self) -> None:
        try:
            self.settings.save(self.settings_path)
        except ImageWriteError as exc:
            log.warning("could not save acquisition settings: %s", exc)

    def shutdown(self) -> None:
        """Stop the timer and the back end (abort jobs, disconnect); safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self.timer.stop()
        self.controller.shutdown()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)
