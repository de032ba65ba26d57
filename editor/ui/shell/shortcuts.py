"""Photoshop's habits: tool keys, Merge Down, opacity digits, Alt-click on a mask thumbnail,
the crop tool's bar, and Help > Keyboard Shortcuts (generated from the window's actions).

Keys (as in Photoshop): B brush, V move (pan), M rectangle (crop: drag, Enter applies, Esc
cancels), Ctrl+E Merge Down, 1..9 and 0 set the selected layer's opacity to 10..90 and 100 %.
Single keys are window shortcuts: a focused text or number field still gets its digits
(Qt offers the key to the field first), as Photoshop does.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout,
                             QHeaderView, QLabel, QMenu, QPushButton, QTableWidget,
                             QTableWidgetItem, QVBoxLayout, QWidget)

from editor.core.geometry import CROP_RATIOS
from editor.ui.canvas.crop_tool import CropTool
from editor.ui.common.i18n import tr
from editor.ui.panels.layer_tree import COL_MASK, COL_NAME, ID_ROLE

#: Ratios of the crop bar: label -> w/h (None = free, "original" = the document's own).
#: Portrait ratios too: a nebula framed upright (the Horsehead, the Pillars) is 2:3 or 4:5.
CROP_CHOICES: dict[str, Any] = {"free": None, "1:1": 1.0, "3:2": 1.5, "2:3": 2 / 3, "4:3": 4 / 3,
                                "3:4": 3 / 4, "5:4": 5 / 4, "4:5": 4 / 5, "16:9": 16 / 9,
                                "9:16": 9 / 16, "2:1": 2.0, "original": "original"}


class PhotoshopKeys:
    def __init__(self, window: Any, layer_menu: QMenu, help_menu: QMenu) -> None:
        self.window = window
        self.model = window.model
        ed = window.editor
        self.canvas, self.masks, self.layers = ed.canvas, ed.masks, ed.layers
        self.crop = CropTool(self.canvas, self._apply_crop)
        self.crop_bar = self._make_crop_bar()
        window.statusBar().addPermanentWidget(self.crop_bar)
        self.crop_bar.hide()

        tools = QMenu(tr("&Tools"), window)
        window.menuBar().insertMenu(layer_menu.menuAction(), tools)
        self.tools_menu = tools
        self.act_brush = self._add(tools, tr("&Brush"), self.brush_tool, "B")
        self.act_move = self._add(tools, tr("&Move / Pan"), self.move_tool, "V")
        self.act_crop = self._add(tools, tr("&Crop (Rectangle)"), self.crop_tool, "M")

        layer_menu.addSeparator()
        self.act_merge = self._add(layer_menu, tr("&Merge Down"), self.merge_down, "Ctrl+E")
        # as in Photoshop, greyed (and Ctrl+E inert) without a visible pixel layer below
        for signal in (self.model.selection_changed, self.model.layers_changed,
                       self.model.layer_changed, self.model.document_replaced):
            signal.connect(lambda *_a: self._update_merge())
        self._update_merge()
        opacity = layer_menu.addMenu(tr("&Opacity"))
        for digit in range(10):
            pct = 100 if digit == 0 else digit * 10
            self._add(opacity, f"{pct} %", lambda p=pct: self.set_opacity(p / 100.0), str(digit))

        self.layers.tree.itemClicked.connect(self._on_tree_click)
        self.masks.brush_toggled.connect(lambda on: on and self.crop.activate(False))

        help_menu.insertAction(help_menu.actions()[0] if help_menu.actions() else None,
                               self._action(tr("&Keyboard Shortcuts"), self.show_shortcuts))

    def _action(self, text: str, slot: Any, key: str | None = None) -> QAction:
        act = QAction(text, self.window)
        if key:
            act.setShortcut(QKeySequence(key))
        act.triggered.connect(lambda _c=False: slot())
        return act

    def _add(self, menu: QMenu, text: str, slot: Any, key: str | None = None) -> QAction:
        act = self._action(text, slot, key)
        menu.addAction(act)
        return act

    # ------------------------------------------------------------------ tools
    def brush_tool(self) -> None:
        self.crop.activate(False)
        self.crop_bar.hide()
        if self.masks.brush_box.isEnabled():
            self.masks.brush_box.setChecked(True)
            self.masks.parentWidget() and self.masks.parentWidget().raise_()
        else:
            self.window.statusBar().showMessage(
                tr("The brush paints on a layer mask: select a layer and add a white or black mask first"), 8000)

    def move_tool(self) -> None:
        self.crop.activate(False)
        self.crop_bar.hide()
        self.masks.brush_box.setChecked(False)

    def crop_tool(self) -> None:
        if self.model.doc is None:
            return
        self.masks.brush_box.setChecked(False)
        self._on_ratio()
        self.crop.activate(True)
        self.crop_bar.show()
        self.window.statusBar().showMessage(
            tr("Crop: drag a rectangle on the image, Enter applies, Esc cancels"), 8000)

    def _make_crop_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(tr("Crop ratio:")))
        self.ratio_box = QComboBox()
        for name in CROP_CHOICES:
            self.ratio_box.addItem(tr(name) if name in ("free", "original") else name, name)
        self.ratio_box.currentIndexChanged.connect(lambda _i: self._on_ratio())
        row.addWidget(self.ratio_box)
        apply_btn, cancel_btn = QPushButton(tr("Apply")), QPushButton(tr("Cancel"))
        apply_btn.clicked.connect(lambda: self.crop.apply())
        cancel_btn.clicked.connect(self.move_tool)
        row.addWidget(apply_btn)
        row.addWidget(cancel_btn)
        return bar

    def _on_ratio(self) -> None:
        choice = CROP_CHOICES[self.ratio_box.currentData()]
        doc = self.model.doc
        if choice == "original":
            choice = doc.width / doc.height if doc is not None and doc.height else None
        self.crop.set_ratio(choice)

    def _apply_crop(self, x: int, y: int, w: int, h: int) -> None:
        doc = self.model.doc
        if doc is not None and (x, y, w, h) != (0, 0, doc.width, doc.height):
            self.model.run(doc.crop, x, y, w, h)

    # ------------------------------------------------------------------ layers
    def merge_problem(self) -> str | None:
        """Why Merge Down cannot run on the selection now (None: it can)."""
        from editor.render.merge_down import merge_down_problem

        doc, lid = self.model.doc, self.model.selected
        if doc is None or lid is None:
            return tr("no layer is selected")
        return merge_down_problem(doc, lid)

    def _update_merge(self) -> None:
        problem = self.merge_problem()
        self.act_merge.setEnabled(problem is None)
        self.act_merge.setToolTip(problem or tr("Merge the selected layer into the image layer below"))

    def merge_down(self) -> str | None:
        """Ctrl+E: the selected layer and the one below become one image layer (undoable);
        a full-resolution render, so it runs as a job with progress and Cancel."""
        from editor.render.merge_down import merge_down
        from editor.ui.common.error_dialogs import show_error
        from editor.ui.common.job_runner import run_job

        doc, lid = self.model.doc, self.model.selected
        problem = self.merge_problem()
        if doc is None or lid is None or problem is not None:
            if problem is not None:  # one line in the status bar, no dialog storm
                self.window.statusBar().showMessage(problem, 8000)
            return None

        return run_job(self.window, tr("Merging layers…"),
                       lambda progress: merge_down(doc, lid, progress), self.model.select,
                       lambda msg: show_error(self.window, msg))

    def set_opacity(self, opacity: float) -> None:
        doc, lid = self.model.doc, self.model.selected
        if doc is not None and lid is not None:
            self.model.run(doc.set_layer_props, lid, opacity=opacity)

    def _on_tree_click(self, item: Any, column: int) -> None:
        """Alt-click on a mask thumbnail shows that mask alone (again: back to the image)."""
        if column != COL_MASK or not (QApplication.keyboardModifiers() & Qt.KeyboardModifier.AltModifier):
            return
        lid = item.data(COL_NAME, ID_ROLE)
        doc = self.model.doc
        if doc is None or lid is None or doc.layer(lid).mask is None:
            return
        self.model.select(lid)
        box = self.masks.show_alone
        box.setChecked(not box.isChecked())

    # ------------------------------------------------------------------ help
    def show_shortcuts(self) -> QDialog:
        dlg = ShortcutsDialog(shortcut_rows(self.window), self.window)
        dlg.show()
        return dlg


def shortcut_rows(window: Any) -> list[tuple[str, str, str]]:
    """(menu, command, keys) of every menu action with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []
    fixed = {id(a): t for a, t in ((getattr(window, "act_undo", None), tr("&Undo")),
                                   (getattr(window, "act_redo", None), tr("&Redo"))) if a is not None}

    def walk(menu: QMenu, path: str) -> None:
        for act in menu.actions():
            if act.menu() is not None:
                walk(act.menu(), f"{path} > {act.menu().title().replace('&', '')}")
            elif act.shortcuts():
                keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                                 for s in act.shortcuts() if not s.isEmpty())
                if keys:  # (a standard key the platform leaves empty, e.g. Quit on Linux)
                    # Undo/Redo carry the next step's name ("Undo Crop"): list the command itself
                    text = fixed.get(id(act)) or act.text()
                    rows.append((path, text.replace("&", "").split("\t")[0], keys))

    for act in window.menuBar().actions():
        if act.menu() is not None:
            walk(act.menu(), act.menu().title().replace("&", ""))
    rows.append((tr("Canvas"), tr("Pan while painting"), tr("Space + drag")))
    rows.append((tr("Canvas"), tr("Apply / cancel the crop"), tr("Enter / Esc")))
    rows.append((tr("Layers"), tr("Show the mask alone"), tr("Alt + click on the mask thumbnail")))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Keyboard Shortcuts"))
        self.resize(620, 560)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels([tr("Menu"), tr("Command"), tr("Keys")])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


def install_shortcuts(window: Any, layer_menu: QMenu, help_menu: QMenu) -> PhotoshopKeys:
    return PhotoshopKeys(window, layer_menu, help_menu)
