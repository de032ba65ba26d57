"""Fixtures shared by every test area."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest

from tests.shared_data import REPO, shared_data  # noqa: F401 (fixture)

# Qt tests run headless unless a test explicitly asks for a real X server.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NEBULAYER_LANG", "en")  # tests read the English UI texts whatever the machine's locale


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The project's own generated samples (samples/)."""
    return REPO / "samples"


@pytest.fixture(autouse=True)
def _free_closed_qt_objects() -> object:
    """After a test that used Qt, delete its closed windows now, on the UI thread.

    Otherwise Python's garbage collector frees them at some random later moment, in the middle
    of another test, which is where PyQt/pyqtgraph tear-down crashes come from.
    """
    yield
    widgets = sys.modules.get("PyQt6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is None:
        return
    from PyQt6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()
