"""Snapshots panel: named states of the document to go back to or compare with.

Like Photoshop's History snapshots: "Take snapshot" saves the whole layer stack under a name,
"Restore" brings it back (one undoable step), "Compare with current" opens the before/after
view. Selecting two snapshots compares them with each other.
"""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QAbstractItemView, QHBoxLayout, QInputDialog, QLineEdit, QListWidget,
                             QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from editor.ui.common.i18n import tr
from editor.errors import NebulayerError
from editor.render.comparison import ORIGINAL_NAME
from editor.ui.common.error_dialogs import show_error

ID_ROLE = Qt.ItemDataRole.UserRole


class SnapshotsPanel(QWidget):
    """List of the document's snapshots.

    Signals
    -------
    compare_requested(a, b)
        Compare snapshot ``a`` with ``b`` (a snapshot id, or None for the current state).
    """

    compare_requested = pyqtSignal(object, object)
    _doc_event = pyqtSignal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda _item: self.compare_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.take_button = QPushButton(tr("Take…"), toolTip=tr("Save the current state under a name"))
        self.restore_button = QPushButton(tr("Restore"), toolTip=tr("Go back to the selected snapshot "
                                                             "(undoable)"))
        self.compare_button = QPushButton(tr("Compare"), toolTip=tr("Compare the selected snapshot with "
                                                             "the current state (or two selected "
                                                             "snapshots with each other)"))
        self.delete_button = QPushButton(tr("Delete"), toolTip=tr("Delete the selected snapshots"))
        self.take_button.clicked.connect(lambda: self.take_snapshot())
        self.restore_button.clicked.connect(self.restore_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for b in (self.take_button, self.restore_button, self.compare_button, self.delete_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._doc_event.connect(self._on_doc_event, Qt.ConnectionType.QueuedConnection)
        self._update_buttons()

    # ------------------------------------------------------------------ public API
    def set_document(self, doc: Any) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.doc = doc
        if doc is not None:
            self._unsubscribe = doc.subscribe(lambda ev: self._doc_event.emit(doc, ev))
        self.refresh()

    def refresh(self) -> None:
        """Re-read the snapshot list from the document, keeping the selection."""
        keep = set(self.selected_snapshots())
        self.list.clear()
        if self.doc is not None:
            for sid, name in self.doc.snapshots:
                item = QListWidgetItem(str(name))
                item.setData(ID_ROLE, sid)
                item.setToolTip(tr('{name}  (snapshot {sid})').format(name=name, sid=sid))
                self.list.addItem(item)
                item.setSelected(sid in keep)
        self._update_buttons()

    def selected_snapshots(self) -> list[Any]:
        """Ids of the selected snapshots, in list order."""
        rows = sorted(self.list.row(i) for i in self.list.selectedItems())
        return [self.list.item(r).data(ID_ROLE) for r in rows]

    def take_snapshot(self, name: str | None = None) -> Any:
        """Snapshot the current state as ``name`` (asks for a name when None); returns its id."""
        if self.doc is None:
            return None
        if name is None:
            default = f"Snapshot {len(self.doc.snapshots) + (0 if self._has_original() else 1)}"
            name, ok = QInputDialog.getText(self, tr("Take snapshot"), tr("Name:"),
                                            QLineEdit.EchoMode.Normal, default)
            if not ok:
                return None
        name = name.strip() or "Snapshot"
        sid = self._run(self.doc.take_snapshot, name)
        self.refresh()
        return sid

    def restore_selected(self) -> None:
        sel = self.selected_snapshots()
        if self.doc is not None and len(sel) == 1:
            self._run(self.doc.restore_snapshot, sel[0])

    def delete_selected(self) -> None:
        if self.doc is None or not self._can_delete():
            return
        for sid in self.selected_snapshots():
            self._run(self.doc.delete_snapshot, sid)
        self.refresh()

    def compare_selected(self) -> None:
        """One snapshot selected: compare it with the current state; two: with each other."""
        sel = self.selected_snapshots()
        if len(sel) == 1:
            self.compare_requested.emit(sel[0], None)
        elif len(sel) == 2:
            self.compare_requested.emit(sel[0], sel[1])

    # ------------------------------------------------------------------ internals
    def _has_original(self) -> bool:
        return any(name == ORIGINAL_NAME for _, name in self.doc.snapshots)

    def _can_delete(self) -> bool:
        return callable(getattr(self.doc, "delete_snapshot", None))

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except NebulayerError as exc:
            show_error(self, str(exc))
            return None

    def _update_buttons(self) -> None:
        n = len(self.list.selectedItems())
        self.take_button.setEnabled(self.doc is not None)
        self.restore_button.setEnabled(n == 1)
        self.compare_button.setEnabled(n in (1, 2))
        self.delete_button.setVisible(self.doc is None or self._can_delete())
        self.delete_button.setEnabled(n >= 1)

    def _on_doc_event(self, doc: Any, ev: Any) -> None:
        if doc is self.doc and getattr(ev, "kind", "document") in ("snapshot", "document"):
            self.refresh()
