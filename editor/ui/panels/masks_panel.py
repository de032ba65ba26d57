"""The mask of the selected layer: add (white, black, or generated from a recipe such as a
contrast or star mask), its recipe parameters, the finishing controls (levels, feather,
invert, density), show it alone, bake it, and a brush to paint on raster masks.
"""

from __future__ import annotations

import itertools
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from filters.registry import Param
from editor.ui.common.i18n import tr
from editor.ui.common.doc_model import DocModel
from editor.ui.panels.param_widgets import ParamEditor

_drag_ids = itertools.count(1)

# The finishing controls every mask has (editor.core.masks), shown with the same widgets as
# filter parameters.
FINISH_PARAMS = (
    Param("black", "float", 0.0, "Black", 0.0, 1.0, 0.01, doc="Mask values below this become 0"),
    Param("midtone", "float", 0.5, "Midtones balance", 0.0001, 0.9999, 0.01,
          doc="Midtones balance (as PixInsight's STF): below 0.5 opens the mask, above closes it"),
    Param("white", "float", 1.0, "White", 0.0, 1.0, 0.01, doc="Mask values above this become 1"),
    Param("feather", "float", 0.0, "Feather", 0.0, 500.0, 0.5, unit="px", spatial=True,
          doc="Gaussian softening of the mask edges (sigma in image pixels)"),
    Param("density", "float", 1.0, "Density", 0.0, 1.0, 0.01,
          doc="1 = the mask as is, 0 = no masking at all"),
)
#: Recipe parameters the Refine controls and the Invert switch already offer.
RECIPE_DUPLICATES = frozenset({"black", "midtone", "white", "invert"})
BRUSH_PARAMS = (
    Param("size", "float", 100.0, "Size", 1.0, 2000.0, 1.0, unit="px", log_scale=True),
    Param("hardness", "float", 0.5, "Hardness", 0.0, 1.0, 0.05),
    Param("opacity", "float", 1.0, "Opacity", 0.01, 1.0, 0.05),
)


