"""The tree widget of the layers panel and small helpers to walk it.

A drop does not move rows itself: it tells the panel which layer went where, the panel asks the
document to move it (one undoable command), and the tree is rebuilt from the document.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QDropEvent
from PyQt6.QtWidgets import QAbstractItemView, QTreeWidget

ID_ROLE = Qt.ItemDataRole.UserRole
COL_EYE, COL_THUMB, COL_MASK, COL_NAME = range(4)


class LayerTree(QTreeWidget):
    """Tree of layers; a drop asks the document to move the layer instead of moving rows."""

    move_requested = pyqtSignal(str, str, bool, bool)  # moved id, target id, above, into

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        source = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if source is None or target is None or source is target:
            return
        pos = self.dropIndicatorPosition()
        above = pos != QAbstractItemView.DropIndicatorPosition.BelowItem
        into = pos == QAbstractItemView.DropIndicatorPosition.OnItem
        self.move_requested.emit(source.data(COL_NAME, ID_ROLE), target.data(COL_NAME, ID_ROLE),
                                 above, into)


def siblings(layers: list[Any], lid: str) -> list[Any] | None:
    for layer in layers:
        if layer.id == lid:
            return layers
        children = getattr(layer, "children", None)
        if children is not None:
            found = siblings(children, lid)
            if found is not None:
                return found
    return None


def describe(layer: Any) -> str:
    kind = getattr(layer, "kind", None) or getattr(layer, "type", "layer")
    return f"{layer.name} ({kind})"


def blank_thumbnail() -> Any:
    import numpy as np

    from editor.ui.panels.thumbnails import THUMB_SIZE

    return np.full((THUMB_SIZE, THUMB_SIZE, 3), 40, np.uint8)


def no_icon() -> Any:
    from PyQt6.QtGui import QIcon

    return QIcon()


def iter_items(tree: QTreeWidget):
    """Every item of ``tree``, depth first."""
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())][::-1]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(item.child(i) for i in range(item.childCount() - 1, -1, -1))


_EYE: Any = None


def eye_icon() -> Any:
    """A small drawn eye (Photoshop's visibility marker); drawn once, so no image files."""
    global _EYE
    if _EYE is None:
        from PyQt6.QtCore import QPointF, QRectF
        from PyQt6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

        pix = QPixmap(18, 18)
        pix.fill(QColor(0, 0, 0, 0))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(220, 220, 220), 1.4))
        outline = QPainterPath(QPointF(1.5, 9))
        outline.quadTo(QPointF(9, 1.5), QPointF(16.5, 9))
        outline.quadTo(QPointF(9, 16.5), QPointF(1.5, 9))
        p.drawPath(outline)
        p.setBrush(QColor(220, 220, 220))
        p.drawEllipse(QRectF(6.5, 6.5, 5, 5))
        p.end()
        _EYE = QIcon(pix)
    return _EYE
