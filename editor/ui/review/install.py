"""Puts the review parts into the main window: a "Notes" dock beside the layers, the notes drawn
on the canvas, and File > Export Review Page. Wiring only; behaviour lives in the modules."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QDockWidget

from editor.ui.common.i18n import tr
from editor.ui.review.export_dialog import export_review_page
from editor.ui.review.notes_overlay import NotesOverlay
from editor.ui.review.notes_panel import NotesPanel


class ReviewIntegration:
    def __init__(self, window: Any) -> None:
        editor = window.editor
        self.window = window
        self.panel = NotesPanel(window.model)
        self.overlay = NotesOverlay(editor.canvas.vb, parent=self.panel)
        dock = QDockWidget(tr("Notes"), editor)
        dock.setObjectName("dock_Notes")
        dock.setWidget(self.panel)
        editor.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        editor.tabifyDockWidget(editor.docks["Layers"], dock)
        editor.docks["Layers"].raise_()
        editor.docks["Notes"] = dock
        self.dock = dock
        self.panel.tool_requested.connect(self.overlay.set_tool)
        self.overlay.tool_changed.connect(self.panel.tool_finished)
        self.overlay.placed.connect(self._placed)
        self.panel.notes_changed.connect(self.overlay.set_notes)
        self.panel.visibility_changed.connect(self.overlay.set_visible)
        self.panel.note_activated.connect(self._show_note)
        self.panel.refresh()

        self.export_action = QAction(tr("Export Re&view Page…"), window)
        self.export_action.setToolTip(tr("A web page for club reviews: before/after slider, 100 % "
                                      "crops of the notes, capture details, processing steps"))
        self.export_action.triggered.connect(lambda _c=False: self.export())
        file_menu = window.menuBar().actions()[0].menu()
        actions = file_menu.actions()
        # Above "Quit" and its separator, below the other exports.
        at = next((i for i, a in enumerate(actions) if a.text().replace("&", "") == "Quit"), len(actions))
        if at > 0 and actions[at - 1].isSeparator():
            at -= 1
        file_menu.insertAction(actions[at] if at < len(actions) else None, self.export_action)
        window.view_menu.addAction(dock.toggleViewAction())

    def _placed(self, kind: str, x: float, y: float, w: float, h: float) -> None:
        self.dock.raise_()
        self.panel.place(kind, x, y, w, h)

    def _show_note(self, note_id: str) -> None:
        doc = self.window.model.doc
        if doc is None:
            return
        note = doc.note(note_id)
        cx, cy = note.centre
        vb = self.window.editor.canvas.vb
        view = vb.viewRect()
        vb.setRange(xRange=(cx - view.width() / 2, cx + view.width() / 2),
                    yRange=(cy - view.height() / 2, cy + view.height() / 2), padding=0)

    def export(self) -> Any:
        return export_review_page(self.window, self.window.model)


def install_review(window: Any) -> ReviewIntegration:
    return ReviewIntegration(window)
