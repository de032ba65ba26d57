"""The Notes panel and File > Export Review Page in the real editor window (pytest-qt).

Notes are placed with real mouse clicks on the canvas, edited and deleted from the panel, undone
with the window's Undo; the export runs as a job with progress and can be cancelled."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt", reason="pytest-qt is not installed")


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field_project: Path):
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QMessageBox

    from editor import Document
    from editor.ui.shell.app import create_window, make_application

    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(tmp_path / "userdata"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    # Closing with unsaved notes asks to save: answer "Discard" instead of waiting for a user.
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    make_application()
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    win.set_document(Document.load(field_project))
    qtbot.wait(50)
    yield win
    win.editor.renderer.shutdown()


def _click_canvas(qtbot: Any, win: Any, x: float, y: float) -> None:
    from PyQt6.QtCore import QPointF, Qt

    canvas = win.editor.canvas
    scene_pos = canvas.vb.mapViewToScene(QPointF(x, y))
    pos = canvas.mapFromScene(scene_pos)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_the_notes_dock_lists_the_project_notes_and_draws_them(window, qtbot):
    panel = window.review.panel
    assert "Notes" in window.editor.docks
    assert panel.list.count() == 2
    assert panel.list.item(0).text().startswith("1. [Rect] the blue gas")
    assert window.review.overlay.item_count() == 3  # a rectangle + its number, a pin
    panel.show_notes.setChecked(False)
    assert window.review.overlay.item_count() == 0
    panel.show_notes.setChecked(True)
    assert window.review.overlay.item_count() == 3


def test_a_click_with_add_pin_places_a_note_there_and_undo_removes_it(window, qtbot):
    from PyQt6.QtCore import Qt

    panel = window.review.panel
    doc = window.model.doc
    qtbot.mouseClick(panel.add_pin, Qt.MouseButton.LeftButton)
    assert window.review.overlay.tool == "pin"
    _click_canvas(qtbot, window, 100.0, 50.0)
    qtbot.waitUntil(lambda: len(doc.notes) == 3)
    pin = doc.notes[-1]
    assert pin.kind == "pin" and abs(pin.x - 100) < 1.5 and abs(pin.y - 50) < 1.5
    assert not panel.add_pin.isChecked() and window.review.overlay.tool == ""
    assert panel.selected_id() == pin.id
    panel.text.setPlainText("star bloated here")
    qtbot.mouseClick(panel.save_text, Qt.MouseButton.LeftButton)
    assert doc.note(pin.id).text == "star bloated here"
    qtbot.waitUntil(lambda: "star bloated here" in panel.list.item(2).text())
    window.undo()
    assert doc.note(pin.id).text == ""
    window.undo()
    qtbot.waitUntil(lambda: panel.list.count() == 2)
    assert len(doc.notes) == 2


def test_a_drag_with_add_rectangle_marks_a_region(window, qtbot):
    from PyQt6.QtCore import QPointF

    panel = window.review.panel
    doc = window.model.doc
    panel.add_rect.setChecked(True)
    assert window.review.overlay.tool == "rect"
    # The drag's end points as the canvas tool receives them (Qt's test mouse cannot hold a
    # button while moving); the tool turns them into a note like a real drag.
    window.review.overlay.finish(QPointF(300, 200), QPointF(250, 150))
    qtbot.waitUntil(lambda: len(doc.notes) == 3)
    rect = doc.notes[-1]
    assert (rect.kind, rect.x, rect.y, rect.w, rect.h) == ("rect", 250, 150, 50, 50)
    assert not panel.add_rect.isChecked()


def test_delete_removes_the_selected_note(window, qtbot):
    panel = window.review.panel
    panel.list.setCurrentRow(0)
    panel.delete.click()
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    assert [n.kind for n in window.model.doc.notes] == ["pin"]


def test_export_review_page_from_the_menu_runs_as_a_job(window, qtbot, tmp_path):
    from editor.ui.review.export_dialog import ReviewExportDialog, start_export

    dialog = ReviewExportDialog(window.model.doc, window)
    assert dialog.before.currentText() == "Original" and dialog.after.currentText() == "Current"
    dialog.folder.setText(str(tmp_path / "page"))
    dialog.before.setCurrentText("First attempt")
    req = dialog.request()
    assert (req.before, req.after) == ("First attempt", None)
    job = start_export(window, window.model.doc, req, open_when_done=False)
    seen = []
    job._progress.connect(seen.append)
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    assert job.error is None and (tmp_path / "page" / "index.html").is_file()
    assert seen and max(seen) <= 1.0
    assert "File" in window.menuBar().actions()[0].text()
    assert window.review.export_action in window.menuBar().actions()[0].menu().actions()


def test_a_cancelled_export_writes_nothing(window, qtbot, tmp_path):
    from editor.ui.review.export_dialog import ReviewRequest, start_export

    req = ReviewRequest(tmp_path / "page", "Original", None, None, "auto")
    job = start_export(window, window.model.doc, req, open_when_done=False)
    job.cancel()
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    assert job.result is None and not (tmp_path / "page").exists()
    assert list(tmp_path.glob(".review-*")) == []
