"""Properties of the selected layer: the controls of its operation, generated from the
operation's parameter schema (so plugins get a panel for free), a levels editor with a live
histogram for levels-like operations, and alignment offsets for channel-combine layers.

Every change is one undoable command; a slider drag merges into one undo step.
"""

from __future__ import annotations

import itertools
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from editor.ui.common.i18n import tr
from editor.ui.common.doc_model import DocModel
from editor.ui.panels.input_histogram import InputHistogram
from editor.ui.panels.levels_widget import LevelsWidget, levels_names
from editor.ui.panels.param_widgets import ParamEditor

_drag_ids = itertools.count(1)


class AdjustmentsPanel(QWidget):
    """Shows and edits the parameters of the selected layer."""

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.editor: ParamEditor | None = None
        self.levels: LevelsWidget | None = None
        self._shown: tuple[Any, ...] = ()
        self._drag_key: Any = None
        self._own_edit = False  # the last layer event was the selected layer's own
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.reset = QPushButton(tr("Reset"))
        self.reset.setToolTip(tr("Back to the operation's default parameters"))
        self.reset.clicked.connect(self.reset_params)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.reset)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        model.selection_changed.connect(lambda _l: self.refresh())
        model.document_replaced.connect(lambda _d: self.refresh())
        model.layer_changed.connect(self._on_layer_changed)
        model.layers_changed.connect(self.refresh)
        model.errors_changed.connect(self._on_errors)
        self.inputs = InputHistogram(self)
        self.inputs.ready.connect(self._on_input_histogram)
        # the input of the selected levels layer changes when anything below it changes
        self._input_timer = QTimer(self)
        self._input_timer.setSingleShot(True)
        self._input_timer.setInterval(250)
        self._input_timer.timeout.connect(self._request_input_histogram)
        model.content_changed.connect(self._on_content_changed)
        self.refresh()

    # building
    def refresh(self, force: bool = False) -> None:
        layer = self.model.selected_layer()
        key = (id(self.model.doc), getattr(layer, "id", None), getattr(layer, "kind", None),
               getattr(layer, "type", None))
        if key == self._shown and not force:
            self._update_values(layer)
            return
        self._shown = key
        self._clear()
        self.reset.setVisible(False)
        if layer is None:
            self.title.setText(tr("No layer selected"))
            return
        kind_type = getattr(layer, "type", "")
        if kind_type == "adjustment":
            self._build_adjustment(layer)
        elif kind_type == "channel_combine":
            self._build_combine(layer)
        elif kind_type == "image":
            src = self.model.doc.sources.get(layer.source_id)
            size = f"{src.width} x {src.height}" if src is not None else "?"
            self.title.setText(tr('<b>{name}</b> — image layer ({size} px)').format(name=layer.name, size=size))
            note = QLabel(tr("Image layers have no parameters: add an adjustment layer above "
                          "to change them (Layer > New Adjustment Layer)."))
            note.setWordWrap(True)
            self.content_layout.addWidget(note)
        else:
            self.title.setText(tr('<b>{name}</b> — group').format(name=layer.name))
        self.content_layout.addStretch(1)

    def _clear(self) -> None:
        self.editor = None
        self.levels = None
        self._error_label: QLabel | None = None
        while self.content_layout.count():
            item = self.content_layout.takeAt(0)
            w = item.widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()

    def _build_adjustment(self, layer: Any) -> None:
        from editor.plugins.registry import get_registry

        spec = get_registry().get(layer.kind)
        if spec is None or getattr(layer, "unavailable", False):
            self.title.setText(f"<b>{layer.name}</b> — {layer.kind}")
            msg = getattr(layer, "error", None) or f"The operation “{layer.kind}” is not installed."
            warn = QLabel(tr('⚠ {msg}\nIts parameters are kept unchanged and the layer passes the image through.').format(msg=msg))
            warn.setWordWrap(True)
            self.content_layout.addWidget(warn)
            return
        self.title.setText(f"<b>{layer.name}</b> — {tr(spec.name)}"
                           + (f" <i>({spec.source})</i>" if spec.source != "builtin" else ""))
        if spec.doc:
            self.title.setToolTip(tr(spec.doc))
        self.reset.setVisible(True)
        values = {**spec.defaults(), **layer.params}
        names = levels_names(spec)
        if names is not None:
            self.levels = LevelsWidget(spec, names, values)
            self.levels.value_changed.connect(self._on_value)
            self.levels.drag_finished.connect(lambda _n: self._end_drag())
            self.content_layout.addWidget(self.levels)
            self._request_input_histogram()
        self.editor = ParamEditor(spec.params, values)
        self.editor.value_changed.connect(self._on_value)
        self.editor.drag_finished.connect(lambda _n: self._end_drag())
        self.content_layout.addWidget(self.editor)
        if self._curves():
            self._request_input_histogram()
        self._error_label = QLabel()
        self._error_label.setWordWrap(True)
        self.content_layout.addWidget(self._error_label)
        self._show_error(layer)

    def _show_error(self, layer: Any) -> None:
        message = getattr(layer, "error", None)
        self._error_label.setText(f"⚠ {message}" if message else "")
        self._error_label.setVisible(bool(message))

    def _on_errors(self) -> None:
        """A render changed a layer's failure: update the warning in place (never rebuild,
        which would end a slider drag under the user's mouse)."""
        layer = self.model.selected_layer()
        if self.editor is None or layer is None:
            return
        if getattr(layer, "unavailable", False):
            self.refresh(force=True)  # the operation went missing: show that instead
        else:
            self._show_error(layer)

    def _build_combine(self, layer: Any) -> None:
        self.title.setText(tr('<b>{name}</b> — channel combine ({0})').format(layer.mode.upper(), name=layer.name))
        box = QGroupBox(tr("Channel offsets (dy, dx) in pixels"))
        form = QFormLayout(box)
        doc = self.model.doc
        self._offset_spins: dict[str, tuple[QDoubleSpinBox, QDoubleSpinBox]] = {}
        for ch, sid in layer.channels.items():
            dy, dx = layer.offsets.get(ch, (0.0, 0.0))
            sy, sx = _spin(dy), _spin(dx)
            for axis, s in enumerate((sy, sx)):
                s.valueChanged.connect(lambda v, c=ch, a=axis: self._on_offset(c, a, v))
            row = QHBoxLayout()
            row.addWidget(sy)
            row.addWidget(sx)
            src = doc.sources.get(sid) if doc is not None else None
            form.addRow(f"{ch} ({src.name if src is not None else sid})", row)
            self._offset_spins[ch] = (sy, sx)
        self.content_layout.addWidget(box)

    # updating
    def _on_layer_changed(self, lid: str) -> None:
        # (emitted just before content_changed of the same event)
        self._own_edit = lid == self.model.selected
        if lid == self.model.selected:
            self.refresh()

    def _update_values(self, layer: Any) -> None:
        if layer is None:
            return
        if self.editor is not None and hasattr(layer, "params"):
            from editor.plugins.registry import get_registry

            spec = get_registry().get(getattr(layer, "kind", ""))
            values = {**(spec.defaults() if spec else {}), **layer.params}
            self.editor.set_values(values)
            if self.levels is not None:
                self.levels.set_values(values)
        if getattr(layer, "type", "") == "channel_combine":
            for ch, (sy, sx) in getattr(self, "_offset_spins", {}).items():
                dy, dx = layer.offsets.get(ch, (0.0, 0.0))
                for s, v in ((sy, dy), (sx, dx)):
                    s.blockSignals(True)
                    s.setValue(v)
                    s.blockSignals(False)

    def _on_content_changed(self) -> None:
        own, self._own_edit = self._own_edit, False
        # the selected layer's own edits (a slider drag) leave its input as it is: no render
        # of the composite below competes with the canvas for the cores
        if self._wants_input() and not own:
            self._input_timer.start()

    def _curves(self) -> list[Any]:
        from editor.ui.panels.curves_widget import CurvesWidget

        if self.editor is None:
            return []
        return [self.editor.control(p.name) for p in self.editor.params if p.kind == "points"
                and isinstance(self.editor.control(p.name), CurvesWidget)]

    def _wants_input(self) -> bool:
        return self.levels is not None or bool(self._curves())

    def _request_input_histogram(self) -> None:
        if self.model.doc is not None and self.model.selected:
            self.inputs.request(self.model.doc, self.model.selected)

    def _on_input_histogram(self, lid: str, counts: Any, edges: Any) -> None:
        if lid != self.model.selected:
            return
        if self.levels is not None:
            self.levels.set_histogram(counts, edges)
        for curve in self._curves():
            curve.set_histogram(counts, edges)

    # edits
    def _on_value(self, name: str, value: Any, dragging: bool) -> None:
        lid, doc = self.model.selected, self.model.doc
        if lid is None or doc is None:
            return
        if dragging:
            if self._drag_key is None:
                self._drag_key = ("params", lid, next(_drag_ids))
            key = self._drag_key
        else:
            key = None
        self.model.run(doc.set_params, lid, merge_key=key, **{name: value})

    def _end_drag(self) -> None:
        self._drag_key = None
        if self.model.doc is not None:
            self.model.doc.history.end_merge()

    def reset_params(self) -> None:
        from editor.plugins.registry import get_registry

        layer = self.model.selected_layer()
        spec = get_registry().get(getattr(layer, "kind", "")) if layer is not None else None
        if spec is not None:
            self.model.run(self.model.doc.set_params, layer.id, **spec.defaults())

    def _on_offset(self, channel: str, axis: int, value: float) -> None:
        """One spin box changed: only that number changes; the other channels keep their
        measured offsets at full precision (the boxes show them rounded)."""
        lid, doc = self.model.selected, self.model.doc
        if lid is None or doc is None:
            return
        offsets = {ch: tuple(v) for ch, v in doc.layer(lid).offsets.items()}
        shift = list(offsets.get(channel, (0.0, 0.0)))
        shift[axis] = float(value)
        offsets[channel] = (shift[0], shift[1])
        self.model.run(doc.set_layer_props, lid, offsets=offsets)


def _spin(value: float) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setDecimals(2)
    s.setRange(-500.0, 500.0)
    s.setSingleStep(0.1)
    s.setKeyboardTracking(False)
    s.setValue(float(value))
    return s
