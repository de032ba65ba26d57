"""How one state of a comparison is shown in a view: a whole-canvas picture plus a sharper
picture of the visible region, under a parent that clips both (the split divider).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF

pg.setConfigOptions(imageAxisOrder="row-major")


class SplitClip(pg.GraphicsObject):
    """An invisible parent whose children are only drawn inside ``rect`` (the split)."""

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, True)

    def set_clip(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect

    def paint(self, painter: Any, *args: Any) -> None:
        pass  # draws nothing itself; only clips its children


class StatePicture:
    """One state as shown in one view: a whole-canvas picture plus a sharper visible region."""

    def __init__(self, vb: pg.ViewBox, z: float) -> None:
        self.clip = SplitClip()
        self.clip.setZValue(z)
        self.base = pg.ImageItem()
        self.detail = pg.ImageItem()
        self.base.setParentItem(self.clip)
        self.detail.setParentItem(self.clip)
        self.detail.setZValue(1)
        vb.addItem(self.clip, ignoreBounds=True)

    def show_base(self, picture: np.ndarray, width: int, height: int) -> None:
        self.base.setImage(picture, autoLevels=False, levels=(0, 255), autoDownsample=False)
        self.base.setRect(QRectF(0, 0, width, height))
        self.detail.setVisible(False)

    def show_detail(self, picture: np.ndarray | None, region: tuple[int, int, int, int] | None) -> None:
        if picture is None or region is None:
            self.detail.setVisible(False)
            return
        self.detail.setImage(picture, autoLevels=False, levels=(0, 255), autoDownsample=False)
        self.detail.setRect(QRectF(*region))
        self.detail.setVisible(True)

    def clear(self) -> None:
        self.base.clear()
        self.detail.clear()
        self.detail.setVisible(False)


class StateLabels:
    """"A: name" / "B: name" tags in the top corners of the visible image (never off it)."""

    def __init__(self, vb1: pg.ViewBox, vb2: pg.ViewBox) -> None:
        self.vb1, self.vb2 = vb1, vb2
        self.label_a = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(0, 0, 0, 170))
        self.label_b = pg.TextItem(anchor=(1, 0), fill=pg.mkBrush(0, 0, 0, 170))
        self.label_b2 = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(0, 0, 0, 170))
        for vb, item in ((vb1, self.label_a), (vb1, self.label_b), (vb2, self.label_b2)):
            item.setZValue(20)
            vb.addItem(item, ignoreBounds=True)

    def update(self, name_a: str, name_b: str, mode: str, showing_b: bool,
               canvas: tuple[int, int] | None) -> None:
        """Label the states for ``mode``; ``canvas`` = (width, height) or None (no document)."""
        r1, r2 = _label_rect(self.vb1, canvas), _label_rect(self.vb2, canvas)
        if mode == "blink":
            self.label_a.setText(f"B: {name_b}" if showing_b else f"A: {name_a}")
        else:
            self.label_a.setText(f"A: {name_a}")
        self.label_a.setPos(r1.left(), r1.top())
        self.label_b.setText(f"B: {name_b}")
        self.label_b.setPos(r1.right(), r1.top())
        self.label_b.setVisible(mode == "split")
        self.label_b2.setText(f"B: {name_b}")
        self.label_b2.setPos(r2.left(), r2.top())


def _label_rect(vb: pg.ViewBox, canvas: tuple[int, int] | None) -> QRectF:
    """The visible part of the canvas (labels sit in its corners, never off the image)."""
    r = vb.viewRect()
    if canvas is None:
        return r
    inside = r.intersected(QRectF(0, 0, canvas[0], canvas[1]))
    return inside if inside.isValid() else r


def make_view() -> tuple[pg.GraphicsView, pg.ViewBox]:
    gv = pg.GraphicsView()
    vb = pg.ViewBox(invertY=True, lockAspect=True, enableMenu=False)
    gv.setCentralItem(vb)
    gv.setMinimumSize(120, 90)
    return gv, vb
