"""The main window: "Editor" and "Acquisition" tabs, menus and shortcuts, wiring only.

Everything with behaviour lives in its own module (canvas, panels, render controller, file
actions, recovery); this module connects them and maps Photoshop's shortcuts onto them.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PyQt6.QtWidgets import QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget, QWidget

from editor.ui.common.i18n import tr
from editor.ui.common.doc_model import DocModel
from editor.ui.common.error_dialogs import show_error
from editor.ui.shell.editor_tab import EditorTab
from editor.ui.shell.file_actions import FileActions, document_stem
from editor.ui.shell.recent_files import clear_recent, recent_files
from editor.ui.shell.recovery import Autosaver

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nebulayer_main")
        self.setAcceptDrops(True)
        self.resize(1500, 920)
        self.model = DocModel(self)
        self.editor = EditorTab(self.model)
        self.files = FileActions(self, self.model, self.set_document)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.editor, tr("Editor"))
        self.acquisition: QWidget | None = None
        self._acq_index = self.tabs.addTab(QWidget(), tr("Acquisition"))
        self.tabs.currentChanged.connect(self._on_tab)
        self.setCentralWidget(self.tabs)
        self.statusBar().addWidget(self.editor.readout, 1)
        self.statusBar().addPermanentWidget(self.editor.render_progress)
        self.statusBar().addPermanentWidget(self.editor.render_info)
        self.autosaver = Autosaver(lambda: self.model.doc, parent=self)
        self.autosaver.failed.connect(lambda m: self.statusBar().showMessage(m, 10000))
        self.compare: Any = None
        self._build_menus()
        self._install_compare()
        from editor.ui.review.install import install_review  # Notes dock, File > Export Review Page

        self.review = install_review(self)
        from editor.ui.shell.sky_install import install_sky  # plate solve, sky overlay, mosaics

        self.sky = install_sky(self)
        self.model.history_changed.connect(self._update_title)
        self.model.document_replaced.connect(lambda _d: self._update_title())
        self.model.layers_changed.connect(self._update_title)
        self.model.layer_changed.connect(lambda _l: self._update_title())
        self.model.error.connect(lambda msg: show_error(self, msg))
        self.editor.layers.add_image_requested.connect(self.files.add_image_dialog)
        self.editor.layers.add_lrgb_requested.connect(self.add_lrgb_dialog)
        self._update_title()

    # menus
    def _action(self, menu: QMenu, text: str, slot: Any, shortcut: Any = None,
                checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        act.setCheckable(checkable)
        act.triggered.connect(lambda checked=False: slot(checked) if checkable else slot())
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        SK = QKeySequence.StandardKey
        bar = self.menuBar()
        f = bar.addMenu(tr("&File"))
        self._action(f, tr("&Open…"), self.files.open_dialog, SK.Open)
        self.recent_menu = f.addMenu(tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(f, tr("Add &Image Layer…"), self.files.add_image_dialog, "Ctrl+Shift+O")
        f.addSeparator()
        self._action(f, tr("&Save"), self.files.save, SK.Save)
        self._action(f, tr("Save &As…"), self.files.save_as, "Ctrl+Shift+S")
        self._action(f, tr("&Export Image…"), self.files.export_dialog, "Ctrl+Shift+E")
        f.addSeparator()
        self._action(f, tr("&Quit"), self.close, SK.Quit)

        e = bar.addMenu(tr("&Edit"))
        self.act_undo = self._action(e, tr("&Undo"), self.undo, SK.Undo)
        self.act_redo = self._action(e, tr("&Redo"), self.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])

        lay = bar.addMenu(tr("&Layer"))
        lay.addMenu(self.editor.layers.add_menu).setText(tr("New &Adjustment Layer"))
        self._action(lay, tr("New Channel Combine (&LRGB)…"), self.add_lrgb_dialog)
        self._action(lay, tr("&Duplicate Layer"), self.editor.layers.duplicate_selected, "Ctrl+J")
        self._action(lay, tr("&Group Layer"), self.editor.layers.group_selected, "Ctrl+G")
        self._action(lay, tr("De&lete Layer"), self.editor.layers.delete_selected, "Shift+Del")
        lay.addSeparator()
        m = self.editor.masks
        self._action(lay, tr("Add &White Mask"), lambda: m.add_raster(1.0))
        self._action(lay, tr("Add &Black Mask"), lambda: m.add_raster(0.0))
        self._action(lay, tr("&Invert Mask"), m.invert_mask, "Ctrl+I")
        self._action(lay, tr("Ba&ke Mask"), m.bake)
        self._action(lay, tr("Brush: Swap Black/White"), m.swap_colour, "X")
        self._action(lay, tr("Brush: Smaller"), lambda: m.resize_brush(1 / 1.25), "[")
        self._action(lay, tr("Brush: Larger"), lambda: m.resize_brush(1.25), "]")
        from editor.ui.shell.tools_menu import install_tools_menus  # issue 17 tools

        self.tools = install_tools_menus(self, lay)

        v = bar.addMenu(tr("&View"))
        c = self.editor.canvas
        self._action(v, tr("&Fit on Screen"), c.zoom_fit, "Ctrl+0")
        self._action(v, "&100 %", lambda: c.zoom_to(1.0), "Ctrl+1")
        self._action(v, "&200 %", lambda: c.zoom_to(2.0), "Ctrl+2")
        self._action(v, tr("Zoom &In"), c.zoom_in, [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self._action(v, tr("Zoom &Out"), c.zoom_out, "Ctrl+-")
        v.addAction(self.editor.act_clip)
        v.addSeparator()
        panels = v.addMenu(tr("&Panels"))
        for dock in self.editor.docks.values():
            panels.addAction(dock.toggleViewAction())
        self.view_menu = v

        h = bar.addMenu(tr("&Help"))
        self.help_menu = h
        from editor.ui.shell.language_menu import add_language_menu  # issue 17 languages

        add_language_menu(h, self)
        self._action(h, tr("Installed &Plugins"), self._show_plugins)
        self._action(h, tr("&About Nebulayer"), self._about)
        from editor.ui.shell.shortcuts import install_shortcuts  # issue 17 Photoshop habits

        self.keys = install_shortcuts(self, lay, h)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in recent_files():
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_paths([p]))
        if not self.recent_menu.actions():
            self.recent_menu.addAction(tr("(none)")).setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(tr("Clear"), clear_recent)

    # comparison widgets from the compare module, when installed
    def _install_compare(self) -> None:
        if importlib.util.find_spec("editor.ui.compare.view") is None:
            return
        from editor.ui.compare.dock import install_compare

        self.compare = install_compare(self)

    # documents
    def set_document(self, doc: Any) -> None:
        self.model.set_document(doc)
        if doc is not None:
            self.statusBar().clearMessage()  # e.g. the "open an image" hint of an empty window
            self.tabs.setCurrentWidget(self.editor)

    def open_paths(self, paths: list[str]) -> Any:
        if not self.files.maybe_save_changes():
            return None
        return self.files.open_paths(paths)

    def undo(self) -> None:
        self._history_step("undo")

    def redo(self) -> None:
        self._history_step("redo")

    def _history_step(self, step: str) -> None:
        """Undo or redo. A brush stroke's step rebuilds a canvas-sized mask (70-200 ms at
        40 MP), and a stroke may still be painting: those run in the mask job queue, off the
        UI thread and after the strokes before them; every other step is cheap and immediate."""
        from editor.core.stroke_history import StrokeCommand

        doc = self.model.doc
        if doc is None:
            return
        history = doc.history
        masks = self.editor.masks
        nxt = history.next_undo if step == "undo" else history.next_redo
        if masks.mask_jobs_done() and not isinstance(nxt, StrokeCommand):
            if nxt is not None:
                self.model.run(getattr(doc, step))
            return

        def work() -> None:
            if (history.can_undo if step == "undo" else history.can_redo):
                getattr(doc, step)()

        masks.queue_pixel_job(tr("Undoing…") if step == "undo" else tr("Redoing…"), work)

    def add_lrgb_dialog(self) -> Any:
        from editor.ui.common.job_runner import run_job
        from editor.ui.panels.lrgb_dialog import LrgbDialog, describe_offsets

        doc = self.model.doc
        if doc is None:
            return None
        dlg = LrgbDialog(doc, self)
        if dlg.exec() != LrgbDialog.DialogCode.Accepted:
            return None
        channels, mode, align, normalize = dlg.channels(), dlg.mode(), dlg.align(), dlg.normalize()

        def done(lid: Any) -> None:
            self.model.select(lid)
            self.statusBar().showMessage(describe_offsets(doc.layer(lid)), 15000)

        return run_job(self, tr("Combining channels…"),
                       lambda progress: doc.add_channel_combine(channels, mode=mode, align=align,
                                                                normalize=normalize),
                       done, lambda msg: show_error(self, msg))

    def _update_title(self) -> None:
        doc = self.model.doc
        if doc is None:
            self.setWindowTitle("Nebulayer")
        else:
            name = Path(doc.path).name if doc.path else (document_stem(doc) or tr("Untitled"))
            self.setWindowTitle(tr('{name}{0} — Nebulayer').format(' *' if doc.dirty else '', name=name))
        if doc is not None:
            undo, redo = doc.history.undo_text, doc.history.redo_text  # named in the UI's language
            self.act_undo.setText(tr("&Undo {name}").format(name=undo) if undo else tr("&Undo"))
            self.act_redo.setText(tr("&Redo {name}").format(name=redo) if redo else tr("&Redo"))

    # acquisition tab, imported when first shown
    def _on_tab(self, index: int) -> None:
        if index == self._acq_index and self.acquisition is None:
            self.acquisition = self._make_acquisition()
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, self.acquisition, tr("Acquisition"))
            self.tabs.setCurrentIndex(index)

    def _make_acquisition(self) -> QWidget:
        try:
            from editor.ui.acquisition.tab import AcquisitionTab
        except ImportError as exc:
            log.info("acquisition tab unavailable: %s", exc)
            label = QLabel(tr('The acquisition tab is not available in this installation ({exc}).').format(exc=exc))
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            return label
        tab = AcquisitionTab(self)
        tab.open_in_editor.connect(self.open_frame)
        return tab

    def open_frame(self, payload: Any) -> None:
        """A captured frame (array, meta, name): new document, or a layer of the open one."""
        from editor.acquisition.to_editor import document_for, fits_as_layer, payload_image

        image, name = payload_image(payload)
        doc = self.model.doc
        as_layer = False
        if fits_as_layer(doc, image):
            answer = QMessageBox.question(self, tr("Open frame"), tr('Add “{name}” as a layer of the open document? (No: open it as a new document)').format(name=name))
            as_layer = answer == QMessageBox.StandardButton.Yes
        if as_layer:
            lid = self.model.run(doc.add_image, image, name=name)
            if lid:
                self.model.select(lid)
        elif self.files.maybe_save_changes():
            self.set_document(document_for(image, name))
        self.tabs.setCurrentWidget(self.editor)

    # help
    def _show_plugins(self) -> None:
        from editor.plugins.registry import describe_installed

        QMessageBox.information(self, tr("Installed plugins"), describe_installed())

    def _about(self) -> None:
        from editor import __version__

        QMessageBox.about(self, tr("About Nebulayer"), tr('Nebulayer {__version__}\nLayered, non-destructive image editing for astrophotographers.').format(__version__=__version__))

    # drag and drop, closing
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        if self.model.doc is None or any(p.lower().endswith(".nebula") for p in paths):
            self.open_paths(paths)
        else:
            self.files.add_image_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.files.maybe_save_changes():
            event.ignore()
            return
        self.editor.renderer.shutdown()
        self.autosaver.finish()  # a clean exit: remove this instance's recovery file only
        event.accept()
