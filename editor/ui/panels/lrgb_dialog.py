"""Dialog for a channel-combine (LRGB / RGB) layer: pick what feeds L, R, G and B — an image
layer of the document, another image the document holds, or a file opened from disk — and
whether to align them (sub-pixel, measured by the core), then see the offsets found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QWidget,
)
from editor.ui.common.i18n import tr

CHANNELS = ("L", "R", "G", "B")
NONE = "(none)"
OPEN_FILE = "Open file…"
_OPEN = object()  # item data of the "Open file…" entry


def channel_choices(doc: Any) -> list[tuple[str, str, bool]]:
    """What can feed a channel: (label, id for ``add_channel_combine``, is mono).

    Image layers first, by the name shown in the Layers panel (bottom of the stack first: the
    order they were opened in), then images the document holds that no image layer shows (e.g. the frames of an
    earlier channel combine), by file name.
    """
    out: list[tuple[str, str, bool]] = []
    shown: set[str] = set()
    for layer in doc.all_layers():
        sid = getattr(layer, "source_id", None)
        if getattr(layer, "type", None) != "image" or sid not in doc.sources:
            continue
        shown.add(sid)
        out.append((f"{layer.name} — layer{_shape(doc.sources[sid].pixels.shape)}", layer.id,
                    doc.sources[sid].pixels.ndim == 2))
    for sid, src in doc.sources.items():
        if getattr(src, "kind", "image") == "mask" or sid in shown:
            continue
        out.append((f"{src.name or sid}{_shape(src.pixels.shape)}", sid, src.pixels.ndim == 2))
    return out


#: Centre wavelengths (nm) of the filters and survey bands a FITS header names, to put the
#: longest in R and the shortest in B (2MASS K/H/J, narrowband SII/Ha/OIII as in the Hubble
#: palette). Luminance filters go to L.
BAND_NM: dict[str, float] = {
    "u": 365, "b": 445, "blue": 445, "g": 530, "green": 530, "v": 551, "oiii": 501, "o3": 501,
    "hb": 486, "hbeta": 486, "ha": 656, "halpha": 656, "h-alpha": 656, "r": 658, "red": 658,
    "sii": 672, "s2": 672, "i": 806, "z": 900, "j": 1250, "h": 1650, "k": 2200, "ks": 2150,
}
LUMINANCE = frozenset({"l", "lum", "luminance", "clear", "c"})


def _band(doc: Any, ident: str) -> str:
    """The filter the header of the image behind a layer or source id declares, lower case."""
    from editor.core.naming import filter_name

    sid = ident if ident in doc.sources else getattr(doc.layer(ident), "source_id", None)
    meta = getattr(doc.sources.get(sid), "meta", None)
    return filter_name(getattr(meta, "header", None) or {}).lower().replace(" ", "")


def default_channels(doc: Any, choices: list[tuple[str, str, bool]]) -> dict[str, str]:
    """The channel each choice feeds by default: by filter when the mono frames' headers name
    three known colour bands (longest wavelength in R: 2MASS K, H, J give R, G, B whatever
    order they were opened in), a luminance filter in L; else the stack order."""
    mono = [c for c in choices if c[2]]
    try:
        bands = {ident: _band(doc, ident) for _label, ident, _m in mono}
    except Exception:  # noqa: BLE001 - an unreadable header: the stack order
        bands = {}
    coloured = [i for i, b in bands.items() if b in BAND_NM]
    out: dict[str, str] = {}
    if len(coloured) == 3:
        by_nm = sorted(coloured, key=lambda i: BAND_NM[bands[i]], reverse=True)
        out = dict(zip(("R", "G", "B"), by_nm))
        lum = [i for i, b in bands.items() if b in LUMINANCE]
        if len(lum) == 1:
            out["L"] = lum[0]
        return out
    defaults = mono if len(mono) >= 3 else choices
    if len(defaults) >= 3:
        out = {ch: defaults[i][1] for i, ch in enumerate(("R", "G", "B"))}
    return out


def _shape(shape: tuple[int, ...]) -> str:
    return f" ({shape[1]}x{shape[0]}{'' if len(shape) == 2 else ', colour'})"


class LrgbDialog(QDialog):
    """``channels()`` -> {"L": layer id / source id / file path, "R": ..., ...}; ``mode()``;
    ``align()``."""

    def __init__(self, doc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Channel combine (LRGB)"))
        self.doc = doc
        form = QFormLayout(self)
        form.addRow(QLabel(tr("Build colour from mono frames: image layers, or files opened here.\n"
                           "Leave L empty for a plain RGB combine.")))
        self.boxes: dict[str, QComboBox] = {}
        choices = channel_choices(doc)
        # a sensible default: by filter, else the mono frames in stack order feed R, G, B
        defaults = default_channels(doc, choices)
        for ch in CHANNELS:
            box = QComboBox()
            box.addItem(tr(NONE), None)
            for label, ident, _mono in choices:
                box.addItem(label, ident)
            box.insertSeparator(box.count())
            box.addItem(tr(OPEN_FILE), _OPEN)
            if ch in defaults:
                box.setCurrentIndex(box.findData(defaults[ch]))
            box.setProperty("previous", box.currentIndex())
            box.activated.connect(lambda _i, b=box: self._on_activated(b))
            self.boxes[ch] = box
            form.addRow(ch, box)
        self.align_box = QCheckBox(tr("Align channels (sub-pixel, measured on the stars)"))
        self.align_box.setChecked(True)
        form.addRow(self.align_box)
        # frames in different units (surveys, filters): match background and scale per channel
        self.normalize_box = QComboBox()
        for key, label in (("auto", tr("Automatic (when the frames differ a lot)")),
                           ("on", tr("On: match background and scale")), ("off", tr("Off: as they are"))):
            self.normalize_box.addItem(label, key)
        self.normalize_box.setToolTip(tr("Per-channel normalisation: every channel's background "
                                         "(median) and noise scale (MAD) matched before the merge"))
        form.addRow(tr("Normalise channels"), self.normalize_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        form.addRow(self.buttons)

    def channels(self) -> dict[str, str]:
        out = {}
        for ch, box in self.boxes.items():
            data = box.currentData()
            if data is not None and data is not _OPEN:
                out[ch] = data
        return out

    def mode(self) -> str:
        return "lrgb" if "L" in self.channels() else "rgb"

    def align(self) -> bool:
        return self.align_box.isChecked()

    def normalize(self) -> str:
        """"auto", "on" or "off" (filters/channel_norm.py)."""
        return self.normalize_box.currentData()

    def set_file(self, channel: str, path: str) -> None:
        """Feed ``channel`` from the image file at ``path`` (opened when the layer is made)."""
        box = self.boxes[channel]
        idx = box.findData(path)
        if idx < 0:
            idx = box.count() - 2  # above the separator and "Open file…"
            box.insertItem(idx, f"{Path(path).name} — file", path)
            box.setItemData(idx, path, Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(idx)
        box.setProperty("previous", idx)

    def _on_activated(self, box: QComboBox) -> None:
        if box.currentData() is not _OPEN:
            box.setProperty("previous", box.currentIndex())
            return
        channel = next(ch for ch, b in self.boxes.items() if b is box)
        path = self._pick_file(channel)
        if path:
            self.set_file(channel, path)
        else:  # cancelled: back to what was chosen before
            box.setCurrentIndex(int(box.property("previous") or 0))

    def _pick_file(self, channel: str) -> str:
        from editor.io.formats import readable_extensions

        exts = " ".join(f"*{e}" for e in readable_extensions())
        path, _ = QFileDialog.getOpenFileName(self, tr('Image for channel {channel}').format(channel=channel), "",
                                              tr("Images ({exts});;All files (*)").format(exts=exts))
        return path

    def _accept(self) -> None:
        ch = self.channels()
        if not all(k in ch for k in ("R", "G", "B")):
            self.message.setText(tr("Pick a source for each of R, G and B."))
            return
        self.accept()


def describe_offsets(layer: Any) -> str:
    """'R: dy +0.12, dx -0.50 px; ...' for the status bar after alignment."""
    parts = [f"{ch}: dy {dy:+.2f}, dx {dx:+.2f} px" for ch, (dy, dx) in layer.offsets.items()]
    return (tr("Measured offsets — {offsets}").format(offsets="; ".join(parts)) if parts
            else tr("No offsets measured"))
