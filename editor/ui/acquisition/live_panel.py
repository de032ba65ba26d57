"""The "Live view" box of the Acquisition tab (short exposures in a loop, optionally stacked
live) and how a captured frame or the live stack is handed to the editor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox, QLabel,
                             QPushButton, QWidget)

from editor.acquisition.camera import RawFrame
from editor.acquisition.colour_frames import mosaic_pattern
from editor.acquisition.live_stack import normalise
from editor.io.image import ImageMeta

# FITS structure cards of the driver's file: the editor's export writes its own
_STRUCTURE_CARDS = ("SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND",
                    "BZERO", "BSCALE", "COMMENT", "HISTORY", "")


class LivePanel(QGroupBox):
    """Exposure, Start/Stop live view, live stack mode and reset, "to editor" buttons, the
    stack's frame count and "Debayer colour frames". The tab wires the buttons to the
    controller, and :meth:`attach` gives the debayer box the controller it drives."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Live view", parent)
        self.live_exposure = QDoubleSpinBox(minimum=0.001, maximum=60, value=1.0, decimals=3,
                                            suffix=" s")
        self.live_btn = QPushButton("Start live view")
        self.live_btn.setCheckable(True)
        self.stack_check = QCheckBox("Live stack")
        self.stack_mode = QComboBox()
        self.stack_mode.addItem("Running mean", "mean")
        self.stack_mode.addItem("Sigma-clipped mean", "sigma")
        self.reset_btn = QPushButton("Reset stack")
        self.send_stack_btn = QPushButton("Stack to editor")
        self.send_frame_btn = QPushButton("Frame to editor")
        self.stack_label = QLabel("")
        self.debayer_check = QCheckBox("Debayer colour frames")
        self.debayer_check.setChecked(True)
        self.debayer_check.setToolTip("Show and live-stack one-shot-colour (Bayer) frames in "
                                      "colour. Saved frames stay raw mosaics.")
        self.debayer_check.toggled.connect(self._debayer_toggled)
        self._controller: Any = None
        g = QGridLayout(self)
        g.addWidget(QLabel("Exposure"), 0, 0)
        g.addWidget(self.live_exposure, 0, 1)
        g.addWidget(self.live_btn, 0, 2)
        g.addWidget(self.stack_check, 1, 0)
        g.addWidget(self.stack_mode, 1, 1)
        g.addWidget(self.reset_btn, 1, 2)
        g.addWidget(self.send_stack_btn, 2, 1)
        g.addWidget(self.send_frame_btn, 2, 2)
        g.addWidget(self.debayer_check, 2, 0)
        g.addWidget(self.stack_label, 3, 0, 1, 3)

    def attach(self, controller: Any) -> None:
        """Drive ``controller``'s debayering (an AcquisitionController) from the check box."""
        self._controller = controller
        controller.set_debayer(self.debayer_check.isChecked())

    def _debayer_toggled(self, on: bool) -> None:
        if self._controller is not None:
            self._controller.set_debayer(on)

    def show_stopped(self) -> None:
        """The live view ended (stopped or failed): the button reads "Start" again."""
        self.live_btn.blockSignals(True)
        self.live_btn.setChecked(False)
        self.live_btn.setText("Start live view")
        self.live_btn.blockSignals(False)

    def show_stack(self, result: Any) -> str:
        """Show a live-stack result's frame count; returns the text."""
        text = f"Stack: {result.frames} frame(s), {result.rejected} rejected"
        if not result.accepted:
            text += f" — last frame rejected: {result.reason}"
        self.stack_label.setText(text)
        return text


def frame_for_editor(frame: RawFrame) -> tuple[np.ndarray, ImageMeta, str]:
    """(float32 pixels 0..1, ImageMeta with the frame's FITS cards, name) of a captured frame."""
    cards = {"INSTRUME": frame.camera, "EXPTIME": frame.settings.exposure,
             "IMAGETYP": frame.settings.frame_type}
    cards.update({k: frame.driver_header[k] for k in frame.driver_header
                  if k not in _STRUCTURE_CARDS})
    path = frame.extra.get("path")
    name = Path(path).stem if path else f"{frame.camera} {frame.settings.exposure:g} s"
    data = normalise(frame.data)
    data.flags.writeable = False
    meta = ImageMeta(path=str(path or ""), format="FITS" if path else "array",
                     original_dtype=str(frame.data.dtype), header=cards,
                     bayer_pattern=mosaic_pattern(cards) if data.ndim == 2 else None)
    return data, meta, name


def stack_for_editor(snapshot: tuple[np.ndarray, dict, str]) -> tuple[np.ndarray, ImageMeta, str]:
    """(pixels, ImageMeta with the stack's FITS cards, name) of a live-stack snapshot.

    A colour stack is (H, W, 3) with no BAYERPAT; its HISTORY card (how it was debayered)
    also becomes a note, so exports record it."""
    image, cards, name = snapshot
    notes = [str(cards["HISTORY"]).removeprefix("Nebulayer: ")] if "HISTORY" in cards else []
    return image, ImageMeta(format="array", original_dtype="float32", header=dict(cards),
                            notes=notes), name
