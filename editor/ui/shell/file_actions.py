"""File menu actions: open (images and .nebula projects), add image layer, save, save as,
export, with progress and cancel for anything slow, and one clear dialog for any problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from editor.locale import localise
from editor.ui.common.i18n import tr
from editor.io.export_formats import EXPORT_FORMATS, bit_depth_label, exportable_formats
from editor.ui.common.doc_model import DocModel
from editor.ui.common.error_dialogs import show_error
from editor.ui.common.job_runner import Job, run_job
from editor.ui.shell.recent_files import add_recent

PROJECT_EXT = ".nebula"


def open_filter() -> str:
    from editor.io.formats import readable_extensions

    exts = " ".join(f"*{e}" for e in [PROJECT_EXT, *readable_extensions()])
    return tr("Images and projects ({exts});;Nebulayer projects (*{ext});;All files (*)").format(exts=exts, ext=PROJECT_EXT)


def load_document(path: str, progress: Callable[[float], None] | None = None,
                  allow_outside: Any = False, **options: Any) -> Any:
    """A document from a project or an image file (run on a worker thread); ``options`` are
    ``open_image``'s choices (hdu, plane, debayer) for an image. A project reading files
    outside its folder without ``allow_outside`` returns (not raises) the
    OutsideReferencesError, so the UI thread can ask the user."""
    from editor.core.document import Document
    from editor.errors import OutsideReferencesError

    if path.lower().endswith(PROJECT_EXT):
        try:
            # tiled: as the headless render opens it, a canvas larger than the memory budget
            # opens too (the canvas shows it by tiles, big sources stay mapped from disk, and
            # whatever would need the whole canvas in memory is refused in one line).
            return Document.load(path, allow_outside=allow_outside, tiled=True)
        except OutsideReferencesError as exc:
            return exc
    return Document.from_image(open_image_within_budget(path, **options))


def open_image_within_budget(path: str, **options: Any) -> Any:
    """``open_image(path, **options)``; an uncompressed FITS image whose decoded pixels would
    pass the memory budget is read band by band into a memory-mapped copy instead (the
    canvas then shows it by tiles), where ``open_image`` refuses it."""
    from editor.errors import ImageTooLargeError
    from editor.io import open_image

    try:
        return open_image(path, **options)
    except ImageTooLargeError:
        if options.get("plane") is not None or options.get("debayer") is True:
            raise  # a plane of a cube, a demosaic: made in memory only
        from editor.io.mapped import map_fits_image
        from editor.render.resample import reduce2

        image = map_fits_image(path, options.get("hdu"), reduce2)
        if image is None or (image.meta.bayer_pattern and options.get("debayer")):
            raise
        return image


def document_file(doc: Any) -> Path | None:
    """The file a document came from: its project, else the image it was opened from."""
    if getattr(doc, "path", None):
        return Path(doc.path)
    src = doc.sources.get(doc.meta.get("base_source", "")) if hasattr(doc, "sources") else None
    return Path(src.path) if src is not None and src.path else None


def document_stem(doc: Any) -> str | None:
    """The file name a document came from (see :func:`document_file`)."""
    origin = document_file(doc)
    return origin.name if origin is not None else None


class FileActions:
    """Owns the file dialogs and jobs; ``set_document(doc)`` shows a newly opened document."""

    def __init__(self, parent: QWidget, model: DocModel, set_document: Callable[[Any], None]) -> None:
        self.parent = parent
        self.model = model
        self.set_document = set_document
        self.last_job: Job | None = None
        self.open_options: dict[str, Any] = {}  # --hdu/--plane/--debayer from the command line

    # opening
    def open_dialog(self) -> None:
        if not self.maybe_save_changes():
            return
        paths, _ = QFileDialog.getOpenFileNames(self.parent, tr("Open"), "", open_filter())
        if paths:
            self.open_paths(paths)

    def open_recovered(self, path: str) -> Job:
        """Open a crash-recovery copy as the unsaved document it protects (not a recent file)."""
        from editor.project.recovery import load_recovered

        self.last_job = run_job(self.parent, tr("Restoring the autosaved document…"),
                                lambda progress: load_recovered(path, tiled=True),
                                self.set_document,
                                self._error)
        return self.last_job

    def open_paths(self, paths: list[str], remember: bool = True) -> Job | None:
        """Open ``paths[0]`` as the document; further images become layers on top of it."""
        if not paths:
            return None
        first, rest = paths[0], list(paths[1:])
        from editor.ui.shell.open_choice import choose_open_options

        options = {} if first.lower().endswith(PROJECT_EXT) else \
            choose_open_options(self.parent, first, self.open_options)
        if options is None:
            return None

        def opened(doc: Any) -> None:
            from editor.errors import OutsideReferencesError
            from editor.ui.shell.trust_dialogs import ask_outside_references

            if isinstance(doc, OutsideReferencesError):  # ask once, then allow exactly those
                if ask_outside_references(self.parent, first, doc.paths):
                    self.last_job = run_job(
                        self.parent, tr('Opening {0}…').format(Path(first).name),
                        lambda progress: load_document(first, progress, allow_outside=doc.paths),
                        opened, self._error)
                return
            if remember:
                add_recent(first)
            self.set_document(doc)
            from editor.ui.shell.open_choice import show_file_warnings

            show_file_warnings(self.parent, doc)
            if rest:
                self.add_image_paths(rest)

        self.last_job = run_job(self.parent, tr('Opening {0}…').format(Path(first).name),
                                lambda progress: load_document(first, progress, **options),
                                opened, self._error)
        return self.last_job

    def add_image_dialog(self) -> None:
        from editor.io.formats import readable_extensions

        exts = " ".join(f"*{e}" for e in readable_extensions())
        paths, _ = QFileDialog.getOpenFileNames(self.parent, tr("Add image layer"), "",
                                                tr("Images ({exts});;All files (*)").format(exts=exts))
        if paths:
            self.add_image_paths(paths)

    def add_image_paths(self, paths: list[str]) -> Job | None:
        """Open image files on a worker thread and add each as a layer of the document."""
        if self.model.doc is None:
            return self.open_paths(paths)

        from editor.ui.shell.open_choice import choose_open_options

        chosen = []
        for p in paths:
            options = choose_open_options(self.parent, p, self.open_options)
            if options is not None:
                chosen.append((p, options))

        def load(progress: Callable[[float], None]) -> list[tuple[str, Any]]:
            return [(p, open_image_within_budget(p, **options)) for p, options in chosen]

        def add(images: list[tuple[str, Any]]) -> None:
            for path, image in images:
                lid = self.model.run(self.model.doc.add_image, image)
                if lid:
                    add_recent(path)
                    self.model.select(lid)

        self.last_job = run_job(self.parent, tr("Opening images…"), load, add, self._error)
        return self.last_job

    # saving
    def save(self) -> Job | None:
        doc = self.model.doc
        if doc is None:
            return None
        path = getattr(doc, "path", None)
        if not path or not str(path).lower().endswith(PROJECT_EXT):
            return self.save_as()
        if not getattr(doc, "path_confirmed", True):  # a path the user did not open or choose
            from editor.ui.shell.trust_dialogs import ask_save_over

            choice = ask_save_over(self.parent, str(path))
            if choice != "save":
                return self.save_as() if choice == "save_as" else None
        return self.save_to(str(path))

    def save_as(self) -> Job | None:
        doc = self.model.doc
        if doc is None:
            return None
        stem = document_stem(doc)
        start = str(Path(stem).with_suffix(PROJECT_EXT)) if stem else "untitled.nebula"
        path, _ = QFileDialog.getSaveFileName(self.parent, tr("Save project as"), start,
                                              tr("Nebulayer project (*{ext})").format(ext=PROJECT_EXT))
        if not path:
            return None
        if not path.lower().endswith(PROJECT_EXT):
            path += PROJECT_EXT
        return self.save_to(path)

    def save_to(self, path: str) -> Job:
        doc = self.model.doc

        def saved(_r: Any) -> None:
            from editor.ui.shell.recovery import discard_recovery

            add_recent(path)
            discard_recovery()  # the project on disk is newer than the autosave
            self.model.history_changed.emit()  # the title shows the new name / clean state

        def cancelled() -> None:
            # The save stopped before its rename: the file on disk is as it was and the
            # document keeps its unsaved changes (and its autosave copy).
            if hasattr(self.parent, "statusBar"):
                self.parent.statusBar().showMessage(
                    tr("Save cancelled: {name} was not written").format(name=Path(path).name), 8000)

        # The job's progress callback raises Cancelled once Cancel is pressed; the save calls
        # it per member and per band, so Cancel stops even a gigabyte-sized source.
        self.last_job = run_job(self.parent, tr('Saving {0}…').format(Path(path).name),
                                lambda progress: doc.save(path, progress=progress), saved, self._error)
        self.last_job.cancelled.connect(cancelled)
        return self.last_job

    def maybe_save_changes(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled."""
        doc = self.model.doc
        if doc is None or not getattr(doc, "dirty", False):
            return True
        answer = QMessageBox.question(
            self.parent, "Nebulayer", tr("The document has unsaved changes. Save them first?"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            job = self.save()
            if job is None:
                return False
            while not job.done:  # wait, with the UI responsive, for the save to finish
                from PyQt6.QtWidgets import QApplication

                QApplication.processEvents()
            # a cancelled save is no error, but the changes are not saved: do not go on
            return job.error is None and not getattr(doc, "dirty", False)
        return True

    # export
    def export_dialog(self) -> Job | None:
        doc = self.model.doc
        if doc is None:
            return None
        origin = document_file(doc)
        # Next to the document, as Photoshop's Export does, under a name that is not the original's.
        dlg = ExportDialog(self.parent, f"{origin.stem}_processed" if origin else "export",
                           folder=origin.parent if origin else None)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.export_to(dlg.path(), dlg.bits(), burn_overlay=dlg.burn_overlay())

    def export_to(self, path: str, bits: int | None, burn_overlay: bool = False) -> Job:
        """Render the document at full resolution and write it (cancellable job)."""
        from editor.core.render_errors import RenderErrors
        from editor.errors import ImageWriteError
        from editor.io import export_image
        from editor.jobs.progress import scaled_progress
        from editor.render.budget_plan import whole_render_fits

        doc = self.model.doc
        errors = RenderErrors()  # layer failures, applied to the document on the UI thread

        def work(progress: Callable[[float], None]) -> tuple[str, list[str]]:
            if _is_source_of(doc, path):
                raise ImageWriteError(path, "is an original image of this document; export "
                                      "under another name so the original stays untouched")
            if not whole_render_fits(doc):  # too big for one piece: by tiles, as `render` does
                return path, _export_by_tiles(doc, path, bits, burn_overlay, progress, errors)
            pixels = doc.render(scale=1.0, progress=scaled_progress(progress, 0.0, 0.9),
                                errors=errors)
            if burn_overlay:  # RA/Dec grid, compass, scale bar, objects drawn into the pixels
                from editor.render.sky import burn_sky_overlay

                pixels = burn_sky_overlay(pixels, doc)
            notes = export_image(pixels, path, bits=bits, meta=doc.export_meta())
            progress(1.0)
            return path, list(notes or [])

        def done(result: tuple[str, list[str]]) -> None:
            p, notes = result
            doc.apply_render_errors(errors)
            self.last_export_notes = notes  # what the export did to the values (a rescale...)
            if hasattr(self.parent, "statusBar"):
                said = tr("Exported {path}").format(path=p) + "".join(f" — {localise(note)}" for note in notes)
                self.parent.statusBar().showMessage(said, 15000 if notes else 5000)

        def failed(message: str) -> None:
            doc.apply_render_errors(errors)
            self._error(message)

        self.last_job = run_job(self.parent, tr('Exporting {0}…').format(Path(path).name), work, done, failed)
        return self.last_job

    def _error(self, message: str) -> None:
        show_error(self.parent, message)


def _export_by_tiles(doc: Any, path: str, bits: int | None, burn_overlay: bool,
                     progress: Callable[[float], None], errors: Any) -> list[str]:
    """Export a canvas a one-piece render cannot hold: rendered tile by tile within the
    memory budget and written band by band (TIFF, FITS); other formats and the burnt-in sky
    overlay need the whole picture in memory, so they are refused in one line."""
    from editor.io.budget import require_in_memory
    from editor.render.budget_plan import planned_render
    from editor.render.tiles_export import STREAMED, export_tiled

    whole = doc.width * doc.height * 3 * 4
    if burn_overlay:
        require_in_memory(whole, tr("Burning in the sky overlay"))
    if Path(path).suffix.lower() not in STREAMED:
        require_in_memory(whole, tr("Exporting as {ext} (only TIFF and FITS are written by "
                                    "tiles)").format(ext=Path(path).suffix.lstrip(".").upper()))
    from editor.render.cache import RenderCache

    # no step results kept (as `nebulayer render`): the planner counted what the window
    # holds now, and the editor's cache would grow by up to its size during the export
    tiles = planned_render(doc, 1.0, Path(path), progress=progress, errors=errors,
                           cache=RenderCache(0))
    notes = export_tiled(tiles, path, bits=bits)
    progress(1.0)
    return list(notes or [])


def _is_source_of(doc: Any, path: str) -> bool:
    """True when ``path`` is the file one of the document's images was read from."""
    target = Path(path).expanduser().resolve()
    for src in getattr(doc, "sources", {}).values():
        if src.path and Path(src.path).expanduser().resolve() == target:
            return True
    return False


class ExportDialog(QDialog):
    """Choose the file, the format and the bit depth of an export."""

    def __init__(self, parent: QWidget | None, stem: str, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export image"))
        self.format = QComboBox()
        self.format.addItems(exportable_formats())
        self.bits_box = QComboBox()
        self.file = QLineEdit(str((folder or Path.cwd()) / f"{stem}.fits"))
        self._confirmed: str | None = None  # a path whose replacement the user already approved
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(tr("Format"), self.format)
        form.addRow(tr("Bit depth"), self.bits_box)
        form.addRow(tr("File"), row)
        # for club posts: only integer picture formats (a FITS/float file stays data)
        self.burn = QCheckBox(tr("Burn in sky overlay"))
        self.burn.setToolTip(tr("Draw the RA/Dec grid, compass, scale bar and object labels into the pixels (needs a WCS)"))
        form.addRow("", self.burn)
        self.bits_box.currentIndexChanged.connect(lambda _i: self._sync_burn())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentTextChanged.connect(self._on_format)
        self._on_format(self.format.currentText())

    def _on_format(self, label: str) -> None:
        ext, depths = EXPORT_FORMATS[label]
        self.bits_box.clear()
        for b in depths:
            self.bits_box.addItem(tr(bit_depth_label(b)), b)
        self.file.setText(str(Path(self.file.text()).with_suffix(ext)))

    def _browse(self) -> None:
        label = self.format.currentText()
        ext = EXPORT_FORMATS[label][0]
        path, _ = QFileDialog.getSaveFileName(self, tr("Export to"), self.file.text(), f"{label} (*{ext})")
        if path:
            path = path if Path(path).suffix else path + ext
            self._confirmed = path  # the file dialog already asked about replacing it
            self.file.setText(path)

    def accept(self) -> None:
        """OK: as a file dialog does, ask before replacing an existing file."""
        path = Path(self.path()).expanduser()
        if path.exists() and self.path() != self._confirmed:
            answer = QMessageBox.question(
                self, tr("Export image"), tr('{name} already exists in {parent}. Replace it?').format(name=path.name, parent=path.parent),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()

    def path(self) -> str:
        return self.file.text()

    def _sync_burn(self) -> None:
        ext = EXPORT_FORMATS[self.format.currentText()][0].lower()
        ok = ext in (".png", ".jpg", ".jpeg", ".tif", ".tiff") and self.bits_box.currentData() in (8, 16)
        self.burn.setEnabled(ok)
        if not ok:
            self.burn.setChecked(False)

    def burn_overlay(self) -> bool:
        return self.burn.isEnabled() and self.burn.isChecked()

    def bits(self) -> int:
        return int(self.bits_box.currentData())
