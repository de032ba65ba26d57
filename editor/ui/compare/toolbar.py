"""The comparison's control bar: which states A and B are, the mode, the shared stretch,
the blink controls, zoom buttons and export. It only holds the widgets; the view wires them.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                             QToolButton, QWidget)

from editor.ui.common.i18n import tr
from editor.render.comparison import STRETCH_CHOICES

MODES = ("split", "side_by_side", "blink")
MODE_NAMES = {"split": "Split", "side_by_side": "Side by side", "blink": "Blink"}


class CompareToolbar(QWidget):
    """A fixed-height bar, so showing the blink controls never shifts the image by a pixel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.a_combo, self.b_combo = QComboBox(), QComboBox()
        for combo in (self.a_combo, self.b_combo):
            combo.setMinimumContentsLength(10)
        self.swap_button = QToolButton(text="⇄", toolTip="Swap A and B")
        self.mode_combo = QComboBox()
        for m in MODES:
            self.mode_combo.addItem(MODE_NAMES[m], m)
        self.stretch_combo = QComboBox(toolTip="Both states always get the same screen stretch")
        for name, ref in STRETCH_CHOICES.items():
            self.stretch_combo.addItem(name, ref)
        self.interval_spin = QSpinBox(minimum=100, maximum=5000, singleStep=100, value=700,
                                      suffix=" ms", toolTip="Blink interval")
        self.play_box = QCheckBox(tr("Auto"), checked=True, toolTip=tr("Blink automatically"))
        self.flip_button = QPushButton(tr("Flip"), toolTip=tr("Show the other state (B)"))
        self.fit_button = QToolButton(text="Fit", toolTip="Fit the image in the view")
        self.one_button = QToolButton(text="1:1", toolTip="100 % (one image pixel per screen pixel)")
        self.export_button = QPushButton(tr("Export…"), toolTip=tr("Save this comparison as PNG/GIF/APNG"))

        bar = QHBoxLayout()
        for w in (QLabel("A:"), self.a_combo, self.swap_button, QLabel("B:"), self.b_combo,
                  self.mode_combo, self.stretch_combo, self.interval_spin, self.play_box,
                  self.flip_button):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.fit_button, self.one_button, self.export_button):
            bar.addWidget(w)
        self.blink_controls = (self.interval_spin, self.play_box, self.flip_button)
        self.setLayout(bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.setFixedHeight(self.sizeHint().height())

    def show_states(self, items: list[tuple[str, Any]], a: Any, b: Any) -> None:
        """List ``items`` (name, snapshot id or None = current) in both combos, select a and b."""
        ids = [sid for _, sid in items]
        for combo, value in ((self.a_combo, a), (self.b_combo, b)):
            combo.blockSignals(True)
            combo.clear()
            for name, sid in items:
                combo.addItem(name, sid)
            combo.setCurrentIndex(max(0, ids.index(value)) if items else -1)
            combo.blockSignals(False)
