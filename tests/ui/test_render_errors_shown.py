"""A filter that fails during a render shows on its layer at once: the render's errors reach the
document on the UI thread through one "errors" event, and the layers panel repaints that row
without any other refresh (no layer/layers event, no rebuild, no reselecting)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from window_test_helpers import wait_render

from editor.core.layers import walk

pytestmark = pytest.mark.timeout(120)

LIMIT = 2.0


def gain(img: np.ndarray, *, factor: float = 1.0, progress: Any = None) -> np.ndarray:
    if factor > LIMIT:
        raise RuntimeError(f"gain above {LIMIT} is not supported")
    return img * np.float32(factor)


@pytest.fixture
def failing_registry() -> Any:
    """The built-ins plus a third-party plugin whose 'gain' raises above LIMIT."""
    from editor.plugins.registry import Registry, using_registry
    from filters.registry import FilterSpec, Param

    reg = Registry.discover()
    reg.add_manifest({"id": "test.failing", "name": "Failing ops", "version": "1", "filters": [
        FilterSpec("gain", "Gain", gain, (Param("factor", "float", 1.0, min=0, max=10),))]},
        "test")
    with using_registry(reg):
        yield reg


def row_of(win: Any, lid: str) -> Any:
    panel = win.editor.layers
    item = panel._find(lid)
    assert item is not None
    from editor.ui.panels.layer_tree import COL_NAME

    return item.text(COL_NAME), item.toolTip(COL_NAME)


def test_a_filter_failure_shows_on_its_row_right_after_the_render(qtbot, window, failing_registry,
                                                                  shared_data):
    from editor.core.document import Document

    win = window
    doc = Document.from_image(str(shared_data / "fits" / "m51_kpno_b_int16.fits"),
                              registry=failing_registry)
    lid = doc.add_adjustment("gain", factor=1.5)
    win.set_document(doc)
    wait_render(qtbot, win)
    assert not row_of(win, lid)[0].startswith("⚠") and doc.layer(lid).error is None

    # From here on, only the "errors" event may repaint the row.
    other_refreshes: list[str] = []
    m = win.model
    m.layers_changed.connect(lambda: other_refreshes.append("layers"))
    m.document_replaced.connect(lambda _d: other_refreshes.append("document"))
    error_threads: list[str] = []
    doc.subscribe(lambda ev: error_threads.append(threading.current_thread().name)
                  if ev.kind == "errors" else None)

    with qtbot.waitSignal(m.layer_changed, timeout=5000):  # the edit itself, before any render
        m.run(doc.set_params, lid, factor=5.0)
    assert not row_of(win, lid)[0].startswith("⚠")  # the edit alone shows nothing
    layer_events: list[str] = []
    m.layer_changed.connect(layer_events.append)
    with qtbot.waitSignal(m.errors_changed, timeout=30000):
        pass  # the render runs; its errors come back as one event
    text, tip = row_of(win, lid)
    assert text.startswith("⚠") and "gain above 2.0 is not supported" in tip
    assert "test.failing" in tip  # the message names the plugin
    assert other_refreshes == [] and layer_events == []
    assert error_threads == [threading.main_thread().name]  # applied on the UI thread
    # the adjustments panel of the selected layer says it too, without being rebuilt
    m.select(lid)
    assert "gain above 2.0" in win.editor.adjust._error_label.text()
    editor_before = win.editor.adjust.editor

    # Back under the limit: the next render clears the warning the same way.
    with qtbot.waitSignal(m.errors_changed, timeout=30000):
        m.run(doc.set_params, lid, factor=1.0)
    assert not row_of(win, lid)[0].startswith("⚠") and doc.layer(lid).error is None
    assert not win.editor.adjust._error_label.isVisibleTo(win.editor.adjust)
    assert win.editor.adjust.editor is editor_before  # updated in place
    assert [l.id for l in walk(doc.layers)][-1] == lid
