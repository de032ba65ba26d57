"""Puts the before/after widgets (``compare_view.CompareView``, ``snapshots_panel.SnapshotsPanel``)
into the main window: a "Compare" tab, a "Snapshots" dock beside the layers, and menu entries.

The comparison logic lives in those modules; this one only wires them. The compare view gets
the document only while its tab is shown, so it never renders behind the editor's back (two
cores: the main canvas must keep them).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QMenu
from editor.ui.common.i18n import tr


class CompareIntegration:
    def __init__(self, window: Any) -> None:
        from editor.ui.compare.view import CompareView
        from editor.ui.compare.snapshots_panel import SnapshotsPanel

        self.window = window
        self.view = CompareView()
        self.index = window.tabs.addTab(self.view, tr("Compare"))
        self.snapshots = SnapshotsPanel()
        dock = QDockWidget(tr("Snapshots"), window.editor)
        dock.setObjectName("dock_Snapshots")
        dock.setWidget(self.snapshots)
        window.editor.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.editor.tabifyDockWidget(window.editor.docks["Mask"], dock)
        window.editor.docks["Properties"].raise_()
        window.editor.docks["Snapshots"] = dock
        self.snapshots.compare_requested.connect(self.compare)
        window.model.document_replaced.connect(self._on_document)
        window.tabs.currentChanged.connect(self._on_tab)

        menu = QMenu(tr("&Compare"), window)
        window.menuBar().insertMenu(window.help_menu.menuAction(), menu)
        self._add(menu, tr("&Before / After"), lambda: self.compare(None, None, keep_states=True),
                  "Ctrl+Alt+C")
        self._add(menu, tr("Take &Snapshot…"), lambda: self.snapshots.take_snapshot(), "Ctrl+Alt+S")
        self._add(menu, tr("&Export Comparison…"), self.view.open_export_dialog)
        window.view_menu.addAction(dock.toggleViewAction())

    def _add(self, menu: Any, text: str, slot: Any, shortcut: str | None = None) -> QAction:
        act = QAction(text, self.window)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _c=False: slot())
        menu.addAction(act)
        return act

    def _on_document(self, doc: Any) -> None:
        from editor.render.comparison import take_original_snapshot

        if doc is not None:
            was_dirty = doc.dirty
            take_original_snapshot(doc)  # "before" = the document as opened
            if not was_dirty and hasattr(doc, "mark_saved"):
                doc.mark_saved()  # a bookkeeping snapshot is not an unsaved change
        self.snapshots.set_document(doc)
        if self.window.tabs.currentIndex() == self.index:
            self.view.set_document(doc)

    def _on_tab(self, index: int) -> None:
        doc = self.window.model.doc
        if index == self.index:
            if self.view.doc is not doc:
                self.view.set_document(doc)
            else:
                self.view.refresh()
        elif self.view.doc is not None:
            self.view.set_document(None)

    def compare(self, a: Any, b: Any, keep_states: bool = False) -> None:
        """Show the Compare tab with snapshot ``a`` against ``b`` (None = current state)."""
        self.window.tabs.setCurrentIndex(self.index)
        if not keep_states:
            self.view.set_states(a, b)


def install_compare(window: Any) -> CompareIntegration | None:
    """Add the comparison widgets if the compare modules are importable."""
    try:
        return CompareIntegration(window)
    except ImportError:
        return None
