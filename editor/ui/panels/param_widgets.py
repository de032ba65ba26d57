"""Controls generated from a filter's parameter schema (:class:`filters.registry.Param`).

Every registered operation, plugins included, gets its panel from its schema: a slider with a
numeric entry for numbers (logarithmic when ``Param.log_scale``), a checkbox, a combo box, a
curves editor for point lists. A slider drag is reported as a run of ``value_changed(name,
value, True)`` followed by ``drag_finished(name)`` so the caller can merge the drag into one
undo step.
"""

from __future__ import annotations

import math
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

from editor.ui.common.i18n import tr
from filters.registry import Param

SLIDER_STEPS = 1000
#: A handle drag moves the value as if the slider were at least this wide: in a narrow dock a
#: 75 px drag changes a value by < 1/5 of the slider's range instead of throwing it to the end.
MIN_TRAVEL_PX = 400


class PreciseSlider(QSlider):
    """A QSlider whose handle drags are relative and at most SLIDER_STEPS per MIN_TRAVEL_PX
    pixels; clicks on the groove, the wheel and the keys behave as in QSlider."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._grab: tuple[float, int] | None = None

    def mousePressEvent(self, ev: Any) -> None:  # noqa: N802 (Qt override)
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        hit = self.style().hitTestComplexControl(QStyle.ComplexControl.CC_Slider, opt,
                                                 ev.position().toPoint(), self)
        if ev.button() == Qt.MouseButton.LeftButton and hit == QStyle.SubControl.SC_SliderHandle:
            self._grab = (ev.position().x(), self.value())
            self.setSliderDown(True)  # emits sliderPressed, as a normal drag does
            ev.accept()
            return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: Any) -> None:  # noqa: N802 (Qt override)
        if self._grab is None:
            super().mouseMoveEvent(ev)
            return
        x0, v0 = self._grab
        per_px = (self.maximum() - self.minimum()) / max(self.width(), MIN_TRAVEL_PX)
        self.setValue(int(round(v0 + (ev.position().x() - x0) * per_px)))
        ev.accept()

    def mouseReleaseEvent(self, ev: Any) -> None:  # noqa: N802 (Qt override)
        if self._grab is None:
            super().mouseReleaseEvent(ev)
            return
        self._grab = None
        self.setSliderDown(False)  # emits sliderReleased
        ev.accept()


class NumberParamWidget(QWidget):
    """Slider plus spin box for a float/int parameter."""

    value_changed = pyqtSignal(object, bool)  # value, part of a drag
    drag_finished = pyqtSignal()

    def __init__(self, param: Param, value: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self._is_int = param.kind == "int"
        lo = param.min if param.min is not None else (0.0 if (param.default or 0) >= 0 else -abs(param.default) * 10)
        hi = param.max if param.max is not None else max(1.0, abs(float(param.default or 1)) * 10)
        if param.slider_range is not None:  # the slider covers the usual values; the entry all
            lo, hi = max(float(lo), param.slider_range[0]), min(float(hi), param.slider_range[1])
        self._lo, self._hi = float(lo), float(hi)
        self._log = bool(param.log_scale) and self._lo >= 0 and self._hi > 0
        # log scale down to 0 (radius 0..20000 px): v = knee * ((1 + hi/knee)^f - 1), so 0 is
        # the left end and each decade above the knee gets an equal stretch of the slider
        self._knee = max(float(param.step or 0.0), (self._hi - self._lo) * 1e-4) if self._lo == 0 else 0.0
        self._dragging = False
        self._updating = False

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = PreciseSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        if self._is_int:
            self.spin: QSpinBox | QDoubleSpinBox = QSpinBox()
            self.spin.setRange(int(param.min) if param.min is not None else -(2**31 - 1),
                               int(param.max) if param.max is not None else 2**31 - 1)
            self.spin.setSingleStep(int(param.step or 1))
        else:
            self.spin = QDoubleSpinBox()
            self.spin.setDecimals(_decimals(self._lo, self._hi, param.step))
            self.spin.setRange(param.min if param.min is not None else -1e9,
                               param.max if param.max is not None else 1e9)
            self.spin.setSingleStep(param.step or (self._hi - self._lo) / 100.0)
        if param.unit:
            self.spin.setSuffix(f" {param.unit}")
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(72)
        self.slider.setMinimumWidth(60)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.set_value(value)

        self.slider.sliderPressed.connect(self._on_pressed)
        self.slider.sliderReleased.connect(self._on_released)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)

    # slider position <-> value
    def _to_pos(self, v: float) -> int:
        v = min(max(float(v), self._lo), self._hi)
        if self._hi == self._lo:
            return 0
        if self._log and self._knee:
            f = math.log1p(v / self._knee) / math.log1p(self._hi / self._knee)
        elif self._log:
            f = math.log(v / self._lo) / math.log(self._hi / self._lo)
        else:
            f = (v - self._lo) / (self._hi - self._lo)
        return int(round(f * SLIDER_STEPS))

    def _from_pos(self, pos: int) -> float:
        f = pos / SLIDER_STEPS
        if self._log and self._knee:
            v = self._knee * ((1.0 + self._hi / self._knee) ** f - 1.0)
        elif self._log:
            v = self._lo * (self._hi / self._lo) ** f
        else:
            v = self._lo + f * (self._hi - self._lo)
        return int(round(v)) if self._is_int else v

    def value(self) -> Any:
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting a change."""
        self._updating = True
        try:
            self.spin.setValue(int(value) if self._is_int else float(value))
            self.slider.setValue(self._to_pos(value))
        finally:
            self._updating = False

    def _on_pressed(self) -> None:
        self._dragging = True

    def _on_released(self) -> None:
        self._dragging = False
        self.drag_finished.emit()

    def _on_slider(self, pos: int) -> None:
        if self._updating:
            return
        v = self._from_pos(pos)
        self._updating = True
        try:
            self.spin.setValue(v)
        finally:
            self._updating = False
        self.value_changed.emit(self.spin.value(), self._dragging)

    def _on_spin(self, v: float) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self.slider.setValue(self._to_pos(v))
        finally:
            self._updating = False
        self.value_changed.emit(v, False)


