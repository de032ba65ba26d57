"""Layer and mask thumbnails, rendered off the UI thread.

A generated mask's thumbnail needs the composite below its layer, which can take a while on a
big document: the worker renders thumbnails one at a time and the panel updates icons as they
arrive. A newer request replaces the queue (stale thumbnails are not worth finishing).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QIcon, QImage, QPixmap

from editor.errors import NebulayerError
from editor.jobs.progress import CancelToken, Cancelled

log = logging.getLogger(__name__)

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
        self._cond = threading.Condition()
        self._queue: list[tuple[Any, str, str]] = []
        self._token = CancelToken()
        threading.Thread(target=self._work, name="nebulayer-thumbnails", daemon=True).start()

    def request(self, doc: Any, items: list[tuple[str, str]]) -> None:
        """Render thumbnails for ``items`` = [(layer_id, "layer"|"mask"), ...] of ``doc``."""
        with self._cond:
            self._token.cancel()
            self._token = CancelToken()
            self._queue = [(doc, lid, which) for lid, which in items]
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                doc, lid, which = self._queue.pop(0)
                token = self._token
            try:
                arr = self._render(doc, lid, which, token)
            except Cancelled:
                continue
            except NebulayerError as exc:
                log.info("thumbnail of %s: %s", lid, exc)
                continue
            except Exception:  # noqa: BLE001 - a bug must not kill the thumbnail thread
                log.exception("thumbnail of %s failed", lid)
                continue
            try:
                self.ready.emit(doc, lid, which, arr)
            except RuntimeError:  # the window was closed: nobody is listening any more
                return

    @staticmethod
    def _render(doc: Any, lid: str, which: str, token: CancelToken) -> np.ndarray:
        token.check()
        return np.asarray(doc.render_layer_thumbnail(lid, size=THUMB_SIZE, mask=which == "mask"),
                          dtype=np.uint8)