class MasksPanel(QWidget):
    """Signals ``show_mask_toggled(layer id or None)`` and ``brush_toggled(bool)``."""

    show_mask_toggled = pyqtSignal(object)
    brush_toggled = pyqtSignal(bool)

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._drag_key: Any = None
        self._recipe_editor: ParamEditor | None = None
        self._recipe_kind: str | None = None
        self.brush_values = {p.name: p.default for p in BRUSH_PARAMS}
        self._mask_jobs: list[tuple[str, Any]] = []
        self.mask_job: Any = None
        self.paint_value = 1.0

        self.title = QLabel(tr("No layer selected"))
        self.btn_white = QPushButton(tr("White"))
        self.btn_black = QPushButton(tr("Black"))
        self.btn_white.setToolTip(tr("Add a raster mask that reveals everything (paint black to hide)"))
        self.btn_black.setToolTip(tr("Add a raster mask that hides everything (paint white to reveal)"))
        self.recipe = QComboBox()
        self.btn_generated = QPushButton(tr("Add"))
        self.btn_generated.setToolTip(tr("Add a mask generated from the image below (kept live)"))
        self.btn_white.clicked.connect(lambda: self.add_raster(1.0))
        self.btn_black.clicked.connect(lambda: self.add_raster(0.0))
        self.btn_generated.clicked.connect(lambda: self.add_generated(self.recipe.currentData()))
        self.btn_bake = QPushButton(tr("Bake"))
        self.btn_bake.setToolTip(tr("Turn the generated mask into a paintable raster mask"))
        self.btn_delete = QPushButton(tr("Delete"))
        self.btn_delete.setToolTip(tr("Remove the mask from the layer"))
        self.btn_bake.clicked.connect(self.bake)
        self.btn_delete.clicked.connect(self.delete_mask)
        self.recipe.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.recipe.setMinimumContentsLength(12)
        add_row = QVBoxLayout()
        raster_row = QHBoxLayout()
        raster_row.addWidget(QLabel(tr("New mask")))
        raster_row.addWidget(self.btn_white)
        raster_row.addWidget(self.btn_black)
        raster_row.addStretch(1)
        raster_row.addWidget(self.btn_delete)
        generated_row = QHBoxLayout()
        generated_row.addWidget(QLabel(tr("Generated")))
        generated_row.addWidget(self.recipe, 1)
        generated_row.addWidget(self.btn_generated)
        add_row.addLayout(raster_row)
        add_row.addLayout(generated_row)

        self.enabled = QCheckBox(tr("Enabled"))
        self.invert = QCheckBox(tr("Invert"))
        self.show_alone = QCheckBox(tr("Show mask"))
        self.show_alone.setToolTip(tr("Show the mask alone on the canvas (Alt+click in Photoshop)"))
        self.enabled.toggled.connect(lambda v: self._set_props(enabled=v))
        self.invert.toggled.connect(lambda v: self._set_props(invert=v))
        self.show_alone.toggled.connect(self._on_show_alone)
        flags = QHBoxLayout()
        for w in (self.enabled, self.invert, self.show_alone):
            flags.addWidget(w)
        flags.addStretch(1)
        flags.addWidget(self.btn_bake)

        self.recipe_box = QGroupBox(tr("Recipe"))
        self.recipe_layout = QVBoxLayout(self.recipe_box)
        self.finish = ParamEditor(FINISH_PARAMS, {})
        self.finish.value_changed.connect(self._on_finish)
        self.finish.drag_finished.connect(lambda _n: self._end_drag())
        finish_box = QGroupBox(tr("Refine"))
        QVBoxLayout(finish_box).addWidget(self.finish)

        self.brush_box = QGroupBox(tr("Brush"))
        self.brush_box.setCheckable(True)
        self.brush_box.setChecked(False)
        self.brush_box.toggled.connect(self.brush_toggled.emit)
        self.brush = ParamEditor(BRUSH_PARAMS, self.brush_values)
        self.brush.value_changed.connect(lambda n, v, _d: self.brush_values.__setitem__(n, v))
        self.paint_white = QPushButton(tr("Paint white (reveal)"))
        self.paint_white.setCheckable(True)
        self.paint_white.setChecked(True)
        self.paint_white.toggled.connect(self._on_paint_colour)
        bl = QVBoxLayout(self.brush_box)
        bl.addWidget(self.brush)
        bl.addWidget(self.paint_white)

        # A layer used as the mask has no recipe box: this line says where the mask comes from.
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.hide()

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.source_label)
        body.addLayout(flags)
        body.addWidget(self.recipe_box)
        body.addWidget(finish_box)
        body.addWidget(self.brush_box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addLayout(add_row)
        layout.addWidget(self.body)
        layout.addStretch(1)
        self._fill_recipes()

        model.selection_changed.connect(lambda _l: self.refresh())
        model.document_replaced.connect(lambda _d: self.refresh())
        model.mask_changed.connect(self._on_mask_changed)
        model.layers_changed.connect(self.refresh)
        self.refresh()

    def _fill_recipes(self) -> None:
        from editor.plugins.registry import get_registry

        self.recipe.clear()
        for spec in sorted(get_registry().specs("mask"), key=lambda s: s.name.lower()):
            self.recipe.addItem(tr(spec.name), spec.id)
            self.recipe.setItemData(self.recipe.count() - 1, spec.doc.split("\n")[0] if spec.doc else spec.id,
                                    Qt.ItemDataRole.ToolTipRole)

    # showing the selected layer's mask
    def refresh(self) -> None:
        layer = self.model.selected_layer()
        has_layer = layer is not None
        mask = getattr(layer, "mask", None)
        self.title.setText(tr('Mask of “{name}”').format(name=layer.name) if has_layer else tr("No layer selected"))
        for w in (self.btn_white, self.btn_black, self.btn_generated, self.recipe):
            w.setEnabled(has_layer)
        self.body.setVisible(mask is not None)
        self.btn_delete.setEnabled(mask is not None)
        if mask is None:
            self._set_recipe_editor(None, None)
            if self.show_alone.isChecked():
                self.show_alone.setChecked(False)
            if self.brush_box.isChecked():
                self.brush_box.setChecked(False)
            return
        for box, value in ((self.enabled, mask.enabled), (self.invert, mask.invert)):
            box.blockSignals(True)
            box.setChecked(bool(value))
            box.blockSignals(False)
        self.finish.set_values(mask.props())
        self._show_source(mask)
        generated = hasattr(mask, "kind")
        self.btn_bake.setEnabled(generated)
        self.brush_box.setEnabled(not generated)
        if generated and self.brush_box.isChecked():
            self.brush_box.setChecked(False)
        self._set_recipe_editor(mask.kind if generated else None, mask.params if generated else None)

    def _show_source(self, mask: Any) -> None:
        """'Live: the luminance of “helper”' for a layer used as the mask (Layer > Mask From
        Layer Below); nothing for painted and generated masks, which show their own controls."""
        source_id = getattr(mask, "layer", None)
        doc = self.model.doc
        if not source_id or doc is None:
            self.source_label.hide()
            return
        try:
            name = doc.layer(source_id).name
        except Exception:  # noqa: BLE001 - a source deleted meanwhile: the render reports it
            name = "?"
        self.source_label.setText(tr("Live mask: the luminance of layer “{name}”").format(name=name))
        self.source_label.show()

    def _set_recipe_editor(self, kind: str | None, params: dict[str, Any] | None) -> None:
        from editor.plugins.registry import get_registry

        if kind == self._recipe_kind and self._recipe_editor is not None and params is not None:
            self._recipe_editor.set_values(params)
            return
        if self._recipe_editor is not None:
            self._recipe_editor.setParent(None)
            self._recipe_editor.deleteLater()
            self._recipe_editor = None
        self._recipe_kind = kind
        spec = get_registry().get(kind) if kind else None
        self.recipe_box.setVisible(kind is not None)
        if kind is None:
            return
        self.recipe_box.setTitle(tr(spec.name) if spec else tr('{kind} (not installed)').format(kind=kind))
        if spec is None:
            return
        # One set of levels and one Invert in the panel: a recipe's own black/gamma/white/invert
        # (kept at their values) are left to the Refine controls below, which do the same job.
        shown = tuple(p for p in spec.params if p.name not in RECIPE_DUPLICATES)
        self._recipe_editor = ParamEditor(shown, {**spec.defaults(), **(params or {})})
        self._recipe_editor.value_changed.connect(self._on_recipe)
        self._recipe_editor.drag_finished.connect(lambda _n: self._end_drag())
        self.recipe_layout.addWidget(self._recipe_editor)

    def _on_mask_changed(self, lid: str) -> None:
        if lid == self.model.selected:
            self.refresh()

    # edits
    def add_raster(self, fill: float) -> None:
        """A canvas-sized raster mask, white (reveal all) or black (hide all)."""
        lid, doc = self.model.selected, self.model.doc
        if lid and doc is not None:
            self._queue_mask_job("Adding a mask…",
                                 lambda: doc.set_mask(lid, doc.new_raster_mask(float(fill))))

    def add_generated(self, kind: str | None) -> None:
        from editor.core.masks import GeneratedMask

        lid, doc = self.model.selected, self.model.doc
        if lid and doc is not None and kind:
            self.model.run(doc.set_mask, lid, GeneratedMask(kind, {}))

    def bake(self) -> Any:
        """Generated -> raster mask; renders the mask at full size, so it runs as a job."""
        from editor.ui.common.error_dialogs import show_error
        from editor.ui.common.job_runner import run_job

        lid, doc = self.model.selected, self.model.doc
        if not (lid and doc is not None):
            return None
        return run_job(self, tr("Baking the mask…"), lambda progress: doc.bake_mask(lid),
                       on_failed=lambda msg: show_error(self, msg))

    def delete_mask(self) -> None:
        if self.model.selected and self.model.doc is not None:
            self.show_alone.setChecked(False)
            self.model.run(self.model.doc.set_mask, self.model.selected, None)

    def resize_brush(self, factor: float) -> None:
        """Photoshop's [ and ]: brush size times ``factor``, within the size's range."""
        spec = BRUSH_PARAMS[0]
        size = min(max(float(self.brush_values["size"]) * factor, spec.min), spec.max)
        self.brush.set_values({"size": size})
        self.brush.value_changed.emit("size", size, False)  # the canvas's cursor follows

    def invert_mask(self) -> None:
        """Ctrl+I: toggle the selected layer's mask inversion."""
        layer = self.model.selected_layer()
        if layer is not None and layer.mask is not None:
            self._set_props(invert=not layer.mask.invert)

    def _drag(self, dragging: bool) -> Any:
        if not dragging:
            return None
        if self._drag_key is None:
            self._drag_key = ("mask", self.model.selected, next(_drag_ids))
        return self._drag_key

    def _end_drag(self) -> None:
        self._drag_key = None
        if self.model.doc is not None:
            self.model.doc.history.end_merge()

    def _on_finish(self, name: str, value: Any, dragging: bool) -> None:
        self._set_props(merge_key=self._drag(dragging), **{name: value})

    def _on_recipe(self, name: str, value: Any, dragging: bool) -> None:
        layer = self.model.selected_layer()
        if layer is None or layer.mask is None:
            return
        params = {**layer.mask.params, name: value}
        self._set_props(merge_key=self._drag(dragging), params=params)

    def _set_props(self, merge_key: Any = None, **props: Any) -> None:
        lid, doc = self.model.selected, self.model.doc
        if lid and doc is not None:
            self.model.run(doc.set_mask_props, lid, merge_key=merge_key, **props)

    def _on_show_alone(self, on: bool) -> None:
        self.show_mask_toggled.emit(self.model.selected if on else None)

    def _on_paint_colour(self, white: bool) -> None:
        self.paint_value = 1.0 if white else 0.0
        self.paint_white.setText(tr("Paint white (reveal)") if white else tr("Paint black (hide)"))

    def swap_colour(self) -> None:
        """X: swap painting white and black, as in Photoshop."""
        self.paint_white.setChecked(not self.paint_white.isChecked())

    def paint(self, points: list[tuple[float, float]]) -> None:
        """Paint a finished brush stroke onto the selected raster mask."""
        lid, doc = self.model.selected, self.model.doc
        if not (lid and doc is not None and points):
            return
        stroke = {"points": [(float(x), float(y)) for x, y in points],
                  "size": float(self.brush_values["size"]),
                  "hardness": float(self.brush_values["hardness"]),
                  "opacity": float(self.brush_values["opacity"]), "value": self.paint_value}
        stroke = doc.geometry.stroke_to_layer(stroke)  # drawn on the (cropped/rotated) canvas
        self._queue_mask_job("Painting the mask…", lambda: doc.paint_mask(lid, stroke))

    # Mask pixels change on a worker thread (a stroke on a 40 MP mask takes a while), one job
    # at a time and in order, so two quick strokes never read the same "before".
    def _queue_mask_job(self, title: str, work: Any) -> None:
        self._mask_jobs.append((title, work))
        self._next_mask_job()

    def queue_pixel_job(self, title: str, work: Any) -> None:
        """Run ``work()`` off the UI thread after the strokes already queued (the window's
        undo/redo of a stroke goes here, so it undoes that stroke, in order)."""
        self._queue_mask_job(title, work)

    def _next_mask_job(self) -> None:
        from editor.ui.common.error_dialogs import show_error
        from editor.ui.common.job_runner import run_job

        if self.mask_job is not None and not self.mask_job.done:
            return
        if not self._mask_jobs:
            self.mask_job = None
            return
        title, work = self._mask_jobs.pop(0)

        def failed(msg: str) -> None:
            show_error(self, msg)
            self._next_mask_job()

        self.mask_job = run_job(self, title, lambda progress: work(),
                                lambda _r: self._next_mask_job(), failed)

    def mask_jobs_done(self) -> bool:
        """True when every queued add-mask / paint job has finished (tests wait on this)."""
        return not self._mask_jobs and (self.mask_job is None or self.mask_job.done)
