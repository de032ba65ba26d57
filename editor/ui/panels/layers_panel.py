"""The layers panel: the stack (top layer first, as in Photoshop), with thumbnails, mask
thumbnails, visibility, opacity, blend mode, offsets, and the add/duplicate/group/delete
buttons. Drag a row to reorder. Every action is one undoable document command.
"""

from __future__ import annotations

import itertools
from typing import Any

from PyQt6.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from editor.core.layers import BLEND_MODES
from editor.ui.common.i18n import tr
from editor.ui.common.doc_model import DocModel
from editor.ui.panels.thumbnails import THUMB_SIZE, ThumbnailWorker, to_icon

from editor.ui.panels.layer_tree import (COL_EYE, COL_MASK, COL_NAME, COL_THUMB, ID_ROLE, LayerTree,
                                  blank_thumbnail, describe, eye_icon, iter_items, no_icon, siblings)
# Sub-menus of "New Adjustment Layer" for the built-ins (Photoshop groups its adjustments the
# same way); a spec may name its own group in ``extra["group"]``; plugins get one per plugin.
MENU_GROUPS = ("Tone", "Stretch", "Colour", "Background", "Detail", "Other")
_BUILTIN_GROUPS = {
    "levels": "Tone", "curves": "Tone", "brightness_contrast": "Tone",
    "auto_stretch": "Stretch", "asinh_stretch": "Stretch", "ghs": "Stretch",
    "saturation": "Colour", "color_balance": "Colour", "colour_balance": "Colour",
    "extract_background": "Background", "neutralize_background": "Background",
    "gaussian_blur": "Detail", "highpass": "Detail", "wavelets": "Detail",
}


def menu_group(spec: Any) -> str:
    """The sub-menu an adjustment appears in."""
    if spec.extra.get("group"):
        return str(spec.extra["group"])
    if spec.source != "builtin":
        return f"Plugin: {spec.source}"
    return _BUILTIN_GROUPS.get(spec.id, "Other")


BLENDS = BLEND_MODES  # the model's list: a mode the renderer gained is offered at once


def blend_label(mode: str) -> str:
    """What the Blend box and the layer list show: "soft light" for the project's "soft_light"."""
    return tr(mode.replace("_", " "))

_drag_ids = itertools.count(1)


