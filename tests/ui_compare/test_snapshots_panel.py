"""The snapshots panel: take (with a name prompt), list, compare, restore, delete."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtWidgets import QInputDialog

from editor.ui.compare.snapshots_panel import SnapshotsPanel


@pytest.fixture()
def panel(qtbot, processed_doc):
    doc, _ = processed_doc
    p = SnapshotsPanel()
    qtbot.addWidget(p)
    p.set_document(doc)
    return p


def _names(panel) -> list[str]:
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def test_panel_lists_the_documents_snapshots(panel):
    assert _names(panel) == ["Original"]


def test_take_snapshot_asks_for_a_name(panel, processed_doc, monkeypatch):
    doc, _ = processed_doc
    asked = {}

    def fake_get_text(parent, title, label, echo, default):
        asked["default"] = default
        return "After curves", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake_get_text))
    panel.take_button.click()
    assert asked["default"] == "Snapshot 1"
    assert _names(panel) == ["Original", "After curves"]
    assert [n for _, n in doc.snapshots] == ["Original", "After curves"]


def test_cancelling_the_name_prompt_takes_no_snapshot(panel, processed_doc, monkeypatch):
    doc, _ = processed_doc
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a: ("x", False)))
    panel.take_button.click()
    assert len(doc.snapshots) == 1


def test_compare_with_current_emits_the_snapshot_and_none(qtbot, panel, processed_doc):
    _, original = processed_doc
    panel.list.item(0).setSelected(True)
    with qtbot.waitSignal(panel.compare_requested) as sig:
        panel.compare_button.click()
    assert sig.args == [original, None]


def test_two_selected_snapshots_are_compared_with_each_other(qtbot, panel, processed_doc):
    _, original = processed_doc
    second = panel.take_snapshot("Second")
    for i in range(2):
        panel.list.item(i).setSelected(True)
    with qtbot.waitSignal(panel.compare_requested) as sig:
        panel.compare_selected()
    assert sig.args == [original, second]


def test_restore_brings_back_the_snapshot_pixels(qtbot, panel, processed_doc):
    doc, original = processed_doc
    want = doc.render(scale=0.25, snapshot=original)
    assert not np.array_equal(doc.render(scale=0.25), want)
    panel.list.item(0).setSelected(True)
    panel.restore_button.click()
    np.testing.assert_array_equal(doc.render(scale=0.25), want)
    doc.undo()  # restoring is one undoable step
    assert not np.array_equal(doc.render(scale=0.25), want)


def test_delete_removes_the_selected_snapshot(qtbot, panel, processed_doc):
    doc, _ = processed_doc
    panel.take_snapshot("Temp")
    panel.list.item(1).setSelected(True)
    panel.delete_button.click()
    assert [n for _, n in doc.snapshots] == ["Original"]
    assert _names(panel) == ["Original"]


def test_snapshot_taken_elsewhere_appears_in_the_list(qtbot, panel, processed_doc):
    doc, _ = processed_doc
    doc.take_snapshot("From the menu")
    qtbot.waitUntil(lambda: _names(panel) == ["Original", "From the menu"], timeout=2000)
