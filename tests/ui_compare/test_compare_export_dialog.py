"""The export dialog writes real comparison files as a background job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from editor.ui.compare.export_dialog import CompareExportDialog, default_region


def _dialog(qtbot, doc, **kw) -> CompareExportDialog:
    d = CompareExportDialog(doc, **kw)
    qtbot.addWidget(d)
    return d


def test_export_dialog_writes_a_blink_gif_of_the_visible_region(qtbot, processed_doc, tmp_path: Path):
    doc, original = processed_doc
    d = _dialog(qtbot, doc, a=original, b=None, region=(300, 250, 320, 240), mode="blink")
    assert d.kind() == "blink_gif"
    d.path_edit.setText(str(tmp_path / "horse.gif"))
    d.duration_spin.setValue(500)
    with qtbot.waitSignal(d.exported, timeout=20000) as sig:
        d.start_export()
    assert sig.args == [str(tmp_path / "horse.gif")]
    with Image.open(tmp_path / "horse.gif") as im:
        assert (im.n_frames, im.size, im.info["duration"]) == (2, (320, 240), 500)
    assert d.progress_bar.value() == d.progress_bar.maximum()


def test_changing_the_kind_changes_the_extension(qtbot, processed_doc, tmp_path: Path):
    doc, original = processed_doc
    d = _dialog(qtbot, doc, a=original, mode="split")
    d.path_edit.setText(str(tmp_path / "m42_split.png"))
    d.kind_combo.setCurrentIndex(d.kind_combo.findData("blink_gif"))
    assert d.path_edit.text() == str(tmp_path / "m42_blink.gif")
    d.kind_combo.setCurrentIndex(d.kind_combo.findData("side_by_side"))
    assert d.path_edit.text() == str(tmp_path / "m42_side_by_side.png")


def test_edited_labels_are_drawn_on_the_split_png(qtbot, processed_doc, tmp_path: Path):
    doc, original = processed_doc
    d = _dialog(qtbot, doc, a=original, b=None, region=(300, 250, 400, 300), mode="split")
    d.path_edit.setText(str(tmp_path / "split.png"))
    with qtbot.waitSignal(d.exported, timeout=20000):
        d.start_export()
    plain = np.asarray(Image.open(tmp_path / "split.png").convert("RGB"))
    d.label_a.setText("")
    d.label_b.setText("")
    with qtbot.waitSignal(d.exported, timeout=20000):
        d.start_export()
    unlabelled = np.asarray(Image.open(tmp_path / "split.png").convert("RGB"))
    changed = np.any(plain != unlabelled, axis=2)
    assert changed[:60, :200].sum() > 50 and changed[:60, 200:].sum() > 50
    assert not changed[100:].any()


def test_export_errors_are_shown_as_a_dialog(qtbot, processed_doc, tmp_path: Path, monkeypatch):
    doc, original = processed_doc
    shown: list[str] = []
    monkeypatch.setattr("editor.ui.compare.export_dialog.show_error",
                        lambda parent, message, *a: shown.append(message))
    d = _dialog(qtbot, doc, a=original, region=(0, 0, 100, 100), mode="split")
    d.path_edit.setText(str(tmp_path / "missing" / "split.png"))
    qtbot.waitUntil(lambda: True)
    d.start_export()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert "missing" in shown[0]
    assert d.export_button.isEnabled()


def test_cancel_stops_a_running_export_without_writing(qtbot, processed_doc, tmp_path: Path):
    doc, original = processed_doc
    d = _dialog(qtbot, doc, a=original, mode="side_by_side")
    d.whole_box.setChecked(True)
    d.scale_spin.setValue(100)
    d.path_edit.setText(str(tmp_path / "sbs.png"))
    d.start_export()
    d.cancel_button.click()  # "Cancel" while the job runs
    qtbot.waitUntil(lambda: d.job is None, timeout=20000)
    if d.status.text() == "Cancelled":
        assert not (tmp_path / "sbs.png").exists()
    else:  # the render finished before the cancel was seen: then the file is complete
        assert Image.open(tmp_path / "sbs.png").size[0] == 2 * doc.width + 8


def test_default_region_is_the_visible_part_or_a_centred_800x600():
    class Canvas:
        width, height = 6000, 4000

    assert default_region(Canvas, (10, 20, 640, 480)) == (10, 20, 640, 480)
    assert default_region(Canvas, (0, 0, 6000, 4000)) == (2600, 1700, 800, 600)
    assert default_region(Canvas, None) == (2600, 1700, 800, 600)
