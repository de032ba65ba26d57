"""Issue 17, Acquisition tab: "Take one frame" has a short default exposure that is
remembered, a rejected live-stack frame is shown with the reason, and the left column's
table headers are readable at 1366x768."""

from __future__ import annotations

import json

import numpy as np


def test_take_one_frame_defaults_to_one_second_and_remembers_the_last(tab, tmp_path, qtbot):
    from editor.ui.acquisition.tab import AcquisitionTab

    assert tab.sequence.one_exposure.value() == 1.0
    assert float(tab.table.item(0, 2).text()) == 60.0  # the sequence keeps its long subs
    tab.sequence.one_exposure.setValue(2.5)
    tab.capture_one()  # not connected: refused, but the choice is kept
    saved = json.loads((tmp_path / "config" / "acquisition.json").read_text())
    assert saved["single_exposure"] == 2.5
    again = AcquisitionTab()
    qtbot.addWidget(again)
    try:
        assert again.sequence.one_exposure.value() == 2.5
    finally:
        again.shutdown()


def test_rejected_live_stack_frame_is_shown_with_the_reason(tab):
    from editor.acquisition.controller import AcqEvent
    from editor.acquisition.live_stack import StackResult

    stack_pic = np.full((8, 8), 100, np.uint8)
    newest = np.full((8, 8), 7, np.uint8)
    tab.stack_check.setChecked(True)
    tab.controller.events.put(AcqEvent("live_frame", {"frame": None, "preview": stack_pic}))
    tab.controller.events.put(AcqEvent("stack", {"result": StackResult(True, 1, 0), "preview": stack_pic}))
    tab.poll_events()
    assert tab.image_item.image[0, 0] == 100
    reason = "stars did not match the reference (12% matched)"
    tab.controller.events.put(AcqEvent("live_frame", {"frame": None, "preview": newest}))
    tab.controller.events.put(AcqEvent("stack", {"result": StackResult(False, 1, 1, reason=reason),
                                                 "preview": None}))
    tab.poll_events()
    assert tab.image_item.image[0, 0] == 7  # the newest frame, not the stale stack
    assert reason in tab.frame_label.text() and "rejected" in tab.frame_label.text()


def test_left_column_headers_readable_at_1366x768(tab, qtbot):
    tab.resize(1366, 768 - 90)  # the tab inside a maximised window (menus, tabs, status bar)
    tab.show()
    qtbot.waitExposed(tab)
    header = tab.table.horizontalHeader()
    fm = header.fontMetrics()
    for col in range(tab.table.columnCount()):
        text = tab.table.horizontalHeaderItem(col).text()
        assert header.sectionSize(col) >= fm.horizontalAdvance(text), text
    # the whole table is visible without scrolling sideways
    assert tab.table.horizontalScrollBar().maximum() == 0


def test_iso_choice_appears_for_a_dslr_and_reaches_the_frames(tab):
    from editor.acquisition.camera import CameraCapabilities
    from editor.acquisition.controller import AcqEvent

    combo = tab.devices_box.iso_combo
    assert combo.isHidden()  # a camera without ISO (or none): no ISO row
    caps = CameraCapabilities("Canon DSLR", 6000, 4000, 3.9, 3.9, 14, colour=True,
                              iso_choices=("100", "200", "400", "800"))
    tab.controller.events.put(AcqEvent("camera", caps))
    tab.poll_events()
    assert not combo.isHidden() and combo.count() == 5 and combo.currentData() is None
    assert tab.steps()[0].iso is None  # left as set on the camera by default
    combo.setCurrentIndex(combo.findData("800"))
    assert tab.steps()[0].iso == "800" and tab._first_settings().iso == "800"


def test_connecting_to_a_server_with_one_camera_makes_it_ready_to_take_a_frame(tab, qtbot,
                                                                               indi_server):
    """After Connect the Camera box said "(none)" and Take one frame stayed greyed although the
    server had exactly one camera: a first-time user did not know to pick it."""
    from PyQt6.QtCore import Qt

    tab.host.setText("127.0.0.1")
    tab.port.setValue(indi_server.port)
    qtbot.mouseClick(tab.connect_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.camera_combo.currentData() == "CCD Simulator", timeout=10000)
    qtbot.waitUntil(lambda: tab.capture_btn.isEnabled(), timeout=10000)
    assert "1280 x 1024" in tab.caps_label.text()
