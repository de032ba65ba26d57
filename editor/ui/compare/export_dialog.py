"""Export a before/after comparison: side-by-side or split PNG, or a blink GIF / animated PNG.

The default area is a 100 % crop (what forums want to see): the part of the image on screen
when it is small enough, else a centred 800 x 600 crop. "Whole image" exports everything at a
chosen scale instead. The export runs as a cancellable job with a progress bar.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal
from PyQt6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFileDialog,
                             QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                             QPushButton, QSpinBox, QVBoxLayout, QWidget)

from editor.ui.common.i18n import tr
from editor.errors import NebulayerError
from editor.jobs.progress import Cancelled, CancelToken
from editor.render.comparison import (EXTENSIONS, KIND_NAMES, STRETCH_CHOICES, default_crop,
                                      export_comparison, original_snapshot, state_label)
from editor.ui.common.error_dialogs import show_error

log = logging.getLogger(__name__)

MAX_DEFAULT_CROP = 1600 * 1200  # a visible region larger than this defaults to 800 x 600
KIND_TAGS = {"side_by_side": "_side_by_side", "split": "_split", "blink_gif": "_blink",
             "blink_apng": "_blink"}
MODE_TO_KIND = {"split": "split", "side_by_side": "side_by_side", "blink": "blink_gif"}


class _Signals(QObject):
    progress = pyqtSignal(float)
    done = pyqtSignal(object, object)  # (path or None, error message or None)


class _ExportJob(QRunnable):
    def __init__(self, kwargs: dict[str, Any]) -> None:
        super().__init__()
        self.kwargs = kwargs
        self.token = CancelToken()
        self.signals = _Signals()

    def run(self) -> None:
        try:
            path = export_comparison(progress=self.token.progress(self.signals.progress.emit),
                                     **self.kwargs)
        except Cancelled:
            self.signals.done.emit(None, None)
        except NebulayerError as exc:
            self.signals.done.emit(None, str(exc))
        except (MemoryError, ValueError) as exc:
            log.exception("comparison export failed")
            self.signals.done.emit(None, f"Exporting the comparison failed: {exc}")
        else:
            self.signals.done.emit(path, None)


def default_region(doc: Any, visible: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    """The visible region when it is a sensible size, else an 800 x 600 crop at its centre."""
    if visible is not None and visible[2] * visible[3] <= MAX_DEFAULT_CROP:
        return visible
    if visible is None:
        return default_crop(doc.width, doc.height)
    x, y, w, h = visible
    cw, ch = min(800, doc.width), min(600, doc.height)
    cx = min(max(x + w // 2 - cw // 2, 0), doc.width - cw)
    cy = min(max(y + h // 2 - ch // 2, 0), doc.height - ch)
    return (cx, cy, cw, ch)


class CompareExportDialog(QDialog):
    """Settings and progress of one comparison export.

    Signals
    -------
    exported(str)
        The file was written (its path).
    """

    exported = pyqtSignal(str)

    def __init__(self, doc: Any, parent: QWidget | None = None, a: Any = "original", b: Any = None,
                 region: tuple[int, int, int, int] | None = None, mode: str = "split",
                 position: float = 0.5, stretch_reference: int | None = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export comparison"))
        self.doc = doc
        self.job: _ExportJob | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        if a == "original":
            a = original_snapshot(doc)

        self.kind_combo = QComboBox()
        for kind, name in KIND_NAMES.items():
            self.kind_combo.addItem(tr(name[0].upper() + name[1:]), kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.a_combo, self.b_combo = QComboBox(), QComboBox()
        states = [("Current", None)] + [(str(n), sid) for sid, n in doc.snapshots]
        for combo, value in ((self.a_combo, a), (self.b_combo, b)):
            for name, sid in states:
                combo.addItem(tr(name), sid)  # "Current", "Original": translated; other names as typed
            ids = [sid for _, sid in states]
            combo.setCurrentIndex(ids.index(value) if value in ids else 0)
        self.label_a = QLineEdit(state_label(doc, self.a_combo.currentData()))
        self.label_b = QLineEdit(state_label(doc, self.b_combo.currentData()))
        self.a_combo.currentIndexChanged.connect(
            lambda _i: self.label_a.setText(state_label(doc, self.a_combo.currentData())))
        self.b_combo.currentIndexChanged.connect(
            lambda _i: self.label_b.setText(state_label(doc, self.b_combo.currentData())))

        self.whole_box = QCheckBox(tr("Whole image (otherwise a 100 % crop)"))
        self.scale_spin = QDoubleSpinBox(minimum=1, maximum=100, value=min(100.0, round(
            100 * 1600 / max(doc.width, doc.height, 1))), suffix=" %", decimals=0)
        self.whole_box.toggled.connect(self._on_whole)
        x, y, w, h = default_region(doc, region)
        self.x_spin = QSpinBox(maximum=max(0, doc.width - 1), value=x, prefix="x ")
        self.y_spin = QSpinBox(maximum=max(0, doc.height - 1), value=y, prefix="y ")
        self.w_spin = QSpinBox(minimum=1, maximum=doc.width, value=w, prefix="w ")
        self.h_spin = QSpinBox(minimum=1, maximum=doc.height, value=h, prefix="h ")
        crop_row = QHBoxLayout()
        for s in (self.x_spin, self.y_spin, self.w_spin, self.h_spin):
            crop_row.addWidget(s)
        self.position_spin = QSpinBox(minimum=0, maximum=100, value=round(100 * position), suffix=" %")
        self.duration_spin = QSpinBox(minimum=50, maximum=10000, singleStep=100, value=800,
                                      suffix=" ms")
        self.stretch_combo = QComboBox()
        for name, ref in STRETCH_CHOICES.items():
            self.stretch_combo.addItem(tr(name), ref)
        self.stretch_combo.setCurrentIndex(list(STRETCH_CHOICES.values()).index(stretch_reference))
        self.path_edit = QLineEdit(str(self._default_path("split")))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(tr("Kind:"), self.kind_combo)
        form.addRow(tr("A (before):"), self.a_combo)
        form.addRow(tr("Label A:"), self.label_a)
        form.addRow(tr("B (after):"), self.b_combo)
        form.addRow(tr("Label B:"), self.label_b)
        form.addRow("", self.whole_box)
        form.addRow(tr("Scale:"), self.scale_spin)
        form.addRow(tr("Crop (canvas px):"), crop_row)
        form.addRow(tr("Divider at:"), self.position_spin)
        form.addRow(tr("Frame time:"), self.duration_spin)
        form.addRow(tr("Display stretch:"), self.stretch_combo)
        form.addRow(tr("File:"), path_row)
        self._form = form
        self.progress_bar = QProgressBar(maximum=1000, value=0, textVisible=False)
        self.status = QLabel("")
        self.export_button = QPushButton(tr("Export"))
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton(tr("Close"))
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addLayout(buttons)

        self.kind_combo.setCurrentIndex(list(KIND_NAMES).index(MODE_TO_KIND.get(mode, "split")))
        self._on_kind()
        self._on_whole(False)

    # ------------------------------------------------------------------ settings
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def settings(self) -> dict[str, Any]:
        """The arguments of :func:`editor.render.comparison.export_comparison` chosen here."""
        ref = self.stretch_combo.currentData()
        whole = self.whole_box.isChecked()
        return dict(
            doc=self.doc, path=Path(self.path_edit.text().strip()).expanduser(), kind=self.kind(),
            states=(self.a_combo.currentData(), self.b_combo.currentData()),
            labels=[self.label_a.text(), self.label_b.text()],
            region=None if whole else (self.x_spin.value(), self.y_spin.value(),
                                       min(self.w_spin.value(), self.doc.width - self.x_spin.value()),
                                       min(self.h_spin.value(), self.doc.height - self.y_spin.value())),
            scale=self.scale_spin.value() / 100.0 if whole else 1.0,
            stretch="none" if ref is None else "auto", reference=ref or 0,
            position=self.position_spin.value() / 100.0, duration_ms=self.duration_spin.value(),
        )

    def _default_path(self, kind: str) -> Path:
        doc_path = getattr(self.doc, "path", None)
        folder = Path(doc_path).parent if doc_path else Path.home()
        stem = Path(doc_path).stem if doc_path else "comparison"
        return folder / f"{stem}{KIND_TAGS[kind]}{EXTENSIONS[kind][0]}"

    def _on_kind(self, *_: Any) -> None:
        kind = self.kind()
        blink = kind.startswith("blink")
        self._set_row_visible(self.duration_spin, blink)
        self._set_row_visible(self.position_spin, kind == "split")
        text = self.path_edit.text().strip()
        if not text:
            return
        # keep the folder and the user's name; swap our kind tag and a wrong extension
        path = Path(text)
        stem = path.stem
        tagged = any(stem.endswith(t) for t in KIND_TAGS.values())
        for tag in KIND_TAGS.values():
            stem = stem.removesuffix(tag)
        ext = path.suffix if path.suffix.lower() in EXTENSIONS[kind] else EXTENSIONS[kind][0]
        if tagged or ext != path.suffix:
            tag = KIND_TAGS[kind] if tagged else ""
            self.path_edit.setText(str(path.with_name(stem + tag + ext)))

    def _on_whole(self, whole: bool) -> None:
        self._set_row_visible(self.scale_spin, whole)
        for s in (self.x_spin, self.y_spin, self.w_spin, self.h_spin):
            s.setEnabled(not whole)

    def _set_row_visible(self, field: QWidget, visible: bool) -> None:
        self._form.setRowVisible(field, visible)

    def _browse(self) -> None:
        kind = self.kind()
        pattern = " ".join(f"*{e}" for e in EXTENSIONS[kind])
        path, _ = QFileDialog.getSaveFileName(self, tr("Export comparison"), self.path_edit.text(),
                                              f"{tr(KIND_NAMES[kind][0].upper() + KIND_NAMES[kind][1:])} ({pattern})")
        if path:
            if Path(path).suffix.lower() not in EXTENSIONS[kind]:
                path += EXTENSIONS[kind][0]
            self.path_edit.setText(path)

    # ------------------------------------------------------------------ the job
    def start_export(self) -> None:
        """Write the comparison in the background; progress and errors shown here."""
        if self.job is not None:
            return
        settings = self.settings()
        if not str(settings["path"]) or settings["path"].name == "":
            show_error(self, tr("Choose a file name for the comparison."))
            return
        self.job = _ExportJob(settings)
        self.job.signals.progress.connect(lambda f: self.progress_bar.setValue(int(f * 1000)))
        self.job.signals.done.connect(self._on_done)
        self.export_button.setEnabled(False)
        self.cancel_button.setText(tr("Cancel"))
        self.status.setText(tr("Rendering…"))
        self.progress_bar.setValue(0)
        self._pool.start(self.job)

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.token.cancel()
            self.status.setText(tr("Cancelling…"))
        else:
            self.reject()

    def _on_done(self, path: Any, error: str | None) -> None:
        self.job = None
        self.export_button.setEnabled(True)
        self.cancel_button.setText(tr("Close"))
        if error is not None:
            self.status.setText(tr("Export failed"))
            show_error(self, error)
        elif path is None:
            self.status.setText(tr("Cancelled"))
            self.progress_bar.setValue(0)
        else:
            self.progress_bar.setValue(1000)
            self.status.setText(tr('Saved {0}').format(Path(path).name))
            self.exported.emit(str(path))

    def done(self, result: int) -> None:  # noqa: D102 (closing also cancels a running export)
        if self.job is not None:
            self.job.token.cancel()
            self._pool.waitForDone(10000)
        super().done(result)
