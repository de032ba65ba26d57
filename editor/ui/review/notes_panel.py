"""The Notes panel: the document's review notes as a list, with add pin / add rectangle (on the
canvas), the selected note's text, delete, and show/hide on the canvas.

Changes go through :mod:`editor.review.locate` (sky position kept up to date) and the document's
history, so Ctrl+Z undoes them like any edit.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                             QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from editor.ui.common.i18n import tr
from editor.review.locate import place_note, update_note
from editor.ui.common.doc_model import DocModel


def _sky(note: Any) -> str:
    if note.sky is None:
        return ""
    from astropy import units as u
    from astropy.coordinates import Angle

    ra = Angle(note.sky[0], u.deg).to_string(unit=u.hourangle, sep=":", precision=1, pad=True)
    dec = Angle(note.sky[1], u.deg).to_string(unit=u.deg, sep=":", precision=0, alwayssign=True, pad=True)
    return f"RA {ra}  Dec {dec}"


class NotesPanel(QWidget):
    """Signals: ``tool_requested(kind)`` ("pin", "rect" or "" to stop placing),
    ``visibility_changed(bool)``, ``notes_changed(notes, selected id)`` for the overlay,
    ``note_activated(id)`` (double-click: show it on the canvas)."""

    tool_requested = pyqtSignal(str)
    visibility_changed = pyqtSignal(bool)
    notes_changed = pyqtSignal(object, object)
    note_activated = pyqtSignal(str)

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.list = QListWidget()
        self.list.setAccessibleName("Review notes")
        self.add_pin = QPushButton(tr("Add pin"))
        self.add_pin.setCheckable(True)
        self.add_pin.setToolTip(tr("Click on the picture to pin a note there (Esc cancels)"))
        self.add_rect = QPushButton(tr("Add rectangle"))
        self.add_rect.setCheckable(True)
        self.add_rect.setToolTip(tr("Drag on the picture to mark a region; it is shown at 100 % in review pages"))
        self.delete = QPushButton(tr("Delete"))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(tr("What to look at here (e.g. \"background crushed\")"))
        self.text.setMaximumHeight(90)
        self.text.setAccessibleName("Note text")
        self.save_text = QPushButton(tr("Apply text"))
        self.where = QLabel(" ")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_notes = QCheckBox(tr("Show notes on the canvas"))
        self.show_notes.setChecked(True)

        tools = QHBoxLayout()
        tools.addWidget(self.add_pin)
        tools.addWidget(self.add_rect)
        tools.addWidget(self.delete)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.addWidget(self.where, 1)
        row.addWidget(self.save_text)
        layout.addLayout(row)
        layout.addWidget(self.show_notes)

        self.add_pin.toggled.connect(lambda on: self._tool("pin", on))
        self.add_rect.toggled.connect(lambda on: self._tool("rect", on))
        self.delete.clicked.connect(self.delete_selected)
        self.save_text.clicked.connect(self.apply_text)
        self.show_notes.toggled.connect(self.visibility_changed)
        self.list.currentRowChanged.connect(lambda _r: self._on_selection())
        self.list.itemDoubleClicked.connect(lambda item: self.note_activated.emit(item.data(Qt.ItemDataRole.UserRole)))
        model.document_replaced.connect(lambda _d: self.refresh())
        model.history_changed.connect(self.refresh)
        self.refresh()

    # the placing tool
    def _tool(self, kind: str, on: bool) -> None:
        other = self.add_rect if kind == "pin" else self.add_pin
        if on:
            other.blockSignals(True)
            other.setChecked(False)
            other.blockSignals(False)
        self.tool_requested.emit(kind if on else "")

    def tool_finished(self, tool: str) -> None:
        """The canvas tool changed (placed or cancelled): buttons follow."""
        for kind, button in (("pin", self.add_pin), ("rect", self.add_rect)):
            button.blockSignals(True)
            button.setChecked(tool == kind)
            button.blockSignals(False)

    def place(self, kind: str, x: float, y: float, w: float, h: float) -> str | None:
        """Add a note where the canvas tool put it, select it and ask for its text."""
        doc = self.model.doc
        if doc is None:
            return None
        nid = self.model.run(place_note, doc, kind, x, y, w, h, "")
        if nid is not None:
            self.refresh(select=nid)
            self.text.setFocus()
        return nid

    # list
    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def refresh(self, select: str | None = None) -> None:
        doc = self.model.doc
        notes = list(doc.notes) if doc is not None else []
        keep = select or self.selected_id()
        self.list.blockSignals(True)
        self.list.clear()
        for number, note in enumerate(notes, start=1):
            kind = "Pin" if note.kind == "pin" else "Rect"
            first_line = (note.text.splitlines() or ["(no text)"])[0]
            item = QListWidgetItem(f"{number}. [{kind}] {first_line}")
            item.setData(Qt.ItemDataRole.UserRole, note.id)
            item.setToolTip(note.text)
            self.list.addItem(item)
            if note.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        enabled = doc is not None
        for w in (self.add_pin, self.add_rect):
            w.setEnabled(enabled)
        self._on_selection()

    def _on_selection(self) -> None:
        nid = self.selected_id()
        doc = self.model.doc
        note = None
        if doc is not None and nid is not None:
            note = next((n for n in doc.notes if n.id == nid), None)
        self.delete.setEnabled(note is not None)
        self.text.setEnabled(note is not None)
        self.save_text.setEnabled(note is not None)
        if note is None:
            self.text.setPlainText("")
            self.where.setText(" ")
        else:
            if self.text.toPlainText() != note.text:
                self.text.setPlainText(note.text)
            if note.kind == "rect":
                pos = f"{note.w:.0f}x{note.h:.0f} px at ({note.x:.0f}, {note.y:.0f})"
            else:
                pos = f"({note.x:.0f}, {note.y:.0f})"
            self.where.setText("  ".join(p for p in (pos, _sky(note)) if p))
        self.notes_changed.emit(list(doc.notes) if doc is not None else [], nid)

    def apply_text(self) -> None:
        nid, doc = self.selected_id(), self.model.doc
        if nid is None or doc is None:
            return
        text = self.text.toPlainText().strip()
        if text != doc.note(nid).text:
            self.model.run(update_note, doc, nid, text=text)

    def delete_selected(self) -> None:
        nid, doc = self.selected_id(), self.model.doc
        if nid is not None and doc is not None:
            self.model.run(doc.delete_note, nid)

