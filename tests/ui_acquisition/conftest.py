"""Fixtures for the Acquisition tab tests: the INDI simulator server and an isolated tab."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "acquisition"))

from indi_server import ready_simulator_server  # noqa: E402


@pytest.fixture(scope="module")
def indi_server(tmp_path_factory):
    with ready_simulator_server(tmp_path_factory.mktemp("indi_ui")) as server:
        yield server


@pytest.fixture
def tab(qtbot, tmp_path, monkeypatch):
    """An Acquisition tab with its settings in a temporary folder; shut down after the test."""
    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path / "config"))
    from editor.ui.acquisition.tab import AcquisitionTab

    widget = AcquisitionTab()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()
