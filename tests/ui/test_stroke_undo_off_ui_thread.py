"""Issue 17 (no UI pause > 100 ms): undoing or redoing a brush stroke rebuilds a canvas-sized
mask (70-200 ms at 40 MP), so the window runs it in the mask job queue, off the UI thread and
after any stroke still painting; Ctrl+Z right after a stroke undoes that stroke."""

from __future__ import annotations

import threading

import numpy as np
import pytest


def test_ctrl_z_right_after_a_stroke_undoes_it_off_the_ui_thread(qtbot, window, monkeypatch):
    from editor.core.document import Document

    doc = Document.from_image(np.full((64, 64), 0.5, np.float32))
    window.set_document(doc)
    lid = window.editor.layers.add_adjustment("levels")
    masks = window.editor.masks
    masks.add_raster(1.0)
    qtbot.waitUntil(masks.mask_jobs_done)
    masks.swap_colour()  # paint black: hide
    masks.brush_values.update(size=10.0, hardness=1.0, opacity=1.0)

    threads: list[str] = []
    for name in ("undo", "redo"):
        real = getattr(Document, name)

        def spy(self, _real=real, _name=name):
            threads.append(f"{_name}@{'ui' if threading.current_thread() is threading.main_thread() else 'worker'}")
            return _real(self)

        monkeypatch.setattr(Document, name, spy)

    window.editor.canvas.stroke_finished.emit([(10.0, 10.0), (30.0, 10.0)])
    window.undo()  # pressed while the stroke may still be painting: queued after it
    qtbot.waitUntil(masks.mask_jobs_done)
    assert doc.render_mask(lid)[10, 20] == pytest.approx(1.0)  # the stroke is undone
    assert threads == ["undo@worker"]
    window.redo()
    qtbot.waitUntil(masks.mask_jobs_done)
    assert doc.render_mask(lid)[10, 20] == pytest.approx(0.0)
    assert threads == ["undo@worker", "redo@worker"]

    window.undo()  # the stroke again (worker), then adding the mask: a cheap step, at once
    qtbot.waitUntil(masks.mask_jobs_done)
    window.undo()
    assert threads[-2:] == ["undo@worker", "undo@ui"] and doc.layer(lid).mask is None