def _decimals(lo: float, hi: float, step: float | None) -> int:
    ref = step if step else (hi - lo) / 1000.0
    if ref <= 0:
        return 3
    return int(min(6, max(1, math.ceil(-math.log10(ref)))))


class ParamEditor(QWidget):
    """A form with one control per parameter of a schema.

    Signals
    -------
    value_changed(name, value, dragging)
        The user changed a parameter; ``dragging`` is True while a slider is held.
    drag_finished(name)
        A slider was released: the caller closes the merged undo step.
    """

    value_changed = pyqtSignal(str, object, bool)
    drag_finished = pyqtSignal(str)

    def __init__(self, params: tuple[Param, ...] | list[Param], values: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.params = list(params)
        self._controls: dict[str, QWidget] = {}
        self._updating = False
        form = QFormLayout(self)
        form.setContentsMargins(2, 2, 2, 2)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for p in self.params:
            w = self._make_control(p, values.get(p.name, p.default))
            if p.doc:
                w.setToolTip(tr(p.doc))
            self._controls[p.name] = w
            form.addRow(tr(p.label or p.name.replace("_", " ").capitalize()), w)

    def control(self, name: str) -> QWidget:
        return self._controls[name]

    def _make_control(self, p: Param, value: Any) -> QWidget:
        name = p.name
        if p.kind in ("float", "int"):
            w = NumberParamWidget(p, value)
            w.value_changed.connect(lambda v, d, n=name: self._emit(n, v, d))
            w.drag_finished.connect(lambda n=name: self.drag_finished.emit(n))
            return w
        if p.kind == "bool":
            cb = QCheckBox()
            cb.setChecked(bool(value))
            cb.toggled.connect(lambda v, n=name: self._emit(n, bool(v), False))
            return cb
        if p.kind == "choice":
            combo = QComboBox()
            for choice in p.choices:
                combo.addItem(tr(str(choice)), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(lambda _i, n=name, c=combo: self._emit(n, c.currentData(), False))
            return combo
        if p.kind == "points":
            from editor.ui.panels.curves_widget import CurvesWidget

            cw = CurvesWidget(value)
            cw.points_changed.connect(lambda pts, d, n=name: self._emit(n, pts, d))
            cw.drag_finished.connect(lambda n=name: self.drag_finished.emit(n))
            return cw
        le = QLineEdit(str(value))
        le.editingFinished.connect(lambda n=name, e=le: self._emit(n, e.text(), False))
        return le

    def _emit(self, name: str, value: Any, dragging: bool) -> None:
        if not self._updating:
            self.value_changed.emit(name, value, dragging)

    def set_values(self, values: dict[str, Any]) -> None:
        """Show new values (after undo, for instance) without emitting changes."""
        self._updating = True
        try:
            for p in self.params:
                if p.name not in values:
                    continue
                w, v = self._controls[p.name], values[p.name]
                if isinstance(w, NumberParamWidget):
                    w.set_value(v)
                elif isinstance(w, QCheckBox):
                    w.setChecked(bool(v))
                elif isinstance(w, QComboBox):
                    w.setCurrentIndex(max(0, w.findData(v)))
                elif isinstance(w, QLineEdit):
                    w.setText(str(v))
                elif hasattr(w, "set_points"):
                    w.set_points(v)
        finally:
            self._updating = False
