"""The "Sequence" box of the Acquisition tab: the table of steps (count x filter x exposure,
frame type, gain, offset, binning), where frames are saved, and the sequence's progress."""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFileDialog,
                             QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                             QProgressBar, QPushButton, QTableWidget, QTableWidgetItem,
                             QVBoxLayout, QWidget)

from editor.ui.common.i18n import tr
from editor.acquisition.camera import FRAME_TYPES
from editor.acquisition.sequence import SequenceProgress, SequenceStep, parse_roi
from editor.acquisition.settings import AcquisitionSettings
from editor.errors import NebulayerError

NO_FILTER = "(current)"
COLUMNS = ("Count", "Filter", "Exposure (s)", "Type", "Gain", "Offset", "Bin")


class SequencePanel(QGroupBox):
    """Steps, output folder, object name, delay, region; Start / Take one / Abort buttons
    (wired by the tab) and the frame and sequence progress bars."""

    def __init__(self, settings: AcquisitionSettings, parent: QWidget | None = None) -> None:
        super().__init__(tr("Sequence"), parent)
        self.filters: list[str] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        # columns as wide as their headers (readable at 1366x768); the table scrolls sideways
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_row()
        self.table.resizeColumnsToContents()  # wide enough for every header, no sideways scroll
        self.table.setMinimumWidth(self.table.horizontalHeader().length() + 2 * self.table.frameWidth()
                                   + self.table.verticalHeader().sizeHint().width() + 24)
        add = QPushButton(tr("Add step"))
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton(tr("Remove step"))
        remove.clicked.connect(self.remove_selected)
        self.out_dir = QLineEdit(settings.out_dir)
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        self.object_name = QLineEdit(settings.object_name)
        self.object_name.setPlaceholderText(tr("e.g. M42 (names the session folder)"))
        self.delay = QDoubleSpinBox(maximum=3600, decimals=1, suffix=" s")
        self.roi = QLineEdit()
        self.roi.setPlaceholderText(tr("full frame, or x,y,width,height (sensor pixels)"))
        self.start_btn = QPushButton(tr("Start sequence"))
        self.capture_btn = QPushButton(tr("Take one frame"))
        # its own exposure (framing, focus): short by default, the last one remembered
        self.one_exposure = QDoubleSpinBox(minimum=0.001, maximum=3600, decimals=3, suffix=" s",
                                           value=settings.single_exposure)
        self.one_exposure.setToolTip(tr("Exposure of \"Take one frame\" (the sequence's steps keep theirs)"))
        self.abort_btn = QPushButton(tr("Abort"))
        self.frame_bar = QProgressBar(format=tr("frame %p%"))
        self.seq_bar = QProgressBar(format=tr("sequence %p%"))
        self.progress_label = QLabel("")
        v = QVBoxLayout(self)
        v.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        v.addLayout(row)
        f2 = QFormLayout()
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir)
        out_row.addWidget(browse)
        f2.addRow(tr("Save to"), out_row)
        f2.addRow(tr("Object"), self.object_name)
        f2.addRow(tr("Delay between frames"), self.delay)
        f2.addRow(tr("Region"), self.roi)
        v.addLayout(f2)
        row = QHBoxLayout()
        for b in (self.start_btn, self.capture_btn, self.one_exposure, self.abort_btn):
            row.addWidget(b)
        v.addLayout(row)
        v.addWidget(self.frame_bar)
        v.addWidget(self.seq_bar)
        v.addWidget(self.progress_label)

    def add_row(self, count: int = 10, filt: str = NO_FILTER, exposure: float = 60.0,
                frame_type: str = "light", gain: str = "", offset: str = "", binning: int = 1) -> None:
        """Append a sequence step (count x filter x exposure...)."""
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(str(count)))
        fc = QComboBox(editable=True)
        fc.addItems([tr(NO_FILTER), *self.filters])
        fc.setCurrentText(tr(filt) if filt == NO_FILTER else filt)
        self.table.setCellWidget(r, 1, fc)
        self.table.setItem(r, 2, QTableWidgetItem(f"{exposure:g}"))
        tc = QComboBox()
        for kind in FRAME_TYPES:
            tc.addItem(tr(kind), kind)
        tc.setCurrentIndex(max(0, tc.findData(frame_type)))
        self.table.setCellWidget(r, 3, tc)
        self.table.setItem(r, 4, QTableWidgetItem(gain))
        self.table.setItem(r, 5, QTableWidgetItem(offset))
        self.table.setItem(r, 6, QTableWidgetItem(str(binning)))

    def remove_selected(self) -> None:
        """Remove the selected steps (the last one when none is selected)."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or [self.table.rowCount() - 1]:
            if r >= 0:
                self.table.removeRow(r)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Save frames in"), self.out_dir.text())
        if folder:
            self.out_dir.setText(folder)

    def set_filters(self, filters: list[str]) -> None:
        """The filter wheel's slot names, offered in every step (typed names are kept)."""
        self.filters = list(filters)
        for r in range(self.table.rowCount()):
            combo = self.table.cellWidget(r, 1)
            text = combo.currentText()
            combo.clear()
            combo.addItems([tr(NO_FILTER), *self.filters])
            combo.setCurrentText(text)

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
                filter=None if filt in ("", NO_FILTER, tr(NO_FILTER)) else filt,
                frame_type=self.table.cellWidget(r, 3).currentData(),
                gain=number(4, optional=True), offset=number(5, optional=True),
                binning=number(6, int), roi=roi))
        if not steps:
            raise NebulayerError("the sequence is empty: add a step")
        return steps

    def show_progress(self, p: SequenceProgress) -> None:
        self.frame_bar.setValue(int(round(p.frame_fraction * 100)))
        self.seq_bar.setValue(int(round(p.fraction * 100)))
        self.progress_label.setText(tr('Frame {frame}/{total}: {0} — {state}').format(p.step.label(), frame=p.frame, total=p.total, state=tr(p.state)))

    def sequence_done(self, aborted: bool) -> None:
        self.seq_bar.setValue(100 if not aborted else self.seq_bar.value())
