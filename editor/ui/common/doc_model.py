"""The Qt side of the current document: its events as signals, and the selected layer.

The document (editor.core) knows nothing of Qt; it calls plain callbacks on the thread that
made the change. This object turns them into queued Qt signals, so panels update on the UI
thread, and keeps which layer the user has selected. Panels change the document only through
:meth:`run`, which turns a refused edit (NebulayerError) into one clear dialog.
"""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from editor.errors import NebulayerError


class DocModel(QObject):
    """Signals: ``document_replaced(doc)``, ``layers_changed()``, ``layer_changed(id)``,
    ``mask_changed(id)``, ``history_changed()``, ``snapshots_changed()``,
    ``selection_changed(id or None)``, ``errors_changed()`` (a render changed which layers
    report a failure: refresh their warnings, the pixels are unchanged), ``error(message)``."""

    document_replaced = pyqtSignal(object)
    layers_changed = pyqtSignal()
    layer_changed = pyqtSignal(str)
    mask_changed = pyqtSignal(str)
    history_changed = pyqtSignal()
    snapshots_changed = pyqtSignal()
    selection_changed = pyqtSignal(object)
    content_changed = pyqtSignal()  # anything that changes the rendered pixels
    errors_changed = pyqtSignal()
    error = pyqtSignal(str)
    _event = pyqtSignal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self.selected: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)

    def set_document(self, doc: Any) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.doc = doc
        self.selected = None
        if doc is not None:
            self._unsubscribe = doc.subscribe(lambda ev: self._event.emit(doc, ev))
            if doc.layers:
                self.selected = doc.layers[-1].id
        self.document_replaced.emit(doc)
        self.selection_changed.emit(self.selected)

    def select(self, layer_id: str | None) -> None:
        if layer_id != self.selected:
            self.selected = layer_id
            self.selection_changed.emit(layer_id)

    def selected_layer(self) -> Any:
        if self.doc is None or self.selected is None:
            return None
        try:
            return self.doc.layer(self.selected)
        except NebulayerError:
            return None

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a document method; a refused edit becomes an error signal, not a crash."""
        try:
            return fn(*args, **kwargs)
        except NebulayerError as exc:
            self.error.emit(str(exc))
            return None

    def _dispatch(self, doc: Any, ev: Any) -> None:
        if doc is not self.doc:
            return  # an event of a document that was closed meanwhile
        kind = getattr(ev, "kind", "document")
        lid = getattr(ev, "layer_id", None)
        if kind == "layers" or kind == "document":
            if self.selected is not None and not self._exists(self.selected):
                self.selected = doc.layers[-1].id if doc.layers else None
                self.selection_changed.emit(self.selected)
            self.layers_changed.emit()
            self.content_changed.emit()
        elif kind == "layer":
            self.layer_changed.emit(lid or "")
            self.content_changed.emit()
        elif kind == "mask":
            self.mask_changed.emit(lid or "")
            self.content_changed.emit()
        elif kind == "history":
            self.history_changed.emit()
        elif kind == "snapshot":
            self.snapshots_changed.emit()
        elif kind == "errors":  # not content_changed: re-rendering would find the same errors
            self.errors_changed.emit()

    def _exists(self, layer_id: str) -> bool:
        try:
            self.doc.layer(layer_id)
            return True
        except NebulayerError:
            return False
