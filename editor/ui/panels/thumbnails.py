"""Layer and mask thumbnails, rendered off the UI thread.

A generated mask's thumbnail needs the composite below its layer, which can take a while on a
big document: the worker renders thumbnails one at a time and the panel updates icons as they
arrive. A newer request replaces the queue (stale thumbnails are not worth finishing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QIcon, QImage, QPixmap

from editor.jobs.progress import CancelToken
from editor.ui.common.background_worker import BackgroundWorker

THUMB_SIZE = 40


def to_pixmap(arr: np.ndarray) -> QPixmap:
    """uint8 (h, w) or (h, w, 3) -> QPixmap (copies the data)."""
    a = np.ascontiguousarray(arr)
    if a.ndim == 2:
        a = np.ascontiguousarray(np.repeat(a[:, :, None], 3, axis=2))
    h, w = a.shape[:2]
    img = QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(img.copy())


def to_icon(arr: np.ndarray) -> QIcon:
    return QIcon(to_pixmap(arr))


class ThumbnailWorker(QObject):
    """Signal ``ready(doc, layer_id, which, uint8 array)`` with which in {"layer", "mask"}."""

    ready = pyqtSignal(object, str, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = BackgroundWorker(self, self._render,
                                        lambda req, arr: self.ready.emit(req[0], req[1], req[2], arr),
                                        name="nebulayer-thumbnails")

    def request(self, doc: Any, items: list[tuple[str, str]]) -> None:
        """Render thumbnails for ``items`` = [(layer_id, "layer"|"mask"), ...] of ``doc``."""
        self._worker.submit(*[(doc, lid, which) for lid, which in items])

    @staticmethod
    def _render(request: tuple[Any, str, str], token: CancelToken) -> np.ndarray:
        doc, lid, which = request
        token.check()
        return np.asarray(doc.render_layer_thumbnail(lid, size=THUMB_SIZE, mask=which == "mask"),
                          dtype=np.uint8)
