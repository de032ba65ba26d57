"""File > Open asks which image / plane and offers to debayer (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

pytest.importorskip("pytestqt")
from PyQt6.QtWidgets import QDialog  # noqa: E402

from editor.io import open_image  # noqa: E402
from editor.io.choices import file_choices  # noqa: E402
from editor.ui.shell.open_choice import OpenChoiceDialog, choose_open_options  # noqa: E402

CUBE = "fits/l1448_13co_cube.fits"
HST = "fits/hst_acs_j8bt06nyq_flt_mef.fits"


def test_cube_dialog_offers_every_plane(qtbot, shared_data):
    path = shared_data / CUBE
    dialog = OpenChoiceDialog(None, path, file_choices(path))
    qtbot.addWidget(dialog)
    assert dialog.plane_box.isEnabled() and dialog.plane_box.maximum() == 52
    assert dialog.debayer_box.isHidden()
    dialog.plane_box.setValue(26)
    options = dialog.options()
    assert options == {"hdu": 0, "plane": 26}
    np.testing.assert_array_equal(open_image(path, **options).data, fits.getdata(path)[26][::-1])


def test_multi_extension_dialog_lists_images_with_sizes(qtbot, shared_data):
    path = shared_data / HST
    dialog = OpenChoiceDialog(None, path, file_choices(path))
    qtbot.addWidget(dialog)
    items = [dialog.image_box.itemText(i) for i in range(dialog.image_box.count())]
    assert items == ["HDU 1 SCI 1024 x 1024", "HDU 2 ERR 1024 x 1024", "HDU 3 DQ 1024 x 1024"]
    dialog.image_box.setCurrentIndex(2)
    assert dialog.options() == {"hdu": 3}
    assert not dialog.plane_box.isEnabled() and dialog.plane_box.isHidden()


def test_mosaic_dialog_offers_debayer(qtbot, shared_data, tmp_path):
    cfa = open_image(shared_data / "raw/kodak_dc50_bayer.kdc", raw_mode="cfa")
    from editor.io import export_image

    export_image(cfa, tmp_path / "osc.fits", bits=16)
    dialog = OpenChoiceDialog(None, tmp_path / "osc.fits", file_choices(tmp_path / "osc.fits"))
    qtbot.addWidget(dialog)
    assert not dialog.debayer_box.isHidden() and dialog.debayer_box.isChecked()
    assert dialog.options() == {"hdu": 0, "debayer": "auto"}
    dialog.debayer_box.setChecked(False)
    assert dialog.options() == {"hdu": 0}


def test_plain_file_and_command_line_choice_open_without_a_question(qtbot, shared_data,
                                                                    monkeypatch):
    def never(*_a):
        raise AssertionError("no dialog expected")

    monkeypatch.setattr(OpenChoiceDialog, "exec", never)
    assert choose_open_options(None, shared_data / "fits/m51_kpno_b_int16.fits") == {}
    assert choose_open_options(None, shared_data / CUBE, {"plane": 3}) == {"plane": 3}
    assert choose_open_options(None, shared_data / HST, {"hdu": 2}) == {"hdu": 2}


def test_file_open_of_a_cube_asks_then_opens_the_chosen_plane(qtbot, shared_data, monkeypatch):
    from editor.ui.shell.app import create_window

    def answer(dialog: OpenChoiceDialog) -> int:
        dialog.plane_box.setValue(40)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(OpenChoiceDialog, "exec", answer)
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    job = win.files.open_paths([str(shared_data / CUBE)], remember=False)
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    assert job.error is None
    doc = win.model.doc
    source = doc.sources[doc.meta["base_source"]]
    np.testing.assert_array_equal(source.pixels, fits.getdata(shared_data / CUBE)[40][::-1])


def test_cancelling_the_question_opens_nothing(qtbot, shared_data, monkeypatch):
    from editor.ui.shell.app import create_window

    monkeypatch.setattr(OpenChoiceDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    assert win.files.open_paths([str(shared_data / CUBE)], remember=False) is None
    assert win.model.doc is None


def test_warnings_of_an_opened_file_reach_the_status_bar(qtbot, shared_data):
    from editor.core.document import Document
    from editor.ui.shell.app import create_window
    from editor.ui.shell.open_choice import show_file_warnings

    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    image = open_image(shared_data / "raw/kodak_dc50_bayer.kdc")
    assert show_file_warnings(win, Document.from_image(image)) == []
    image.meta.notes.append("warning: only 0.50 bits per photosite in the file")
    said = show_file_warnings(win, Document.from_image(image))
    assert said and "0.50 bits per photosite" in win.statusBar().currentMessage()
