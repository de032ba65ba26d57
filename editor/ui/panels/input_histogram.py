"""The histogram of what enters a layer (the composite just below it), for the levels editor.

Photoshop's Levels shows the histogram of its input, not of its own output; this renders the
document up to the layer below the selected one (``doc.render(upto=...)``, which the render
cache makes cheap) at a small scale on a worker thread and counts it with ``filters.histogram``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from editor.ui.common.background_worker import BackgroundWorker

SIZE = 512  # long side of the render the histogram is counted on
BINS = 256


def layer_below(layers: list[Any], lid: str) -> tuple[bool, str | None]:
    """(found, id of the layer whose composite feeds ``lid``); None means "nothing below"."""
    for i, layer in enumerate(layers):
        if layer.id == lid:
            return True, (layers[i - 1].id if i > 0 else None)
        children = getattr(layer, "children", None)
        if children:
            found, below = layer_below(children, lid)
            if found:
                if below is None:  # first in its group: the input is what is below the group
                    return True, layers[i - 1].id if i > 0 else None
                return True, below
    return False, None


def input_histogram(doc: Any, lid: str, progress: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(luminance counts, bin edges) of the composite below layer ``lid``, or None if empty."""
    import filters

    found, below = layer_below(doc.layers, lid)
    if not found or below is None:
        return None
    scale = min(1.0, SIZE / max(doc.width, doc.height))
    from editor.core.render_errors import RenderErrors

    # Failures found here are the canvas render's to report (on the UI thread): not applied.
    pixels = doc.render(scale=scale, upto=below, progress=progress, errors=RenderErrors())
    counts, edges = filters.histogram(pixels, bins=BINS)
    return np.asarray(counts[-1]), np.asarray(edges)


class InputHistogram(QObject):
    """Signal ``ready(layer_id, counts, edges)``; :meth:`request` replaces any older request."""

    ready = pyqtSignal(str, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = BackgroundWorker(
            self, lambda req, token: input_histogram(req[0], req[1], token.progress()),
            lambda req, result: self.ready.emit(req[1], result[0], result[1]),
            name="nebulayer-input-histogram")

    def request(self, doc: Any, lid: str) -> None:
        self._worker.submit((doc, lid))
