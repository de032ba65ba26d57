"""View > Sky Overlay: the RA/Dec grid, compass, scale bar and catalogued objects drawn over the
canvas. The geometry comes from editor/astrometry/overlay.py (computed on a worker thread: the
catalogue search takes a moment); this module only turns it into graphics items with cosmetic
pens and screen-sized labels, so they stay thin and legible at every zoom."""

from __future__ import annotations

import math
import threading
from typing import Any

from PyQt6.QtCore import QObject, QPointF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PyQt6.QtWidgets import QGraphicsItem, QGraphicsItemGroup, QGraphicsPathItem, QGraphicsSimpleTextItem

GRID = QColor(140, 200, 255, 190)
MARK = QColor(255, 217, 90, 235)


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour)
    pen.setCosmetic(True)  # screen pixels, whatever the zoom
    pen.setWidthF(width)
    return pen


class _Label(QGraphicsSimpleTextItem):
    """Text on a translucent dark plate: legible over bright nebulae and star fields."""

    def paint(self, painter: Any, option: Any, widget: Any = None) -> None:
        painter.fillRect(self.boundingRect().adjusted(-2, 0, 2, 0), QColor(0, 0, 0, 150))
        super().paint(painter, option, widget)


class SkyOverlayItem(QGraphicsItemGroup):
    """Graphics items for one :class:`~editor.astrometry.overlay.SkyOverlay` (canvas pixel
    centres are at +0.5 in the view: pixel i covers i..i+1)."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(20)
        self.overlay: Any = None
        self.labels: list[str] = []

    def set_overlay(self, overlay: Any) -> None:
        for child in self.childItems():
            child.setParentItem(None)
            if child.scene() is not None:
                child.scene().removeItem(child)
        self.overlay, self.labels = overlay, []
        if overlay is None:
            return
        grid = QPainterPath()
        for line in overlay.grid:
            for seg in line.segments:
                grid.moveTo(QPointF(seg[0, 0] + 0.5, seg[0, 1] + 0.5))
                for x, y in seg[1:]:
                    grid.lineTo(QPointF(x + 0.5, y + 0.5))
            if line.label_at is not None:
                self._text(line.label, line.label_at, GRID, (4, -16))
        self._path(grid, _pen(GRID, 1.0))
        marks = QPainterPath()
        ox, oy = overlay.compass_origin
        for (ex, ey), text in ((overlay.north, "N"), (overlay.east, "E")):
            marks.moveTo(QPointF(ox + 0.5, oy + 0.5))
            marks.lineTo(QPointF(ex + 0.5, ey + 0.5))
            ang, head = math.atan2(ey - oy, ex - ox), 0.25 * math.hypot(ex - ox, ey - oy)
            for da in (2.6, -2.6):
                marks.moveTo(QPointF(ex + 0.5, ey + 0.5))
                marks.lineTo(QPointF(ex + 0.5 + head * math.cos(ang + da), ey + 0.5 + head * math.sin(ang + da)))
            self._text(text, (ex + 0.3 * (ex - ox), ey + 0.3 * (ey - oy)), MARK, (-4, -8))
        (x0, y0), (x1, y1) = overlay.scale_bar
        marks.moveTo(QPointF(x0 + 0.5, y0 + 0.5))
        marks.lineTo(QPointF(x1 + 0.5, y1 + 0.5))
        self._text(overlay.scale_label, ((x0 + x1) / 2, y0), MARK, (-10, -20))
        for obj in overlay.objects:
            c = QPointF(obj.x + 0.5, obj.y + 0.5)
            if obj.outlined(overlay.shape):
                r = max(obj.radius_px, 4.0)
                marks.addEllipse(c, r, r)
            else:  # larger than the field: a cross at its centre
                r = 0.015 * min(overlay.shape)
                marks.moveTo(c.x() - r, c.y())
                marks.lineTo(c.x() + r, c.y())
                marks.moveTo(c.x(), c.y() - r)
                marks.lineTo(c.x(), c.y() + r)
            self._text(obj.name, (obj.x + 0.72 * r, obj.y - 0.72 * r), MARK, (2, -16))
        self._path(marks, _pen(MARK, 1.5))

    def _path(self, path: QPainterPath, pen: QPen) -> None:
        item = QGraphicsPathItem(path)
        item.setPen(pen)
        item.setParentItem(self)  # not addToGroup: that keeps scene coordinates, not canvas ones

    def _text(self, text: str, at: tuple[float, float], colour: QColor, nudge: tuple[int, int]) -> None:
        item = _Label(text)
        item.setBrush(QBrush(colour))
        font = QFont()
        font.setPointSizeF(9.0)
        font.setBold(True)
        item.setFont(font)
        # labels keep their screen size and stay upright in the y-down view
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        item.setParentItem(self)
        item.setPos(at[0] + 0.5, at[1] + 0.5)
        item.setTransform(item.transform().translate(*nudge))
        self.labels.append(text)


class SkyOverlayController(QObject):
    """Keeps the overlay of the current document: recomputed (off the UI thread) when it is
    switched on or the document's sky frame changes. ``wcs`` is the canvas WCS (also used by
    the pixel readout); ``ready`` fires when a new overlay is shown."""

    ready = pyqtSignal(object)
    _computed = pyqtSignal(object, object)

    def __init__(self, view_box: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.item = SkyOverlayItem()
        view_box.addItem(self.item, ignoreBounds=True)
        self.item.hide()
        self.enabled = False
        self.wcs: Any = None
        self._key: Any = None
        self._doc: Any = None
        self._wcs_inputs: Any = None
        self.wcs_reads = 0  # how often the canvas WCS was built (once per sky-frame change)
        self._computed.connect(self._on_computed)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.item.setVisible(self.enabled)
        if self.enabled:
            self.refresh(self._doc, force=True)

    def refresh(self, doc: Any, force: bool = False) -> None:
        """The document changed: find its canvas WCS; recompute the overlay when it moved."""
        from editor.render.sky import canvas_wcs

        self._doc = doc
        inputs = _wcs_inputs(doc)
        if inputs is None or inputs != self._wcs_inputs:  # read once per sky-frame change
            self.wcs = None if doc is None else canvas_wcs(doc)
            self._wcs_inputs = inputs
            self.wcs_reads += 1
        shape = None if doc is None else (doc.height, doc.width)
        key = None if self.wcs is None else (self.wcs.to_header_string(relax=True), shape)
        if key == self._key and not force:
            return
        self._key = key
        if key is None:
            self.item.set_overlay(None)
            self.ready.emit(None)
            return
        if not self.enabled:
            return
        wcs = self.wcs

        def work() -> None:
            from editor.astrometry.overlay import sky_overlay

            try:
                result = sky_overlay(wcs, shape)
            except Exception:  # noqa: BLE001 - a catalogue problem: grid and compass only
                result = sky_overlay(wcs, shape, objects=False)
            self._computed.emit(key, result)

        threading.Thread(target=work, name="sky overlay", daemon=True).start()

    def _on_computed(self, key: Any, overlay: Any) -> None:
        if key != self._key:
            return  # the document moved on meanwhile
        self.item.set_overlay(overlay)
        self.ready.emit(overlay)

    def describe(self, x: float, y: float) -> str:
        """'RA ..  Dec ..' at view position (x, y), or '' without a WCS."""
        if self.wcs is None:
            return ""
        from editor.astrometry.overlay import radec_of, sexagesimal

        ra, dec = radec_of(self.wcs, [x - 0.5], [y - 0.5])
        if not (math.isfinite(ra[0]) and math.isfinite(dec[0])):
            return ""
        return sexagesimal(float(ra[0]), float(dec[0]))


def _wcs_inputs(doc: Any) -> Any:
    """What the canvas WCS is made of (editor/render/export_meta.py): the document, its
    sources (pixel token and header: a plate solution replaces the header), the base source, the image and
    mosaic layers' placement records and the geometry; not the adjustment layers, so a levels
    drag does not rebuild the WCS. None when there is no document or the record cannot be
    keyed (then the WCS is read every time, as before)."""
    if doc is None:
        return None
    from editor.render.keys import make_key

    try:
        placed = []
        for layer in doc.all_layers():
            if layer.type in ("image", "mosaic"):
                rec = {k: v for k, v in layer.to_dict().items() if k not in ("mask", "name", "error")}
                placed.append(rec)
        sources = sorted((sid, str(getattr(src, "token", id(src))), dict(src.meta.header))
                         for sid, src in doc.sources.items())
        return (id(doc), make_key(sources, doc.meta.get("base_source"), placed,
                                  doc.geometry.to_dict(), [doc.height, doc.width]))
    except TypeError:  # a record the strict key encoder does not take
        return None
