"""Wires the sky features (issue 14) into the main window: Image > Plate Solve…, File > New
Mosaic from Files…, View > Sky Overlay, the Mosaic dock, and RA/Dec in the pixel readout."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QDockWidget, QMenu

from editor.ui.canvas.sky_overlay import SkyOverlayController
from editor.ui.common.error_dialogs import show_error
from editor.ui.common.i18n import tr
from editor.ui.sky.mosaic_dialog import NewMosaicDialog, start_new_mosaic
from editor.ui.sky.panel_list import MosaicPanelsPanel
from editor.ui.sky.solve import solvable_source, start_solve


def _menu(window: Any, title: str) -> QMenu | None:
    for act in window.menuBar().actions():
        if act.menu() is not None and act.text() == title:
            return act.menu()
    return None


class SkyIntegration:
    def __init__(self, window: Any) -> None:
        self.window = window
        self.model = window.model
        self.last_job: Any = None
        editor = window.editor
        self.overlay = SkyOverlayController(editor.canvas.vb, parent=window)
        self.model.document_replaced.connect(self.overlay.refresh)
        self.model.content_changed.connect(lambda: self.overlay.refresh(self.model.doc))
        editor.canvas.hovered.connect(self._on_hover)  # after the tab's own readout text

        self.act_overlay = QAction(tr("Sky &Overlay"), window)
        self.act_overlay.setCheckable(True)
        self.act_overlay.setToolTip(tr("RA/Dec grid, compass, scale bar and catalogued objects (needs a WCS)"))
        self.act_overlay.toggled.connect(self.set_overlay)
        before = next((a for a in window.view_menu.actions() if a.isSeparator()), None)
        window.view_menu.insertAction(before, self.act_overlay)

        self.act_solve = QAction(tr("&Plate Solve…"), window)
        self.act_solve.setToolTip(tr("Find the sky position of the selected image layer (astrometry.net)"))
        self.act_solve.triggered.connect(lambda: self.solve_selected())
        image_menu = getattr(getattr(window, "tools", None), "image_menu", None) or _menu(window, tr("&Layer"))
        image_menu.addSeparator()
        image_menu.addAction(self.act_solve)

        self.act_mosaic = QAction(tr("New &Mosaic from Files…"), window)
        self.act_mosaic.triggered.connect(lambda: self.new_mosaic_dialog())
        file_menu = _menu(window, tr("&File"))
        if file_menu is not None:
            after = next((a for a in file_menu.actions() if a.isSeparator()), None)
            file_menu.insertAction(after, self.act_mosaic)

        self.panels = MosaicPanelsPanel(self.model, status=self._status)
        dock = QDockWidget(tr("Mosaic"), editor)
        dock.setObjectName("dock_Mosaic")
        dock.setWidget(self.panels)
        editor.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        editor.tabifyDockWidget(editor.docks["Mask"], dock)
        editor.docks["Properties"].raise_()
        self.dock = dock
        # shown in front when a mosaic layer is selected or a mosaic document opens
        self.model.selection_changed.connect(lambda _l: self._raise_if_mosaic())
        self.model.document_replaced.connect(lambda _d: self._raise_if_mosaic())

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)

    def _raise_if_mosaic(self) -> None:
        if self.panels.layer() is not None and self.model.selected_layer() is not None \
                and getattr(self.model.selected_layer(), "type", "") == "mosaic":
            self.dock.raise_()

    def set_overlay(self, on: bool) -> None:
        if on and self.model.doc is not None and self.overlay.wcs is None:
            self.overlay.refresh(self.model.doc)
            if self.overlay.wcs is None:
                self._status(tr("No sky position yet: use Image > Plate Solve… first"))
        self.overlay.set_enabled(on)

    def _on_hover(self, x: float, y: float) -> None:
        sky = self.overlay.describe(x, y) if self.model.doc is not None else ""
        doc = self.model.doc
        if sky and doc is not None and 0 <= x < doc.width and 0 <= y < doc.height:
            readout = self.window.editor.readout
            readout.setText(readout.text().rstrip() + "   |   " + sky)

    def solve_selected(self, solver: Any = None) -> Any:
        doc = self.model.doc
        src = solvable_source(doc, self.model.selected_layer())
        if src is None:
            show_error(self.window, tr("Plate Solve needs an image layer: select one first"))
            return None
        self._status(tr("Plate solving {0}… (astrometry.net; up to 3 minutes)").format(src.name or src.id))

        def failed(msg: str) -> None:
            self._status(msg)
            show_error(self.window, msg)

        self.last_job = start_solve(self.window, doc, src, solver=solver, on_done=self._status,
                                    on_failed=failed)
        return self.last_job

    def new_mosaic_dialog(self, paths: list[str] | None = None, accept: bool = False) -> Any:
        """The dialog; ``accept``: take ``paths`` with the default options (tests)."""
        if not self.window.files.maybe_save_changes():
            return None
        dlg = NewMosaicDialog(self.window, paths)
        if not accept and dlg.exec() != NewMosaicDialog.DialogCode.Accepted:
            return None
        return self.build_mosaic(dlg.paths(), dlg.options())

    def build_mosaic(self, paths: list[str], options: dict[str, Any]) -> Any:
        def done(doc: Any) -> None:
            self.window.set_document(doc)
            lid = next(x.id for x in doc.layers if x.type == "mosaic")
            self.model.select(lid)
            self.dock.show()
            self.dock.raise_()
            self._status(tr("Mosaic of {0} panels: see the Mosaic panel for the fitted gains").format(len(paths)))

        self.last_job = start_new_mosaic(self.window, paths, options, done,
                                         lambda msg: show_error(self.window, msg))
        return self.last_job


def install_sky(window: Any) -> SkyIntegration:
    return SkyIntegration(window)
