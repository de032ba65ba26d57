"""The "Editor" tab: the canvas in the middle, panels in docks around it (Photoshop layout:
layers, masks and properties on the right, histogram and info on the left), a view toolbar
(zoom, screen stretch, clipping warnings) and the pixel readout.

It wires the parts together; each part lives in its own module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PyQt6.QtCore import QLocale, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (QComboBox, QDockWidget, QLabel, QMainWindow, QProgressBar,
                             QScrollArea, QToolBar, QWidget)

from editor.ui.common.i18n import format_number, tr
from editor.ui.canvas.render_controller import RenderController, RenderResult
from editor.ui.canvas.tiled_view import TiledLayer
from editor.ui.canvas.view import CanvasView
from editor.ui.common.doc_model import DocModel
from editor.ui.panels.adjustments_panel import AdjustmentsPanel
from editor.ui.panels.histogram_panel import HistogramPanel
from editor.ui.panels.layers_panel import LayersPanel
from editor.ui.panels.masks_panel import MasksPanel
from editor.ui.panels.metadata_panel import MetadataPanel

STRETCHES = {"Linear (no stretch)": "none", "Auto stretch (STF)": "auto"}


#: Pixels of the controller's picture under the tiles (placeholder, histogram, auto stretch).
PLACEHOLDER_PIXELS = 150_000


class EditorTab(QMainWindow):
    """Canvas + panels for one document model."""

    #: a mosaic panel was found damaged (emitted on the checking thread, handled on this one)
    panel_damaged = pyqtSignal()

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)
        self.model = model
        self.canvas = CanvasView()
        self.setCentralWidget(self.canvas)
        self.renderer = RenderController()  # no parent: its thread keeps it alive
        self.tiles = TiledLayer(self.canvas)  # big documents show as pyramid tiles
        self.layers = LayersPanel(model)
        self.masks = MasksPanel(model)
        self.adjust = AdjustmentsPanel(model)
        self.histogram = HistogramPanel()
        self.metadata = MetadataPanel(model)
        self.docks: dict[str, QDockWidget] = {}
        right = Qt.DockWidgetArea.RightDockWidgetArea
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self._dock("Layers", self.layers, right)
        self._dock("Properties", self.adjust, right)
        self._dock("Mask", self.masks, right, scroll=True)
        self.tabifyDockWidget(self.docks["Properties"], self.docks["Mask"])
        self.docks["Properties"].raise_()
        self._dock("Histogram", self.histogram, left)
        self._dock("Info", self.metadata, left)
        self.arrange_docks()
        self.docks["Histogram"].setMinimumWidth(260)

        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.render_info = QLabel(" ")
        # shown only when a render takes long (a high-pass at a large radius, a 100 MP mosaic)
        self.render_progress = QProgressBar()
        self.render_progress.setRange(0, 1000)
        self.render_progress.setMaximumWidth(160)
        self.render_progress.setTextVisible(False)
        self.render_progress.hide()
        self._slow_timer = QTimer(self)
        self._slow_timer.setSingleShot(True)
        self._slow_timer.setInterval(500)
        self._slow_timer.timeout.connect(self.render_progress.show)
        self._build_toolbar()

        self.canvas.view_changed.connect(self._on_view_changed)
        self.canvas.hovered.connect(self._on_hover)
        self.canvas.stroke_finished.connect(self.masks.paint)
        self.renderer.rendered.connect(self._on_rendered)
        self.renderer.failed.connect(lambda msg: self.render_info.setText(f"⚠ {msg}"))
        self.renderer.busy.connect(self._on_busy)
        self.renderer.progress.connect(lambda f: self.render_progress.setValue(int(f * 1000)))
        self.masks.show_mask_toggled.connect(self.renderer.set_mask_view)
        self.masks.brush_toggled.connect(self.canvas.set_brush_active)
        self.masks.brush.value_changed.connect(
            lambda name, v, _d: setattr(self.canvas, "brush_size", float(v)) if name == "size" else None)
        model.document_replaced.connect(self._on_document)
        model.content_changed.connect(self.renderer.request)
        model.content_changed.connect(self.tiles.invalidate)
        # a panel found damaged by the background checksum check changes the mosaic's render
        # key: every view renders again (its cached tiles showed the damaged bytes)
        from editor.mosaic.checks import on_damage

        self.panel_damaged.connect(model.content_changed.emit)
        on_damage(self._on_panel_damaged)
        # tiled view: the small picture under the tiles (histogram, placeholder) after them,
        # so a pan's tiles get both cores
        self.tiles.settled.connect(
            lambda: self.renderer.set_view(self.canvas.visible_region(), self.canvas.zoom()))
        model.selection_changed.connect(lambda _l: self._sync_mask_view())

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea,
              scroll: bool = False) -> QDockWidget:
        dock = QDockWidget(tr(title), self)  # title: a key of self.docks, shown translated
        dock.setObjectName(f"dock_{title}")
        if scroll:  # tall panels scroll instead of forcing the window taller than the screen
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QScrollArea.Shape.NoFrame)
            area_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            area_widget.setWidget(widget)
            dock.setWidget(area_widget)
        else:
            dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def arrange_docks(self) -> None:
        """Photoshop-like proportions: a short layer list, tall properties."""
        self.resizeDocks([self.docks["Layers"], self.docks["Properties"]], [300, 560],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["Layers"], self.docks["Histogram"]], [380, 300],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Histogram"], self.docks["Info"]], [330, 400],
                         Qt.Orientation.Vertical)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not getattr(self, "_arranged", False):
            self._arranged = True
            QTimer.singleShot(0, self.arrange_docks)  # once the window has its real size

    def _build_toolbar(self) -> None:
        bar = QToolBar("View")
        bar.setObjectName("view_toolbar")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.act_fit = QAction(tr("Fit"), self)
        self.act_fit.setToolTip(tr("Fit on screen (Ctrl+0)"))
        self.act_fit.triggered.connect(self.canvas.zoom_fit)
        self.act_100 = QAction("100%", self)
        self.act_100.setToolTip(tr("Actual pixels (Ctrl+1)"))
        self.act_100.triggered.connect(lambda: self.canvas.zoom_to(1.0))
        self.act_200 = QAction("200%", self)
        self.act_200.triggered.connect(lambda: self.canvas.zoom_to(2.0))
        for a in (self.act_fit, self.act_100, self.act_200):
            bar.addAction(a)
        bar.addSeparator()
        bar.addWidget(QLabel(tr(" Screen: ")))
        self.stretch_box = QComboBox()
        for label, key in STRETCHES.items():
            self.stretch_box.addItem(tr(label), key)
        self.stretch_box.setCurrentIndex(self.stretch_box.findData("auto"))
        self.stretch_box.setToolTip(tr("How linear data is shown on screen; never changes the document"))
        self.stretch_box.currentIndexChanged.connect(
            lambda _i: self.renderer.set_display(stretch=self.stretch_box.currentData()))
        bar.addWidget(self.stretch_box)
        self.act_restretch = QAction(tr("Auto"), self)
        self.act_restretch.setToolTip(
            tr("Measure the automatic screen stretch again on the image as it is now (it is kept "
            "while you edit, as PixInsight's STF is); never changes the document"))
        self.act_restretch.triggered.connect(self.restretch)
        bar.addAction(self.act_restretch)
        # where colour is judged: one auto stretch for all channels (keeps the data's colour
        # balance) or one per channel (neutralises a cast, as PixInsight's unlinked STF)
        self.act_linked = QAction(tr("Linked"), self)
        self.act_linked.setCheckable(True)
        self.act_linked.setChecked(True)
        self.act_linked.setToolTip(tr("Auto stretch linked across R, G, B (on) or per channel "
                                      "(off: neutralises a colour cast on screen only)"))
        self.act_linked.toggled.connect(lambda on: self.renderer.set_display(linked=on))
        bar.addAction(self.act_linked)
        self.act_clip = QAction(tr("Clipping"), self)
        self.act_clip.setCheckable(True)
        self.act_clip.setToolTip(tr("Show clipped shadows (blue) and highlights (red)"))
        self.act_clip.toggled.connect(lambda on: self.renderer.set_display(clip_warning=on))
        bar.addAction(self.act_clip)
        bar.addSeparator()
        self.zoom_label = QLabel(" ")
        bar.addWidget(self.zoom_label)

    def restretch(self) -> None:
        """The "Auto" button: switch the screen to the auto stretch and measure it afresh."""
        if self.stretch_box.currentData() != "auto":
            self.stretch_box.setCurrentIndex(self.stretch_box.findData("auto"))  # measures anew itself
        else:
            self.renderer.remeasure_stretch()

    # document and view
    def _on_document(self, doc: Any) -> None:
        if self.masks.show_alone.isChecked():
            self.masks.show_alone.setChecked(False)
        self.histogram.clear()
        r = self.renderer  # the auto stretch is measured by the first render; others are known
        self.tiles.set_document(doc, None if r.stretch == "auto" else r.stretch, r.clip_warning)
        self.renderer.placeholder_pixels = PLACEHOLDER_PIXELS if self.tiles.enabled else None
        if doc is None:
            self.canvas.clear_picture()
            self.renderer.set_document(None)
            return
        self.canvas.set_canvas_size(doc.width, doc.height, fit=True)
        self.canvas.zoom_fit()
        self.renderer.region = self.canvas.visible_region()
        self.renderer.zoom = self.canvas.zoom()
        self.renderer.set_document(doc)

    def _on_view_changed(self) -> None:
        if self.tiles.enabled and not self.tiles.suspended:
            self.tiles.update_view()  # the controller's picture follows once the tiles settle
        else:
            self.renderer.set_view(self.canvas.visible_region(), self.canvas.zoom())
            self.tiles.update_view()
        self.zoom_label.setText(f" {QLocale().toString(self.canvas.zoom() * 100, 'f', 1)} % ")  # locale's decimal mark

    def _sync_mask_view(self) -> None:
        if self.renderer.mask_layer is not None and self.renderer.mask_layer != self.model.selected:
            self.masks.show_alone.setChecked(False)

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self.render_info.setText(tr("rendering…"))
            if not self._slow_timer.isActive() and not self.render_progress.isVisible():
                self.render_progress.setValue(0)
                self._slow_timer.start()
        else:
            self._slow_timer.stop()
            self.render_progress.hide()

    def _on_rendered(self, result: RenderResult) -> None:
        self.canvas.show_picture(result.picture, result.region, result.scale)
        if self.tiles.enabled:  # tiles over the picture, drawn with the same stretch
            r = self.renderer
            self.tiles.suspend(r.mask_layer is not None)
            self.tiles.set_display(r.stf if r.stretch == "auto" else r.stretch, r.clip_warning)
        h, w = result.picture.shape[:2]
        self.render_info.setText(tr('{stage} {w}x{h} in {0:.0f} ms').format(result.seconds * 1000, stage=tr(result.stage), w=w, h=h))
        failed = [m for m in (result.errors.messages.values() if result.errors else ()) if m]
        if failed:  # a layer that failed renders as pass-through: say so where a failed render does
            self.render_info.setText(f"⚠ {failed[0]}")
        if result.stage == "preview" and self.renderer.mask_layer is None:
            self.histogram.update_from(result.linear)

    def _on_panel_damaged(self) -> None:
        self.panel_damaged.emit()  # queued to the UI thread

    # pixel readout
    def _on_hover(self, x: float, y: float) -> None:
        self.readout.setText(self.describe_pixel(x, y))

    def describe_pixel(self, x: float, y: float) -> str:
        """'x y | composite values | source value' for the canvas pixel under the cursor."""
        doc, res = self.model.doc, self.renderer.last_result
        if doc is None:
            return " "
        ix, iy = int(np.floor(x)), int(np.floor(y))
        if not (0 <= ix < doc.width and 0 <= iy < doc.height):
            return " "
        parts = [f"x {ix}  y {iy}"]
        exact = self.tiles.linear_value(ix, iy) if self.renderer.mask_layer is None else None
        if exact is not None:  # a full-resolution tile is on screen there
            parts.append(tr("composite") + " " + _values(exact))
        elif res is not None:
            rx, ry, rw, rh = res.region
            px = int((ix - rx) * res.scale)
            py = int((iy - ry) * res.scale)
            lin = res.linear
            if 0 <= py < lin.shape[0] and 0 <= px < lin.shape[1]:
                v = lin[py, px]
                label = tr("mask") if self.renderer.mask_layer else tr("composite")
                parts.append(f"{label} {_values(v)}")
        src_text = self._source_value(ix, iy)
        if src_text:
            parts.append(src_text)
        return "   |   ".join(parts)

    def _source_value(self, ix: int, iy: int) -> str:
        doc = self.model.doc
        layer = self.model.selected_layer()
        if layer is None or not hasattr(layer, "source_id"):
            base = doc.meta.get("base_source")
            layer = next((lyr for lyr in doc.layers if getattr(lyr, "source_id", None) == base), None)
        if layer is None:
            return ""
        src = doc.sources.get(layer.source_id)
        if src is None:
            return ""
        # The displayed pixel's centre, through the document's crop/rotation/flip, into the
        # layer frame; then into the source past the layer's (possibly sub-pixel) offset.
        lx, ly = doc.geometry.to_layer(ix, iy)
        oy, ox = getattr(layer, "offset", (0, 0))
        sy, sx = int(np.floor(float(ly) - oy + 0.5)), int(np.floor(float(lx) - ox + 0.5))
        if not (0 <= sy < src.height and 0 <= sx < src.width):
            return ""
        v = src.pixels[sy, sx]
        vals = format_number(v, 5) if np.ndim(v) == 0 else " ".join(format_number(c, 5) for c in v)
        return (src.name or tr("source")) + " " + vals


def _values(v: Any) -> str:
    """A pixel's value(s) with the locale's decimal separator: "0,75000" in French."""
    if np.ndim(v) == 0:
        return format_number(float(v), 5)
    return "  ".join(f"{c} {format_number(float(c_v), 5)}" for c, c_v in zip("RGB", v))
