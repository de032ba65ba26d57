"""File > Open's question for files that hold a choice: which image of a multi-HDU FITS, which
plane of a cube, whether to debayer a one-shot-colour mosaic (as Siril and PixInsight ask)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from editor.locale import localise
from editor.ui.common.i18n import tr
from editor.io.choices import FileChoices, file_choices


class OpenChoiceDialog(QDialog):
    """Image (HDU), plane and debayer for one file; :meth:`options` gives ``open_image``'s
    keyword arguments."""

    def __init__(self, parent: QWidget | None, path: str | Path, choices: FileChoices,
                 preset: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        preset = preset or {}
        self.choices = choices
        self.setWindowTitle(tr('Open {0}').format(Path(path).name))
        form = self.form = QFormLayout(self)
        form.addRow(QLabel(tr('{0} holds a choice:').format(Path(path).name)))
        self.image_box = QComboBox()
        for image in choices.images:
            self.image_box.addItem(f"HDU {image.label}", image.hdu)
        form.addRow(tr("Image"), self.image_box)
        self.plane_box = QSpinBox()
        self.whole_rgb = QCheckBox(tr("Open the 3 planes as colour (RGB)"))
        form.addRow(tr("Plane"), self.plane_box)
        form.addRow("", self.whole_rgb)
        self.debayer_box = QCheckBox(tr("Debayer the mosaic to colour (Malvar-He-Cutler)"))
        form.addRow("", self.debayer_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.image_box.currentIndexChanged.connect(self._image_changed)
        self.whole_rgb.toggled.connect(lambda on: self.plane_box.setEnabled(not on))
        if preset.get("hdu") is not None:
            index = self.image_box.findData(preset["hdu"])
            self.image_box.setCurrentIndex(max(0, index))
        self._image_changed()
        if preset.get("plane") is not None:
            self.whole_rgb.setChecked(False)
            self.plane_box.setValue(int(preset["plane"]))
        self.debayer_box.setChecked(bool(preset.get("debayer", True)))

    def _current(self):
        return self.choices.images[max(0, self.image_box.currentIndex())]

    def _image_changed(self) -> None:
        image = self._current()
        cube = image.planes > 1
        self.plane_box.setRange(0, max(0, image.planes - 1))
        self.plane_box.setSuffix(f"  of 0..{image.planes - 1}" if cube else "")
        self.whole_rgb.setVisible(image.rgb)
        self.whole_rgb.setChecked(image.rgb)
        self.plane_box.setEnabled(cube and not image.rgb)
        self.form.setRowVisible(self.plane_box, cube)
        self.debayer_box.setVisible(image.mosaic)

    def options(self) -> dict[str, Any]:
        image = self._current()
        out: dict[str, Any] = {"hdu": image.hdu}
        if image.planes > 1 and not (image.rgb and self.whole_rgb.isChecked()):
            out["plane"] = self.plane_box.value()
        if image.mosaic and self.debayer_box.isChecked():
            out["debayer"] = "auto"
        return out


def choose_open_options(parent: QWidget | None, path: str | Path,
                        preset: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``open_image`` keyword arguments for ``path``: ``preset`` (the command line's --hdu,
    --plane, --debayer) when it settles everything, else the user's answer; None = cancelled.
    Files without a choice open without a question."""
    preset = dict(preset or {})
    try:
        choices = file_choices(path)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the open itself
        return preset
    if not choices.worth_asking:
        return preset
    settled = preset.get("hdu") is not None or len(choices.images) == 1
    image = next((c for c in choices.images if c.hdu == preset.get("hdu")), choices.images[0])
    if settled and (image.planes == 1 or image.rgb or preset.get("plane") is not None) and \
            (not image.mosaic or "debayer" in preset):
        return preset
    dialog = OpenChoiceDialog(parent, path, choices, preset)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return {**preset, **dialog.options()}


def show_file_warnings(parent: QWidget, doc: Any) -> list[str]:
    """Put the opened files' warnings (a doubtful raw, LibRaw's complaints) where the user
    sees them: the status bar, besides the Info panel's notes. Returns them."""
    found = [f"{Path(src.path or src.name).name}: {localise(note)}"
             for src in getattr(doc, "sources", {}).values()
             for note in getattr(src.meta, "notes", []) if note.startswith("warning")]
    status = getattr(parent, "statusBar", None)
    if found and callable(status):
        status().showMessage("; ".join(found), 30000)
    return found
