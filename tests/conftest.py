"""Fixtures shared by every test area."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest

# Qt tests run headless unless a test explicitly asks for a real X server.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("NEBULAYER_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real camera/FITS files of ../shared/data (see its PROVENANCE.md), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (set NEBULAYER_SHARED_DATA)")
    return SHARED_DATA


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
