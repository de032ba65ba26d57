"""The Acquisition tab against the INDI simulators, headless (pytest-qt, offscreen)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PyQt6.QtCore import Qt

CCD, WHEEL = "CCD Simulator", "Filter Simulator"


def _connect(tab, qtbot, port: int) -> None:
    tab.host.setText("127.0.0.1")
    tab.port.setValue(port)
    qtbot.mouseClick(tab.connect_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.camera_combo.findData(CCD) >= 0, timeout=10000)


def _choose(combo, name: str) -> None:
    index = combo.findData(name)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_refused_server_shows_error_in_status_line(tab, qtbot):
    from indi_server import free_port

    tab.host.setText("127.0.0.1")
    tab.port.setValue(free_port())
    qtbot.mouseClick(tab.connect_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "connection refused" in tab.status.text(), timeout=10000)
    assert not tab.start_btn.isEnabled()


def test_bad_sequence_cell_is_reported_not_raised(tab):
    tab.table.item(0, 2).setText("long")
    tab.start_sequence()
    assert "Exposure (s) 'long' is not a number" in tab.status.text()


@pytest.mark.indi
def test_connect_take_frame_see_it_and_send_to_editor(tab, qtbot, indi_server, tmp_path):
    _connect(tab, qtbot, indi_server.port)
    assert any(CCD in tab.device_list.item(i).text() for i in range(tab.device_list.count()))
    saved = json.loads((tmp_path / "config" / "acquisition.json").read_text())
    assert saved["port"] == indi_server.port  # remembered for next time
    _choose(tab.camera_combo, CCD)
    qtbot.waitUntil(lambda: "1280 x 1024" in tab.caps_label.text(), timeout=10000)
    qtbot.waitUntil(lambda: tab.capture_btn.isEnabled(), timeout=5000)
    tab.sequence.one_exposure.setValue(0.2)  # "Take one frame" has its own exposure
    qtbot.mouseClick(tab.capture_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.frames_shown >= 1, timeout=15000)
    shown = tab.image_item.image
    assert shown.shape == (1024, 1280) and shown.dtype == np.uint8
    assert 20 < np.median(shown) < 120 and shown.max() == 255  # auto-stretched, stars bright
    with qtbot.waitSignal(tab.open_in_editor, timeout=2000) as sig:
        qtbot.mouseClick(tab.send_frame_btn, Qt.MouseButton.LeftButton)
    array, meta, name = sig.args[0]
    assert array.dtype == np.float32 and array.shape == (1024, 1280) and array.max() <= 1.0
    assert meta.header["INSTRUME"] == CCD and CCD in name


@pytest.mark.indi
def test_sequence_with_filter_fills_progress_and_saves(tab, qtbot, indi_server, tmp_path):
    _connect(tab, qtbot, indi_server.port)
    _choose(tab.camera_combo, CCD)
    _choose(tab.wheel_combo, WHEEL)
    qtbot.waitUntil(lambda: "Blue" in tab.filters, timeout=10000)
    tab.table.item(0, 0).setText("2")
    tab.table.cellWidget(0, 1).setCurrentText("Blue")
    tab.table.item(0, 2).setText("0.1")
    tab.out_dir.setText(str(tmp_path / "captures"))
    tab.object_name.setText("M33")
    qtbot.waitUntil(lambda: tab.start_btn.isEnabled(), timeout=5000)
    qtbot.mouseClick(tab.start_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.seq_bar.value() == 100 and tab.start_btn.isEnabled(),
                    timeout=20000)
    files = sorted(p.name for p in (tmp_path / "captures").rglob("*.fits"))
    assert files == ["Light_Blue_0001_0.1s.fits", "Light_Blue_0002_0.1s.fits"]
    assert "Frame 2/2" in tab.progress_label.text()


@pytest.mark.indi
def test_live_stack_grows_and_goes_to_editor(tab, qtbot, indi_server):
    _connect(tab, qtbot, indi_server.port)
    _choose(tab.camera_combo, CCD)
    qtbot.waitUntil(lambda: tab.live_btn.isEnabled(), timeout=10000)
    tab.live_exposure.setValue(0.2)
    tab.stack_check.setChecked(True)
    qtbot.mouseClick(tab.live_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.stack_label.text().startswith("Stack: 3"), timeout=20000)
    assert not tab.start_btn.isEnabled() and tab.abort_btn.isEnabled()
    with qtbot.waitSignal(tab.open_in_editor, timeout=2000) as sig:
        qtbot.mouseClick(tab.send_stack_btn, Qt.MouseButton.LeftButton)
    array, meta, name = sig.args[0]
    assert array.dtype == np.float32 and meta.header["NCOMBINE"] >= 3 and "Live stack" in name
    qtbot.mouseClick(tab.live_btn, Qt.MouseButton.LeftButton)  # stop
    qtbot.waitUntil(lambda: tab.start_btn.isEnabled(), timeout=10000)
    assert tab.live_btn.text() == "Start live view"


def test_debayer_box_is_on_by_default_and_drives_the_controller(tab):
    box = tab.live.debayer_check
    assert box.isChecked() and tab.controller.debayer
    box.setChecked(False)
    assert tab.controller.debayer is False
    box.setChecked(True)
    assert tab.controller.debayer is True