class LayersPanel(QWidget):
    """Signals ``add_image_requested``, ``add_lrgb_requested`` (the window opens dialogs)."""

    add_image_requested = pyqtSignal()
    add_lrgb_requested = pyqtSignal()

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._updating = False
        self._drag_key: Any = None
        self._icons: dict[tuple[str, str], Any] = {}
        self.thumbs = ThumbnailWorker(self)
        self.thumbs.ready.connect(self._on_thumbnail)
        # thumbnails wait until a slider rests: on two cores the canvas render comes first
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(400)
        self._thumb_timer.timeout.connect(self._request_thumbnails)

        self.tree = LayerTree()
        self.tree.setColumnCount(4)
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setStretchLastSection(True)
        self.tree.setMinimumHeight(4 * (THUMB_SIZE + 4))
        for col, width in ((COL_EYE, 28), (COL_THUMB, THUMB_SIZE + 8), (COL_MASK, THUMB_SIZE + 8)):
            self.tree.setColumnWidth(col, width)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.itemClicked.connect(self._on_item_clicked)
        self.tree.move_requested.connect(self._on_move)

        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity_label = QLabel("100 %")
        self.opacity_label.setMinimumWidth(40)
        self.blend = QComboBox()
        for mode in BLENDS:
            self.blend.addItem(blend_label(mode), mode)
        self.offset_y = _offset_spin()
        self.offset_x = _offset_spin()
        self.opacity.sliderPressed.connect(self._begin_drag)
        self.opacity.sliderReleased.connect(self._end_drag)
        self.opacity.valueChanged.connect(self._on_opacity)
        self.blend.currentIndexChanged.connect(lambda _i: self._set_props(blend=self.blend.currentData()))
        self.offset_y.valueChanged.connect(self._on_offset)
        self.offset_x.valueChanged.connect(self._on_offset)

        row1 = QHBoxLayout()
        row1.addWidget(QLabel(tr("Blend")))
        row1.addWidget(self.blend, 1)
        row1.addWidget(QLabel(tr("Opacity")))
        row1.addWidget(self.opacity, 1)
        row1.addWidget(self.opacity_label)
        self.offset_row = QWidget()
        row2 = QHBoxLayout(self.offset_row)
        row2.setContentsMargins(0, 0, 0, 0)
        row2.addWidget(QLabel(tr("Offset x")))
        row2.addWidget(self.offset_x)
        row2.addWidget(QLabel("y"))
        row2.addWidget(self.offset_y)
        row2.addStretch(1)

        self.add_menu = QMenu(self)
        buttons = QHBoxLayout()
        self.btn_image = _tool(tr("Image…"), tr("Add an image layer from a file"), self.add_image_requested.emit)
        self.btn_adjust = _tool(tr("Adjust ▾"), tr("Add an adjustment layer"))
        self.btn_adjust.setMenu(self.add_menu)
        self.btn_adjust.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.btn_lrgb = _tool(tr("LRGB…"), tr("Add a channel-combine (LRGB) layer"), self.add_lrgb_requested.emit)
        self.btn_group = _tool(tr("Group"), tr("Put the selected layer in a new group"), self.group_selected)
        self.btn_dup = _tool(tr("Dup"), tr("Duplicate the selected layer (Ctrl+J)"), self.duplicate_selected)
        self.btn_del = _tool(tr("Delete"), tr("Delete the selected layer"), self.delete_selected)
        for b in (self.btn_image, self.btn_adjust, self.btn_lrgb, self.btn_group, self.btn_dup, self.btn_del):
            buttons.addWidget(b)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row1)
        layout.addWidget(self.offset_row)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.build_adjustment_menu()

        model.document_replaced.connect(lambda _d: self.rebuild())
        model.layers_changed.connect(self.rebuild)
        model.layer_changed.connect(self._on_layer_changed)
        model.mask_changed.connect(self._on_layer_changed)
        model.errors_changed.connect(self.refresh_warnings)
        model.selection_changed.connect(self._show_selection)

    # adjustment menu, from the registry (plugins included)
    def build_adjustment_menu(self) -> None:
        """Every adjustment of the registry, grouped in sub-menus (plugins by plugin)."""
        from editor.plugins.registry import get_registry

        self.add_menu.clear()
        groups: dict[str, list[Any]] = {}
        for spec in get_registry().specs("adjustment"):
            groups.setdefault(menu_group(spec), []).append(spec)
        order = [g for g in MENU_GROUPS if g in groups] + sorted(set(groups) - set(MENU_GROUPS))
        for group in order:
            menu = self.add_menu.addMenu(tr(group))
            for spec in sorted(groups[group], key=lambda s: s.name.lower()):
                act = QAction(tr(spec.name), menu)
                act.setToolTip(tr(spec.doc.splitlines()[0]) if spec.doc else spec.id)
                act.setStatusTip(act.toolTip())
                act.setData(spec.id)
                act.triggered.connect(lambda _c=False, k=spec.id: self.add_adjustment(k))
                menu.addAction(act)

    # building the tree
    def rebuild(self) -> None:
        doc = self.model.doc
        self._updating = True
        try:
            self.tree.clear()
            if doc is None:
                return
            self._add_items(self.tree.invisibleRootItem(), doc.layers)
            self.tree.expandAll()
        finally:
            self._updating = False
        self._show_selection(self.model.selected)
        self._thumb_timer.start()

    def _add_items(self, parent: QTreeWidgetItem, layers: list[Any]) -> None:
        for layer in reversed(layers):  # top of the stack first
            item = QTreeWidgetItem(parent)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled
                          | Qt.ItemFlag.ItemIsDropEnabled)
            self._fill_item(item, layer)
            children = getattr(layer, "children", None)
            if children is not None:
                self._add_items(item, children)

    def _fill_item(self, item: QTreeWidgetItem, layer: Any) -> None:
        item.setData(COL_NAME, ID_ROLE, layer.id)
        item.setIcon(COL_EYE, eye_icon() if layer.visible else no_icon())
        item.setData(COL_EYE, ID_ROLE, bool(layer.visible))
        item.setToolTip(COL_EYE, "Visible (click to hide)" if layer.visible else "Hidden (click to show)")
        text = layer.name
        if layer.opacity < 1.0 or layer.blend != "normal":
            text += f"  ({blend_label(layer.blend)}, {layer.opacity * 100:.0f} %)"
        if getattr(layer, "unavailable", False) or getattr(layer, "error", None):
            text = "⚠ " + text
            item.setToolTip(COL_NAME, getattr(layer, "error", None) or "operation not available")
        else:
            item.setToolTip(COL_NAME, describe(layer))
        item.setText(COL_NAME, text)
        for col, which in ((COL_THUMB, "layer"), (COL_MASK, "mask")):
            icon = self._icons.get((layer.id, which))
            if icon is not None and (which == "layer" or layer.mask is not None):
                item.setIcon(col, icon)
            else:
                item.setIcon(col, to_icon(blank_thumbnail()) if which == "layer" else no_icon())

    def _request_thumbnails(self) -> None:
        from editor.core.layers import walk

        doc = self.model.doc
        if doc is None:
            return
        items: list[tuple[str, str]] = []
        for layer in walk(doc.layers):
            items.append((layer.id, "layer"))
            if layer.mask is not None:
                items.append((layer.id, "mask"))
        self.thumbs.request(doc, items)

    def _on_thumbnail(self, doc: Any, lid: str, which: str, arr: Any) -> None:
        if doc is not self.model.doc:
            return
        icon = to_icon(arr)
        self._icons[(lid, which)] = icon
        item = self._find(lid)
        if item is not None:
            self._updating = True
            try:
                item.setIcon(COL_THUMB if which == "layer" else COL_MASK, icon)
            finally:
                self._updating = False

    def _find(self, lid: str | None) -> QTreeWidgetItem | None:
        if lid is None:
            return None
        it = iter_items(self.tree)
        for item in it:
            if item.data(COL_NAME, ID_ROLE) == lid:
                return item
        return None

    def refresh_warnings(self) -> None:
        """A render found new failures (or cleared old ones): refill the rows in place, so
        selection, expansion and scrolling stay as they are."""
        from editor.core.layers import walk

        doc = self.model.doc
        if doc is None:
            return
        self._updating = True
        try:
            for layer in walk(doc.layers):
                item = self._find(layer.id)
                if item is not None:
                    self._fill_item(item, layer)
        finally:
            self._updating = False

    def _on_layer_changed(self, lid: str) -> None:
        layer = self._layer(lid)
        item = self._find(lid)
        if layer is None or item is None:
            self.rebuild()
            return
        self._updating = True
        try:
            self._fill_item(item, layer)
        finally:
            self._updating = False
        if lid == self.model.selected:
            self._show_props(layer)
        self._thumb_timer.start()

    def _show_selection(self, lid: Any) -> None:
        item = self._find(lid)
        self._updating = True
        try:
            if item is not None:
                self.tree.setCurrentItem(item)
        finally:
            self._updating = False
        self._show_props(self._layer(lid))

    def _show_props(self, layer: Any) -> None:
        enabled = layer is not None
        for w in (self.opacity, self.blend, self.btn_dup, self.btn_del, self.btn_group):
            w.setEnabled(enabled)
        self.offset_row.setVisible(enabled and hasattr(layer, "offset") and hasattr(layer, "source_id"))
        if layer is None:
            return
        self._updating = True
        try:
            self.opacity.setValue(int(round(layer.opacity * 100)))
            self.opacity_label.setText(f"{layer.opacity * 100:.0f} %")
            self.blend.setCurrentIndex(max(0, self.blend.findData(layer.blend)))
            if hasattr(layer, "offset"):
                self.offset_y.setValue(layer.offset[0])
                self.offset_x.setValue(layer.offset[1])
        finally:
            self._updating = False

    def _layer(self, lid: Any) -> Any:
        if lid is None or self.model.doc is None:
            return None
        from editor.errors import NebulayerError

        try:
            return self.model.doc.layer(lid)
        except NebulayerError:
            return None

    # user actions
    def _on_current(self, current: QTreeWidgetItem | None, _prev: Any) -> None:
        if not self._updating and current is not None:
            self.model.select(current.data(COL_NAME, ID_ROLE))

    def _on_item_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        """A click on the eye column shows or hides the layer (Photoshop's eye)."""
        if self._updating or column != COL_EYE or self.model.doc is None:
            return
        lid = item.data(COL_NAME, ID_ROLE)
        visible = not bool(item.data(COL_EYE, ID_ROLE))
        self.model.run(self.model.doc.set_layer_props, lid, visible=visible)

    def _begin_drag(self) -> None:
        self._drag_key = ("opacity", self.model.selected, next(_drag_ids))

    def _end_drag(self) -> None:
        self._drag_key = None
        if self.model.doc is not None:
            self.model.doc.history.end_merge()

    def _on_opacity(self, value: int) -> None:
        self.opacity_label.setText(f"{value} %")
        if not self._updating:
            self._set_props(merge_key=self._drag_key, opacity=value / 100.0)

    def _on_offset(self, _v: float) -> None:
        if not self._updating:
            self._set_props(offset=(int(self.offset_y.value()), int(self.offset_x.value())))

    def _set_props(self, merge_key: Any = None, **props: Any) -> None:
        lid = self.model.selected
        if self._updating or lid is None or self.model.doc is None:
            return
        self.model.run(self.model.doc.set_layer_props, lid, merge_key=merge_key, **props)

    def _insert_index(self) -> int | None:
        """New layers go just above the selected top-level layer (Photoshop does the same)."""
        doc, lid = self.model.doc, self.model.selected
        for i, layer in enumerate(doc.layers):
            if layer.id == lid:
                return i + 1
        return None

    def add_adjustment(self, kind: str) -> str | None:
        if self.model.doc is None:
            return None
        lid = self.model.run(self.model.doc.add_adjustment, kind, index=self._insert_index())
        if lid:
            self.model.select(lid)
        return lid

    def duplicate_selected(self) -> None:
        if self.model.doc is not None and self.model.selected:
            lid = self.model.run(self.model.doc.duplicate_layer, self.model.selected)
            if lid:
                self.model.select(lid)

    def delete_selected(self) -> None:
        if self.model.doc is not None and self.model.selected:
            self.model.run(self.model.doc.remove_layer, self.model.selected)

    def group_selected(self) -> None:
        if self.model.doc is not None and self.model.selected:
            lid = self.model.run(self.model.doc.add_group, name="Group", layer_ids=[self.model.selected])
            if lid:
                self.model.select(lid)

    def _on_move(self, lid: str, target: str, above: bool, into: bool = False) -> None:
        """Move ``lid`` next to ``target`` (or into it when it is a group and dropped on)."""
        doc = self.model.doc
        target_layer = self._layer(target)
        if target_layer is None or lid == target:
            return
        if into and hasattr(target_layer, "children"):
            self.model.run(doc.move_layer, lid, len(target_layer.children), parent=target)
            return
        siblings_ = siblings(doc.layers, target)
        if siblings_ is None:
            return
        ids = [layer.id for layer in siblings_ if layer.id != lid]
        t = ids.index(target)
        new_index = t + 1 if above else t  # lists are bottom to top; "above" = later
        group = doc.parent_of(target)
        self.model.run(doc.move_layer, lid, new_index, parent=None if group is None else group.id)


def _offset_spin() -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setDecimals(0)
    s.setRange(-100000, 100000)
    s.setKeyboardTracking(False)
    s.setSuffix(" px")
    return s


def _tool(text: str, tip: str, slot: Any = None) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setToolTip(tip)
    b.setAutoRaise(False)
    if slot is not None:
        b.clicked.connect(lambda _c=False: slot())
    return b
