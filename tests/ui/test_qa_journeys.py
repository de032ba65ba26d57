"""Regressions found by using the editor as an astrophotographer would (real files, real
widgets): each test is named after the behaviour it protects."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import wait_render

pytestmark = pytest.mark.timeout(120)


def _mono_frames(n: int = 3, size: int = 64) -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    return [rng.random((size, size)).astype(np.float32) * 0.2 for _ in range(n)]


def test_editing_one_channel_offset_keeps_the_other_measured_offsets_exact(qtbot, window):
    """The offset spin boxes show 2 decimals; changing B's offset must not round R's measured
    sub-pixel shift to what its spin box displays."""
    from editor.core.document import Document

    r, g, b = _mono_frames()
    doc = Document.new(64, 64)
    doc.add_image(r, name="base")
    lid = doc.add_channel_combine({"R": r, "G": g, "B": b}, mode="rgb", align=False)
    doc.set_layer_props(lid, offsets={"R": (0.123456, -0.337), "G": (0.0, 0.0), "B": (0.0, 0.0)})
    window.set_document(doc)
    window.model.select(lid)
    qtbot.waitUntil(lambda: "B" in getattr(window.editor.adjust, "_offset_spins", {}))
    _sy, sx = window.editor.adjust._offset_spins["B"]
    sx.setValue(2.0)
    offsets = doc.layer(lid).offsets
    assert offsets["B"][1] == pytest.approx(2.0)
    assert offsets["R"] == pytest.approx((0.123456, -0.337), abs=1e-9)


def test_export_dialog_offers_only_formats_nebulayer_can_write(qtbot):
    """Every format in the export dialog must be writable: XISF is read-only, and choosing it
    only ended in an "unknown output format" error after the full render."""
    from editor.io.formats import writable_extensions
    from editor.io.export_formats import EXPORT_FORMATS
    from editor.ui.shell.file_actions import ExportDialog

    dlg = ExportDialog(None, "m42")
    qtbot.addWidget(dlg)
    offered = [dlg.format.itemText(i) for i in range(dlg.format.count())]
    assert offered and "FITS" in offered and "TIFF" in offered
    for label in offered:
        assert EXPORT_FORMATS[label][0] in writable_extensions(), label


def test_missing_sample_hint_is_only_shown_when_missing_and_goes_once_a_document_opens(
        qtbot, dialogs, monkeypatch, tmp_path):
    """The status bar said "No sample project at ..." when the sample was there (just not
    asked for), and kept saying "open an image" after one was open."""
    from editor.core.document import Document
    from editor.ui.shell import app as app_module

    app_module.make_application()
    win = app_module.create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    assert "No sample project" not in win.statusBar().currentMessage()
    win.editor.renderer.shutdown()

    monkeypatch.setattr(app_module, "SAMPLE_PROJECT", tmp_path / "missing.nebula")
    win2 = app_module.create_window([], offer_recovery=False, open_sample=True)
    qtbot.addWidget(win2)
    assert "No sample project" in win2.statusBar().currentMessage()
    win2.set_document(Document.from_image(np.zeros((20, 30), np.float32)))
    assert "No sample project" not in win2.statusBar().currentMessage()
    win2.editor.renderer.shutdown()


def test_a_float_fits_in_adu_is_visible_on_the_canvas_with_the_auto_stretch(qtbot, window,
                                                                             shared_data):
    """ESO-MIDAS writes float pixels in ADU (55..16383): the screen stretch showed all black."""
    from window_test_helpers import open_file

    open_file(qtbot, window, shared_data / "fits" / "eso_midas_ccd_float32.fits")
    picture = wait_render(qtbot, window).picture
    assert 40 < float(np.median(picture)) < 100  # the sky at about PixInsight's 0.25 grey
    assert picture.max() == 255


def test_export_never_overwrites_an_original_image_of_the_document(qtbot, window, dialogs,
                                                                    shared_data, tmp_path,
                                                                    monkeypatch):
    """Run in the folder of the stack, the export dialog proposed ``M51.fits`` — the stack
    itself — and OK replaced the linear original with the stretched render."""
    import shutil

    from window_test_helpers import open_file, wait_job

    original = tmp_path / "M51.fits"
    shutil.copy(shared_data / "fits" / "m51_kpno_b_int16.fits", original)
    before = original.read_bytes()
    monkeypatch.chdir(tmp_path)
    doc = open_file(qtbot, window, original)
    doc.add_adjustment("auto_stretch")
    job = window.files.export_to(str(original), 32)
    wait_job(qtbot, job)
    assert job.error is not None and "original" in job.error
    assert original.read_bytes() == before


def test_export_dialog_asks_before_replacing_an_existing_file(qtbot, dialogs, tmp_path):
    from PyQt6.QtWidgets import QMessageBox

    from editor.ui.shell.file_actions import ExportDialog

    existing = tmp_path / "m42.tif"
    existing.write_bytes(b"old")
    dlg = ExportDialog(None, "m42")
    qtbot.addWidget(dlg)
    dlg.format.setCurrentText("TIFF")
    dlg.file.setText(str(existing))
    dialogs.answer = QMessageBox.StandardButton.No
    dlg.accept()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert any("m42.tif" in t for t in dialogs.texts("question"))
    dialogs.answer = QMessageBox.StandardButton.Yes
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted


def test_export_dialog_proposes_a_new_name_next_to_the_opened_image(qtbot, window, dialogs,
                                                                    shared_data, tmp_path,
                                                                    monkeypatch):
    """Photoshop's Export starts in the document's folder, never on the original's name."""
    import shutil

    from PyQt6.QtWidgets import QDialog

    from editor.ui.shell import file_actions
    from window_test_helpers import open_file

    original = tmp_path / "stacks" / "M51.fits"
    original.parent.mkdir()
    shutil.copy(shared_data / "fits" / "m51_kpno_b_int16.fits", original)
    monkeypatch.chdir(tmp_path)
    open_file(qtbot, window, original)
    proposed: list[str] = []

    def fake_exec(dlg: QDialog) -> int:
        proposed.append(dlg.file.text())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(file_actions.ExportDialog, "exec", fake_exec)
    window.files.export_dialog()
    assert proposed == [str(original.parent / "M51_processed.fits")]


def test_square_brackets_resize_the_brush_like_photoshop(qtbot, window):
    actions = {a.shortcut().toString(): a for a in window.findChildren(type(window.act_redo))}
    masks, canvas = window.editor.masks, window.editor.canvas
    start = masks.brush_values["size"]
    actions["]"].trigger()
    assert masks.brush_values["size"] == pytest.approx(start * 1.25)
    assert canvas.brush_size == pytest.approx(start * 1.25)
    for _ in range(100):
        actions["["].trigger()
    assert masks.brush_values["size"] == 1.0  # the size's minimum, not below


def test_opening_another_document_clears_the_previous_histogram(qtbot, window, shared_data):
    from window_test_helpers import open_file

    panel = window.editor.histogram
    with qtbot.waitSignal(panel.analysed, timeout=20000):
        open_file(qtbot, window, shared_data / "fits" / "m51_kpno_b_int16.fits")
    assert panel.result is not None and panel.stats_grid.count() > 0
    panel._timer.setInterval(60000)  # hold the new analysis back to look at the in-between state
    open_file(qtbot, window, shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    assert panel.result is None and panel.stats_grid.count() == 0
