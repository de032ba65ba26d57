"""Dialog for a channel-combine (LRGB / RGB) layer: pick which document source feeds L, R,
G and B, whether to align them (sub-pixel, measured by the core), then see the offsets found.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

CHANNELS = ("L", "R", "G", "B")
NONE = "(none)"


class LrgbDialog(QDialog):
    """``channels()`` -> {"L": source id, "R": ..., ...}; ``mode()``; ``align()``."""

    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Channel combine (LRGB)")
        self.doc = doc
        form = QFormLayout(self)
        form.addRow(QLabel("Build colour from mono frames. Leave L empty for a plain RGB combine."))
        self.boxes: dict[str, QComboBox] = {}
        sources = [(sid, src) for sid, src in doc.sources.items() if getattr(src, "kind", "image") != "mask"]
        for i, ch in enumerate(CHANNELS):
            box = QComboBox()
            box.addItem(NONE, None)
            for sid, src in sources:
                shape = src.pixels.shape
                box.addItem(f"{src.name or sid} ({shape[1]}x{shape[0]}{'' if len(shape) == 2 else ', colour'})", sid)
            # a sensible default: the first mono sources in order R, G, B
            if ch != "L" and len(sources) >= 3 and i - 1 < len(sources):
                box.setCurrentIndex(i)
            self.boxes[ch] = box
            form.addRow(ch, box)
        self.align_box = QCheckBox("Align channels (sub-pixel, measured on the stars)")
        self.align_box.setChecked(True)
        form.addRow(self.align_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        form.addRow(self.buttons)

    def channels(self) -> dict[str, str]:
        return {ch: box.currentData() for ch, box in self.boxes.items() if box.currentData() is not None}

    def mode(self) -> str:
        return "lrgb" if "L" in self.channels() else "rgb"

    def align(self) -> bool:
        return self.align_box.isChecked()

    def _accept(self) -> None:
        ch = self.channels()
        if not all(k in ch for k in ("R", "G", "B")):
            self.message.setText("Pick a source for each of R, G and B.")
            return
        self.accept()


def describe_offsets(layer: Any) -> str:
    """'R: dy +0.12, dx -0.50 px; ...' for the status bar after alignment."""
    parts = [f"{ch}: dy {dy:+.2f}, dx {dx:+.2f} px" for ch, (dy, dx) in layer.offsets.items()]
    return "Measured offsets — " + "; ".join(parts) if parts else "No offsets measured"
