"""The Acquisition tab: tether a camera through INDI, run sequences, live view and live stack.

All device work happens in :class:`~editor.acquisition.controller.AcquisitionController`'s
threads; this widget only sends it commands and, every 50 ms, drains its event queue (at most
one picture is drawn per tick, so a fast live view never floods the UI thread). Its boxes live
in their own modules: devices_panel (server, devices), sequence_panel and live_panel; what a
frame becomes in the editor is :mod:`editor.acquisition.to_editor`.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QApplication, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from editor.ui.common.i18n import tr
from editor.acquisition.camera import CameraCapabilities, FrameSettings, RawFrame
from editor.acquisition.controller import AcqEvent, AcquisitionController
from editor.acquisition.sequence import SequenceStep
from editor.acquisition.settings import AcquisitionSettings
from editor.acquisition.to_editor import frame_for_editor, stack_for_editor
from editor.errors import ImageWriteError, NebulayerError
from editor.ui.acquisition.devices_panel import DevicesBox, ServerBox
from editor.ui.acquisition.live_panel import LivePanel
from editor.ui.acquisition.sequence_panel import COLUMNS, NO_FILTER, SequencePanel
from editor.ui.acquisition.stack_panel import StackPanel

pg.setConfigOptions(imageAxisOrder="row-major")
log = logging.getLogger(__name__)

__all__ = ["AcquisitionTab", "COLUMNS", "NO_FILTER"]


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
        self._auto_chosen: set[str] = set()  # "camera" once selected on this link
        self.last_frame: RawFrame | None = None
        self.frames_shown = 0
        self._shut_down = False
        self._build()
        self.live.attach(self.controller)
        self._set_connected(False)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll_events)
        self.timer.start(50)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        server = self.server_box = ServerBox(self.settings)
        devices = self.devices_box = DevicesBox()
        seq = self.sequence = SequencePanel(self.settings)
        live = self.live = LivePanel()
        self.stack_panel = StackPanel(default_folder=self._session_folder)
        self.stack_panel.stacked.connect(self.open_in_editor.emit)
        live.masters.session_folder = lambda: (self.stack_panel.folder.text()
                                               or self._session_folder())
        # the controls, under the names the rest of the tab (and its tests) use
        self.host, self.port, self.auto_reconnect = server.host, server.port, server.auto_reconnect
        self.connect_btn, self.disconnect_btn = server.connect_btn, server.disconnect_btn
        self.device_list, self.caps_label = devices.device_list, devices.caps_label
        self.camera_combo, self.wheel_combo = devices.camera_combo, devices.wheel_combo
        self.table, self.out_dir, self.object_name = seq.table, seq.out_dir, seq.object_name
        self.delay, self.roi = seq.delay, seq.roi
        self.start_btn, self.capture_btn, self.abort_btn = seq.start_btn, seq.capture_btn, seq.abort_btn
        self.frame_bar, self.seq_bar, self.progress_label = seq.frame_bar, seq.seq_bar, seq.progress_label
        self.live_exposure, self.live_btn = live.live_exposure, live.live_btn
        self.stack_check, self.stack_mode, self.reset_btn = live.stack_check, live.stack_mode, live.reset_btn
        self.send_stack_btn, self.send_frame_btn = live.send_stack_btn, live.send_frame_btn
        self.stack_label = live.stack_label

        self.connect_btn.clicked.connect(self.connect_server)
        self.disconnect_btn.clicked.connect(self.controller.disconnect)
        self.auto_reconnect.toggled.connect(self._on_auto_reconnect)
        self.camera_combo.activated.connect(self._on_camera_chosen)
        self.wheel_combo.activated.connect(self._on_wheel_chosen)
        self.start_btn.clicked.connect(self.start_sequence)
        self.capture_btn.clicked.connect(self.capture_one)
        self.abort_btn.clicked.connect(self.controller.abort)
        self.live_btn.toggled.connect(self.toggle_live)
        self.reset_btn.clicked.connect(self.controller.reset_stack)
        self.send_stack_btn.clicked.connect(self.send_stack)
        self.send_frame_btn.clicked.connect(self.send_frame)

        column = QWidget()
        lv = QVBoxLayout(column)
        for w in (server, devices, seq, live, self.stack_panel):
            lv.addWidget(w)
        lv.addStretch(1)
        # the controls scroll instead of being squeezed on a 1366x768 screen
        left = QScrollArea()
        left.setWidget(column)
        left.setWidgetResizable(True)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(column.sizeHint().width() + 20)

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
        self.status = QLabel(tr("Not connected"))
        self.status.setWordWrap(True)
        outer = QVBoxLayout(self)
        outer.addWidget(split, 1)
        outer.addWidget(self.status)

    @property
    def filters(self) -> list[str]:
        """The filter wheel's slot names (empty without a wheel)."""
        return self.sequence.filters

    def add_row(self, *args: Any, **kwargs: Any) -> None:
        """Append a sequence step (see SequencePanel.add_row)."""
        self.sequence.add_row(*args, **kwargs)

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
        self._auto_chosen.add("camera")
        self.settings.camera = name or ""
        self._save_settings()
        self.controller.select_camera(name)

    def _on_wheel_chosen(self, index: int) -> None:
        name = self.wheel_combo.itemData(index)
        self.settings.wheel = name or ""
        self._save_settings()
        self.controller.select_wheel(name)

    def steps(self) -> list[SequenceStep]:
        """The sequence table as steps (with the ISO chosen for a DSLR); raises
        NebulayerError naming a bad cell."""
        iso = self.devices_box.iso_combo.currentData()
        steps = self.sequence.steps()
        return [dataclasses.replace(s, iso=iso) for s in steps] if iso else steps

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
                                 step.offset, step.binning, step.roi, step.frame_type, iso=step.iso)
        except NebulayerError as exc:
            self.show_error(str(exc))
            return None

    def capture_one(self) -> None:
        exposure = float(self.sequence.one_exposure.value())
        if exposure != self.settings.single_exposure:
            self.settings.single_exposure = exposure
            self._save_settings()
        settings = self._first_settings(exposure)
        if settings is not None and self.controller.capture_one(settings) is not None:
            self._set_busy(True)

    def toggle_live(self, on: bool) -> None:
        if not on:
            self.controller.abort()
            self.live_btn.setText(tr("Start live view"))
            return
        settings = self._first_settings(self.live_exposure.value())
        future = None
        if settings is not None:
            future = self.controller.start_live(settings, stack=self.stack_check.isChecked(),
                                                mode=self.stack_mode.currentData())
        if future is None:
            self.live_btn.setChecked(False)
            return
        self.live_btn.setText(tr("Stop live view"))
        self._set_busy(True, live=True)

    def _session_folder(self) -> str:
        """Where this session's frames go (the Stack box's default folder)."""
        from editor.acquisition.frame_writer import session_dir

        return str(session_dir(self.out_dir.text(), self.object_name.text().strip() or None))

    def send_stack(self) -> None:
        snap = self.controller.stack_snapshot()
        if snap is None:
            self.show_error("the live stack is empty")
            return
        self.open_in_editor.emit(stack_for_editor(snap))

    def send_frame(self) -> None:
        frame = self.last_frame
        if frame is None or frame.data is None:
            self.show_error("no frame to send yet")
            return
        self.open_in_editor.emit(frame_for_editor(frame))

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
            self.status.setText(tr('Connected to {p}').format(p=p))
        elif kind == "disconnected":
            if p == "disconnected":  # asked for: forget the camera (a lost link keeps it)
                self.caps = None
                self.caps_label.setText(tr("No camera selected"))
            self._set_connected(False)
            self.status.setText(tr('Disconnected: {p}').format(p=p))
        elif kind == "reconnecting":
            self.status.setText(tr('Server lost; trying again in {p:g} s…').format(p=p))
        elif kind == "devices":
            self._fill_devices(p)
        elif kind == "camera":
            self.caps = p
            self.caps_label.setText(p.describe() if p is not None else tr("No camera selected"))
            self.devices_box.set_iso_choices(getattr(p, "iso_choices", ()) if p is not None else ())
            self._set_busy(self.controller.busy)
        elif kind == "wheel":
            self.sequence.set_filters(p)
        elif kind == "progress":
            self.sequence.show_progress(p)
        elif kind == "frame":
            frame: RawFrame = p["frame"]
            frame.extra["path"] = p["path"]
            self.last_frame = frame
            if p["path"] is not None:
                self.status.setStyleSheet("")
                self.status.setText(tr('Saved {0}').format(p['path']))
            if p["preview"] is not None:
                return p["preview"], self._describe(frame)
        elif kind == "live_frame":
            self.last_frame = p["frame"]
            self._newest_live = p["preview"]  # shown instead of the stack if it is rejected
            if not self.stack_check.isChecked():
                return p["preview"], self._describe(p["frame"])
        elif kind == "stack":
            result = p["result"]
            text = self.live.show_stack(result)
            if p["preview"] is not None:
                return p["preview"], text
            newest = getattr(self, "_newest_live", None)
            if not result.accepted and newest is not None:  # what went wrong, and why
                return newest, tr("Newest frame, rejected: {reason} (stack: {n} frame(s))").format(
                    reason=result.reason, n=result.frames)
        elif kind == "sequence_done":
            self.sequence.sequence_done(p.aborted)
        elif kind == "job_done":
            self._set_busy(False)
            self.live.show_stopped()
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

    def _fill_devices(self, devices: list) -> None:
        self.devices_box.fill(devices, self.settings)
        # The only camera, or the one used last time, is connected without a click (capture
        # programs do so): the combo showed it, or "(none)", with Take one frame greyed.
        # Asked once per connection: the device list comes again while the camera connects.
        # (Not the wheel: cameras often list a "filter wheel" of their own beside the real one.)
        combo = self.camera_combo
        if combo.currentData() is None and combo.count() == 2:
            combo.setCurrentIndex(1)
        if combo.currentData() and "camera" not in self._auto_chosen:
            self._on_camera_chosen(combo.currentIndex())

    def show_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #e05050;")
        self.status.setText(text)

    def _set_connected(self, on: bool) -> None:
        if not on:
            self._auto_chosen.clear()  # the next connection picks the camera again
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
