"""Issue 17, controls that fit the data: a radius 0..20000 px slider is logarithmic with 0
reachable, a levels white point's slider covers 0..2 while the entry takes 100 exactly, a
75 px handle drag moves a value by a sensible fraction, and the mask panel shows one set of
levels and one Invert with distinct names for gamma and midtones balance."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication, QStyle, QStyleOptionSlider


def _spec_param(kind: str, name: str):
    from editor.plugins.registry import get_registry

    return next(p for p in get_registry().get(kind).params if p.name == name)


def _widget(qtbot, param, value):
    from editor.ui.panels.param_widgets import NumberParamWidget

    w = NumberParamWidget(param, value)
    qtbot.addWidget(w)
    w.resize(260, 30)  # a slider as wide as in a narrow dock
    w.show()
    qtbot.waitExposed(w)
    return w


def test_radius_slider_is_logarithmic_with_zero_reachable(qtbot):
    from editor.ui.panels.param_widgets import SLIDER_STEPS

    w = _widget(qtbot, _spec_param("gaussian_blur", "sigma"), 2.0)
    w.slider.setValue(0)
    assert w.value() == 0.0
    w.slider.setValue(SLIDER_STEPS)
    assert w.value() == pytest.approx(20000.0)
    # each decade from 10 px up gets a usable stretch of the slider (linear: 10..100 px
    # would be 4.5 of 1000 steps)
    positions = [w._to_pos(v) for v in (10.0, 100.0, 1000.0, 10000.0)]
    steps = [b - a for a, b in zip(positions, positions[1:])]
    assert min(steps) > 150, positions
    w.slider.setValue(w._to_pos(50.0))
    assert w.value() == pytest.approx(50.0, rel=0.02)  # a slider step is ~1 % at 50 px


def test_levels_white_slider_covers_usual_values_and_entry_stays_exact(qtbot):
    from editor.ui.panels.param_widgets import SLIDER_STEPS

    w = _widget(qtbot, _spec_param("levels", "white"), 1.0)
    assert w.slider.value() == SLIDER_STEPS // 2  # 1.0 in the middle of 0..2
    w.spin.setValue(37.125)  # typed: beyond the slider, exact
    assert w.value() == pytest.approx(37.125) and w.slider.value() == SLIDER_STEPS
    w.slider.setValue(SLIDER_STEPS // 4)
    assert w.value() == pytest.approx(0.5)


def _handle_centre(slider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                         QStyle.SubControl.SC_SliderHandle, slider).center()


def _drag(slider, dx: int) -> None:
    p = QPointF(_handle_centre(slider))
    press = QMouseEvent(QMouseEvent.Type.MouseButtonPress, p, p, Qt.MouseButton.LeftButton,
                        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(slider, press)
    for i in range(1, 6):
        q = QPointF(p.x() + dx * i / 5, p.y())
        move = QMouseEvent(QMouseEvent.Type.MouseMove, q, q, Qt.MouseButton.NoButton,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(slider, move)
    q = QPointF(p.x() + dx, p.y())
    release = QMouseEvent(QMouseEvent.Type.MouseButtonRelease, q, q, Qt.MouseButton.LeftButton,
                          Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(slider, release)


@pytest.mark.parametrize("kind,name,start", [("levels", "midtone", 1.0), ("mask", "midtone", 0.5)])
def test_a_75px_drag_moves_midtones_by_a_sensible_fraction(qtbot, kind, name, start):
    from editor.ui.panels.masks_panel import FINISH_PARAMS

    param = (next(p for p in FINISH_PARAMS if p.name == name) if kind == "mask"
             else _spec_param(kind, name))
    w = _widget(qtbot, param, start)
    seen, finished = [], []
    w.value_changed.connect(lambda v, d: seen.append((v, d)))
    w.drag_finished.connect(lambda: finished.append(1))
    _drag(w.slider, 75)
    assert seen and all(d for _v, d in seen) and finished == [1]  # one drag, one undo step
    frac = (w._to_pos(w.value()) - w._to_pos(start)) / w.slider.maximum()
    print(f"{kind} {name}: {start} -> {w.value():.3f} ({frac:.1%} of the slider) on a "
          f"{w.slider.width()} px slider")
    assert 0.05 < frac < 0.25
    assert w.value() < param.max * 0.9


def test_mask_panel_shows_one_set_of_levels_and_one_invert(qtbot):
    from editor.core.document import Document
    from editor.ui.common.doc_model import DocModel
    from editor.ui.panels.masks_panel import MasksPanel
    import numpy as np

    model = DocModel()
    panel = MasksPanel(model)
    qtbot.addWidget(panel)
    doc = Document.from_image(np.random.default_rng(1).random((64, 64)).astype(np.float32))
    model.set_document(doc)
    lid = doc.add_adjustment("curves")
    model.select(lid)
    doc.set_generated_mask(lid, "contrast_mask") if hasattr(doc, "set_generated_mask") else \
        panel.add_generated("contrast_mask")
    qtbot.waitUntil(lambda: doc.layer(lid).mask is not None and panel._recipe_editor is not None)
    recipe = {p.name for p in panel._recipe_editor.params}
    finish = {p.name for p in panel.finish.params}
    assert "radius" in recipe and not recipe & {"black", "midtone", "white", "invert"}
    assert {"black", "midtone", "white"} <= finish
    labels = {p.name: p.label for p in panel.finish.params}
    assert labels["midtone"] == "Midtones balance"
    assert _spec_param("levels", "midtone").label == "Gamma"
