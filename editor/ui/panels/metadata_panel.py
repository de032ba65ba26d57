"""Metadata panel: the FITS header or camera EXIF of each source of the document.

Paths are shown the way a user reads them: the file name in full, and its folder with the
home directory as ``~`` and, when long, the middle left out (``~/Astro/…/M42/lights``); the
full path is the row's tooltip.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any

from PyQt6.QtCore import QLocale
from PyQt6.QtWidgets import (QComboBox, QTreeWidget, QTreeWidgetItem, QTreeWidgetItemIterator,
                             QVBoxLayout, QWidget)

from editor.locale import localise
from editor.ui.common.i18n import tr
from editor.ui.common.doc_model import DocModel


KEY_COLUMN_MIN = 130  # px: FITS keywords (8 characters) and the English keys fit
VALUE_COLUMN_MIN = 90  # px left to the values when a key is very long


class MetadataPanel(QWidget):
    """Pick a source; see its format, size, file, FITS cards and EXIF fields."""

    def __init__(self, model: DocModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.source_box = QComboBox()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([tr("Key"), tr("Value")])
        self.tree.setColumnWidth(0, KEY_COLUMN_MIN)
        self.tree.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.source_box)
        layout.addWidget(self.tree, 1)
        self._shown_key: Any = None
        self.source_box.currentIndexChanged.connect(lambda _i: self._show())
        model.document_replaced.connect(lambda _d: self.refresh())
        model.layers_changed.connect(self.refresh)

    def refresh(self) -> None:
        doc = self.model.doc
        # every layer edit (a slider drag, undo) emits layers_changed: refill only when the
        # sources changed, a header of hundreds of cards is not rebuilt on the UI thread each time
        sources = getattr(doc, "sources", None) or {}
        key = (id(doc), tuple((sid, id(src.meta), len(getattr(src.meta, "header", None) or ()))
                              for sid, src in sources.items()))
        if key == self._shown_key and self.tree.topLevelItemCount():
            return
        self._shown_key = key
        current = self.source_box.currentData()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        if doc is not None:
            for sid, src in doc.sources.items():
                if getattr(src, "kind", "image") == "mask":
                    continue
                self.source_box.addItem(src.name or sid, sid)
        idx = self.source_box.findData(current)
        self.source_box.setCurrentIndex(idx if idx >= 0 else 0)
        self.source_box.blockSignals(False)
        self._show()

    def _show(self) -> None:
        self.tree.clear()
        doc, sid = self.model.doc, self.source_box.currentData()
        if doc is None or sid is None or sid not in doc.sources:
            return
        src = doc.sources[sid]
        meta = src.meta
        general = QTreeWidgetItem(self.tree, [tr("File"), ""])
        path = str(src.path or meta.path or "")
        if path:
            for key, value in (("file", PurePath(path).name), ("folder", display_folder(path))):
                if value:
                    item = QTreeWidgetItem(general, [tr(key), value])
                    item.setToolTip(1, path)
        elif doc.path:  # no file of its own once saved: its pixels are embedded in the project
            QTreeWidgetItem(general, [tr("file"), tr("(in the project file)")])
        else:
            QTreeWidgetItem(general, [tr("file"), tr("(in memory)")])
        rows: list[tuple[str, Any]] = [
            ("format", meta.format),
            ("size", f"{src.pixels.shape[1]} x {src.pixels.shape[0]}"
                     + (f" x {src.pixels.shape[2]}" if src.pixels.ndim == 3 else " " + tr("(mono)"))),
            ("stored as", meta.original_dtype),
            ("data range", _fmt_range(meta.data_range)),
            ("Bayer pattern", meta.bayer_pattern or ""),
        ]
        for k, v in rows:
            if v:
                QTreeWidgetItem(general, [tr(k), str(v)])
        for note in meta.notes:
            QTreeWidgetItem(general, [tr("note"), localise(note)])  # notes are English data
        for title, table in (("EXIF", meta.exif), ("FITS header", meta.header)):
            if not table:
                continue
            node = QTreeWidgetItem(self.tree, [tr(title), tr("{n} entries").format(n=len(table))])
            for k, v in table.items():
                if isinstance(v, (list, tuple)):
                    for line in v:
                        QTreeWidgetItem(node, [str(k), str(line)])
                else:
                    QTreeWidgetItem(node, [str(k), str(v)])
        self.tree.expandAll()
        it = QTreeWidgetItemIterator(self.tree)  # a cell too narrow still shows all on hover
        while it.value() is not None:
            item = it.value()
            for col in (0, 1):
                if not item.toolTip(col):
                    item.setToolTip(col, item.text(col))
            it += 1
        self._fit_key_column()

    def _fit_key_column(self) -> None:
        """Keys in full (translated ones are longer: "plage des données"), but leaving the
        values at least ``VALUE_COLUMN_MIN`` px (a long HIERARCH key is cut, in full on hover)."""
        self.tree.resizeColumnToContents(0)
        cap = max(KEY_COLUMN_MIN, self.tree.viewport().width() - VALUE_COLUMN_MIN)
        self.tree.setColumnWidth(0, min(max(self.tree.columnWidth(0), KEY_COLUMN_MIN), cap))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.tree.topLevelItemCount():
            self._fit_key_column()


def _fmt_range(r: Any) -> str:
    if not r:
        return ""
    return f"{_number(r[0])} .. {_number(r[1])}"


def _number(value: float) -> str:
    """Six significant digits, with the locale's decimal separator ("65535", "0,000123")."""
    return QLocale().toString(float(value), "g", 6)


def display_folder(path: str, max_chars: int = 40, home: str | None = None) -> str:
    """The folder of ``path`` for display: ``~`` for the home directory, and when longer than
    ``max_chars`` the middle folders left out (``…``), keeping the first and the last ones.

    >>> display_folder("/home/ann/Astro/2024/M42/lights/m42.fits", 20, home="/home/ann")
    '~/Astro/…/M42/lights'
    """
    folder = PurePath(path).parent
    home_dir = PurePath(home) if home is not None else Path.home()
    parts: list[str]
    if folder == home_dir or folder.is_relative_to(home_dir):
        parts = ["~", *folder.relative_to(home_dir).parts]
    else:
        parts = list(folder.parts)
    if not parts:
        return ""

    def join(items: list[str]) -> str:
        return str(PurePath(*items))

    text = join(parts)
    if len(text) <= max_chars or len(parts) <= 2:
        return _elide_middle(text, max_chars)
    head, tail = parts[:2] if parts[0] in ("~", folder.anchor) else parts[:1], [parts[-1]]
    rest = parts[len(head):-1]
    # keep as many of the innermost folders as fit: they say most about the file
    while rest and len(join([*head, "…", rest[-1], *tail])) <= max_chars:
        tail.insert(0, rest.pop())
    if not rest:
        return join([*head, *tail])
    return _elide_middle(join([*head, "…", *tail]), max_chars)


def _elide_middle(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters by leaving out its middle."""
    if len(text) <= max_chars:
        return text
    keep = max(max_chars - 1, 2)
    return text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2:]
