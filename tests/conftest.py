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


def pytest_unconfigure(config: pytest.Config) -> None:
    """The failures again, one line each, as the very last lines of the run: where only the
    end of a long log is kept (a CI summary), a failure whose full diff fills the screen (CI
    runs show diffs untruncated) must not hide the others."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    bad = [r for kind in ("failed", "error") for r in reporter.stats.get(kind, [])
           if getattr(r, "nodeid", None)]
    if not bad:
        return
    reporter.write_line(f"{len(bad)} failing, one line each:")
    for report in bad:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr)
        first = message.strip().splitlines()[0] if message.strip() else ""
        reporter.write_line(f"  {report.nodeid} ({report.when}): {first[:160]}")
