"""Controls generated from parameter schemas: sliders (linear and log), drags merge into one
undo step, curves points, levels handles."""

from __future__ import annotations

import pytest

from filters.registry import FilterSpec, Param


def test_log_scale_slider_puts_the_geometric_middle_at_the_centre(qtbot):
    from editor.ui.panels.param_widgets import SLIDER_STEPS, NumberParamWidget

    w = NumberParamWidget(Param("radius", "float", 10.0, min=1.0, max=100.0, log_scale=True), 10.0)
    qtbot.addWidget(w)
    assert w.slider.value() == SLIDER_STEPS // 2
    w.slider.setValue(SLIDER_STEPS)
    assert w.value() == pytest.approx(100.0)


def test_slider_drag_reports_dragging_then_finish_and_spin_edit_does_not(qtbot):
    from editor.ui.panels.param_widgets import ParamEditor

    params = (Param("amount", "float", 0.5, min=0.0, max=1.0), Param("on", "bool", False),
              Param("mode", "choice", "a", choices=("a", "b")), Param("n", "int", 3, min=1, max=9))
    ed = ParamEditor(params, {"amount": 0.5})
    qtbot.addWidget(ed)
    events, finished = [], []
    ed.value_changed.connect(lambda n, v, d: events.append((n, v, d)))
    ed.drag_finished.connect(finished.append)
    w = ed.control("amount")
    w.slider.setSliderDown(True)
    w.slider.setValue(700)
    w.slider.setValue(800)
    w.slider.setSliderDown(False)
    assert [e[2] for e in events] == [True, True]
    assert events[-1][1] == pytest.approx(0.8)
    assert finished == ["amount"]
    w.spin.setValue(0.25)
    assert events[-1] == ("amount", 0.25, False)
    ed.control("on").setChecked(True)
    ed.control("mode").setCurrentText("b")
    ed.control("n").spin.setValue(5)
    assert events[-3:] == [("on", True, False), ("mode", "b", False), ("n", 5, False)]
    # showing new values (after an undo) emits nothing
    n = len(events)
    ed.set_values({"amount": 0.1, "on": False, "mode": "a", "n": 2})
    assert len(events) == n and ed.control("amount").value() == pytest.approx(0.1)


def test_curves_widget_adds_and_drags_points(qtbot):
    from PyQt6.QtCore import QPoint, Qt

    from editor.ui.panels.curves_widget import CurvesWidget, curve_polyline

    w = CurvesWidget([(0, 0), (1, 1)])
    qtbot.addWidget(w)
    w.resize(200, 200)
    w.show()
    got = []
    w.points_changed.connect(lambda pts, d: got.append(pts))
    r = w._plot_rect()
    pos = QPoint(int(r.left() + r.width() * 0.5), int(r.bottom() - r.height() * 0.5))
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseMove(w, QPoint(pos.x(), int(r.bottom() - r.height() * 0.75)))
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=pos)
    pts = w.points()
    assert len(pts) == 3
    assert pts[1][0] == pytest.approx(0.5, abs=0.02) and pts[1][1] > 0.7
    line = curve_polyline(pts)
    assert line[0, 1] == pytest.approx(0.0) and line[-1, 1] == pytest.approx(1.0)
    assert got


def test_levels_widget_midtone_handle_follows_photoshop_gamma(qtbot):
    from editor.ui.panels.levels_widget import LevelsWidget, levels_names

    spec = FilterSpec("lv", "Levels", func=lambda img, **k: img, params=(
        Param("black", "float", 0.0, min=-1, max=2), Param("midtone", "float", 1.0, min=0.05, max=10,
                                                           label="Midtones (gamma)"),
        Param("white", "float", 1.0, min=-1, max=100)))
    names = levels_names(spec)
    assert names == ("black", "midtone", "white")
    w = LevelsWidget(spec, names, {"black": 0.0, "midtone": 1.0, "white": 1.0})
    qtbot.addWidget(w)
    assert w.mid_position() == pytest.approx(0.5)
    got = []
    w.value_changed.connect(lambda n, v, d: got.append((n, v)))
    w.lines["midtone"].setValue(0.25)  # moving the grey handle left brightens: gamma 2
    w._on_drag("midtone", True)
    assert got[-1][0] == "midtone" and got[-1][1] == pytest.approx(2.0)
    w.lines["black"].setValue(1.5)  # black cannot pass white
    w._on_drag("black", True)
    assert got[-1][1] < 1.0
