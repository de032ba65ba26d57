"""The "Live view" box of the Acquisition tab (short exposures in a loop, optionally stacked
live). What a frame or the live stack becomes in the editor: :mod:`editor.acquisition.to_editor`."""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox, QLabel,
                             QPushButton, QWidget)
from editor.ui.acquisition.live_masters import LiveMastersBox
from editor.ui.common.i18n import tr


class LivePanel(QGroupBox):
    """Exposure, Start/Stop live view, live stack mode and reset, "to editor" buttons, the
    stack's frame count and "Debayer colour frames". The tab wires the buttons to the
    controller, and :meth:`attach` gives the debayer box the controller it drives."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Live view"), parent)
        self.live_exposure = QDoubleSpinBox(minimum=0.001, maximum=60, value=1.0, decimals=3,
                                            suffix=" s")
        self.live_btn = QPushButton(tr("Start live view"))
        self.live_btn.setCheckable(True)
        self.stack_check = QCheckBox(tr("Live stack"))
        self.stack_mode = QComboBox()
        self.stack_mode.addItem(tr("Running mean"), "mean")
        self.stack_mode.addItem(tr("Sigma-clipped mean"), "sigma")
        self.reset_btn = QPushButton(tr("Reset stack"))
        self.send_stack_btn = QPushButton(tr("Stack to editor"))
        self.send_frame_btn = QPushButton(tr("Frame to editor"))
        self.stack_label = QLabel("")
        self.debayer_check = QCheckBox(tr("Debayer colour frames"))
        self.debayer_check.setChecked(True)
        self.debayer_check.setToolTip(tr("Show and live-stack one-shot-colour (Bayer) frames in "
                                      "colour. Saved frames stay raw mosaics."))
        self.debayer_check.toggled.connect(self._debayer_toggled)
        self.masters = LiveMastersBox()  # master dark/flat for the live stack
        self._controller: Any = None
        g = QGridLayout(self)
        g.addWidget(QLabel(tr("Exposure")), 0, 0)
        g.addWidget(self.live_exposure, 0, 1)
        g.addWidget(self.live_btn, 0, 2)
        g.addWidget(self.stack_check, 1, 0)
        g.addWidget(self.stack_mode, 1, 1)
        g.addWidget(self.reset_btn, 1, 2)
        g.addWidget(self.send_stack_btn, 2, 1)
        g.addWidget(self.send_frame_btn, 2, 2)
        g.addWidget(self.debayer_check, 2, 0)
        g.addWidget(self.stack_label, 3, 0, 1, 3)
        g.addWidget(self.masters, 4, 0, 1, 3)
        g.addWidget(self.masters.label, 5, 0, 1, 3)

    def attach(self, controller: Any) -> None:
        """Drive ``controller``'s debayering (an AcquisitionController) from the check box."""
        self._controller = controller
        controller.set_debayer(self.debayer_check.isChecked())
        self.masters.attach(controller)

    def _debayer_toggled(self, on: bool) -> None:
        if self._controller is not None:
            self._controller.set_debayer(on)

    def show_stopped(self) -> None:
        """The live view ended (stopped or failed): the button reads "Start" again."""
        self.live_btn.blockSignals(True)
        self.live_btn.setChecked(False)
        self.live_btn.setText(tr("Start live view"))
        self.live_btn.blockSignals(False)

    def show_stack(self, result: Any) -> str:
        """Show a live-stack result's frame count; returns the text."""
        text = tr("Stack: {n} frame(s), {r} rejected").format(n=result.frames, r=result.rejected)
        if not result.accepted:
            text += tr(" — last frame rejected: {reason}").format(reason=result.reason)
        self.stack_label.setText(text)
        return text
