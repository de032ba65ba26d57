"""The "INDI server" and "Devices" boxes of the Acquisition tab: where the server is, and
which camera and filter wheel of those it reports to use."""

from __future__ import annotations

from PyQt6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QLabel,
                             QLineEdit, QListWidget, QPushButton, QSpinBox, QWidget)

from editor.ui.common.i18n import tr
from editor.acquisition.settings import AcquisitionSettings


class ServerBox(QGroupBox):
    """Host, port, Connect / Disconnect (wired by the tab) and automatic reconnection."""

    def __init__(self, settings: AcquisitionSettings, parent: QWidget | None = None) -> None:
        super().__init__(tr("INDI server"), parent)
        self.host = QLineEdit(settings.host)
        self.port = QSpinBox(maximum=65535, minimum=1, value=settings.port)
        self.connect_btn = QPushButton(tr("Connect"))
        self.disconnect_btn = QPushButton(tr("Disconnect"))
        self.auto_reconnect = QCheckBox(tr("Reconnect automatically"), checked=settings.auto_reconnect)
        grid = QGridLayout(self)
        grid.addWidget(QLabel(tr("Host")), 0, 0)
        grid.addWidget(self.host, 0, 1)
        grid.addWidget(QLabel(tr("Port")), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(self.connect_btn, 1, 0, 1, 2)
        grid.addWidget(self.disconnect_btn, 1, 2, 1, 2)
        grid.addWidget(self.auto_reconnect, 2, 0, 1, 4)


class DevicesBox(QGroupBox):
    """The server's devices, the camera and filter wheel choices and the camera's abilities."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Devices"), parent)
        self.device_list = QListWidget()
        self.device_list.setMaximumHeight(90)
        self.camera_combo = QComboBox()
        self.wheel_combo = QComboBox()
        self.caps_label = QLabel(tr("No camera selected"))
        self.caps_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.device_list)
        form.addRow(tr("Camera"), self.camera_combo)
        form.addRow(tr("Filter wheel"), self.wheel_combo)
        form.addRow(self.caps_label)
        # DSLRs (INDI CCD_ISO): shown only when the chosen camera offers ISO speeds
        self.iso_combo = QComboBox()
        self.iso_label = QLabel(tr("ISO"))
        form.addRow(self.iso_label, self.iso_combo)
        self.set_iso_choices(())

    def set_iso_choices(self, choices: tuple[str, ...]) -> None:
        """Offer the camera's ISO speeds ("as set on the camera" first, kept by default)."""
        self.iso_combo.clear()
        self.iso_combo.addItem(tr("as set on the camera"), None)
        for c in choices:
            self.iso_combo.addItem(c, c)
        for w in (self.iso_combo, self.iso_label):
            w.setVisible(bool(choices))

    def fill(self, devices: list, settings: AcquisitionSettings) -> None:
        """List ``devices``; keep the chosen camera and wheel, else pick the remembered ones."""
        self.device_list.clear()
        for d in devices:
            kinds = ", ".join(d.kinds) or "device"
            self.device_list.addItem(f"{d.name} — {kinds}{' (connected)' if d.connected else ''}")
        for combo, wanted, pick in ((self.camera_combo, settings.camera, "camera"),
                                    (self.wheel_combo, settings.wheel, "filter wheel")):
            current = combo.currentData() or wanted
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("(none)"), None)
            for d in devices:
                if pick in d.kinds:
                    combo.addItem(d.name, d.name)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
