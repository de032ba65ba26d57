"""Menu entry points for the issue-17 tools: Layer > New Contrast Mask Adjustment, Layer >
Mask From Layer Below, and the Image menu (crop to a ratio, rotate, flip, resample, reset).

Wiring only: every action calls one Document method (editor/core/recipes.py,
editor/core/geometry_edits.py) through ``model.run``, so a refused edit shows one message.
The canvas follows the output size after a geometry change, undo and redo included.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QInputDialog,
                             QLabel, QMenu, QSpinBox, QWidget)

from editor.ui.common.i18n import tr
from editor.core.geometry import CROP_RATIOS


class ToolsMenus:
    def __init__(self, window: Any, layer_menu: QMenu) -> None:
        self.window = window
        self.model = window.model
        lay = layer_menu
        lay.addSeparator()
        self.act_contrast_mask = self._add(lay, tr("New &Contrast Mask Adjustment"),
                                           self.add_contrast_mask_adjustment)
        self.act_mask_from_below = self._add(lay, tr("&Mask From Layer Below"), self.mask_from_below)

        img = QMenu(tr("&Image"), window)
        window.menuBar().insertMenu(layer_menu.menuAction(), img)
        self.image_menu = img
        crop = img.addMenu(tr("&Crop to Ratio"))
        # Width:height as written, as Photoshop's ratio presets: 3:2 is landscape on any
        # picture, 2:3 portrait (an upright nebula framed on a landscape frame).
        ratios = [name for name in CROP_RATIOS if name not in ("free", "1:1")]
        self._add(crop, "1:1", lambda: self._doc_run("crop_to_ratio", "1:1"))
        for name in ratios:
            self._add(crop, name, lambda r=name: self._doc_run("crop_to_ratio", r, False))
        crop.addSeparator()
        for name in ratios:
            w, h = name.split(":")
            self._add(crop, f"{h}:{w}", lambda r=name: self._doc_run("crop_to_ratio", r, True))
        img.addSeparator()
        self._add(img, tr("Rotate 90° &Clockwise"), lambda: self._doc_run("rotate", 90))
        self._add(img, tr("Rotate 90° C&ounter-clockwise"), lambda: self._doc_run("rotate", -90))
        self._add(img, tr("Rotate &180°"), lambda: self._doc_run("rotate", 180))
        self._add(img, tr("Rotate by &Angle…"), self.rotate_by_angle)
        self._add(img, tr("Flip &Horizontal"), lambda: self._doc_run("flip", "h"))
        self._add(img, tr("Flip &Vertical"), lambda: self._doc_run("flip", "v"))
        img.addSeparator()
        self._add(img, tr("&Resample…"), self.resample_dialog)
        self._add(img, tr("Reset &Geometry"), lambda: self._doc_run("reset_geometry"))
        # The canvas follows the output size (crops, rotations, their undo and redo).
        self.model.layers_changed.connect(self._follow_canvas)

    def _add(self, menu: QMenu, text: str, slot: Any) -> QAction:
        act = QAction(text, self.window)
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        return act

    def _doc_run(self, method: str, *args: Any) -> Any:
        doc = self.model.doc
        if doc is None:
            return None
        return self.model.run(getattr(doc, method), *args)

    def _follow_canvas(self) -> None:
        doc = self.model.doc
        canvas = self.window.editor.canvas
        if doc is not None and canvas.canvas_size != (doc.width, doc.height):
            canvas.set_canvas_size(doc.width, doc.height, fit=True)

    # ------------------------------------------------------------------ layer recipes
    def add_contrast_mask_adjustment(self) -> str | None:
        """The club recipe in one click: a curves lift through a high-pass contrast mask,
        just above the selected layer."""
        doc = self.model.doc
        if doc is None:
            return None
        index = self.window.editor.layers._insert_index()
        lid = self.model.run(doc.add_contrast_mask_adjustment, index=index)
        if lid:
            self.model.select(lid)
        return lid

    def mask_from_below(self) -> None:
        """The selected layer takes the layer just below it as its (live) mask."""
        doc, lid = self.model.doc, self.model.selected
        if doc is None or lid is None:
            return
        siblings = doc.parent_of(lid)
        layers = doc.layers if siblings is None else siblings.children
        ids = [l.id for l in layers]
        if lid in ids and ids.index(lid) > 0:
            self.model.run(doc.set_layer_as_mask, lid, ids[ids.index(lid) - 1])
        else:
            self.model.error.emit("there is no layer below the selected one to use as its mask")

    # ------------------------------------------------------------------ geometry dialogs
    def rotate_by_angle(self) -> None:
        if self.model.doc is None:
            return
        angle, ok = QInputDialog.getDouble(self.window, tr("Rotate by Angle"),
                                           tr("Degrees clockwise:"), 0.0, -360.0, 360.0, 2)
        if ok and angle:
            self._doc_run("rotate", angle)

    def resample_dialog(self) -> None:
        doc = self.model.doc
        if doc is None:
            return
        dlg = ResampleDialog(doc.width, doc.height, self.window)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.width() != doc.width:
            self.model.run(doc.resample, width=dlg.width())


class ResampleDialog(QDialog):
    """Image > Resample: the new width in pixels or as a percentage (Photoshop's Image Size),
    the height following the aspect; ``width()`` is what the document gets."""

    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Resample"))
        self._w0, self._h0 = width, height
        form = QFormLayout(self)
        self.width_box = QSpinBox()
        self.width_box.setRange(1, 1 << 20)
        self.width_box.setSuffix(" px")
        self.width_box.setValue(width)
        self.percent = QDoubleSpinBox()
        self.percent.setRange(0.01, 10000.0)
        self.percent.setDecimals(2)
        self.percent.setSuffix(" %")
        self.percent.setValue(100.0)
        self.size_label = QLabel()
        form.addRow(tr("New width (px), aspect kept:"), self.width_box)
        form.addRow("%", self.percent)
        form.addRow(self.size_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.width_box.valueChanged.connect(self._on_width)
        self.percent.valueChanged.connect(self._on_percent)
        self._show_size()

    def width(self) -> int:  # noqa: D102 - the new width in pixels
        return self.width_box.value()

    def _on_percent(self, pct: float) -> None:
        self.width_box.blockSignals(True)
        self.width_box.setValue(max(1, round(self._w0 * pct / 100.0)))
        self.width_box.blockSignals(False)
        self._show_size()

    def _on_width(self, w: int) -> None:
        self.percent.blockSignals(True)
        self.percent.setValue(100.0 * w / self._w0)
        self.percent.blockSignals(False)
        self._show_size()

    def _show_size(self) -> None:
        w = self.width_box.value()
        self.size_label.setText(f"{self._w0} x {self._h0} → {w} x {max(1, round(self._h0 * w / self._w0))} px")


def install_tools_menus(window: Any, layer_menu: QMenu) -> ToolsMenus:
    return ToolsMenus(window, layer_menu)
