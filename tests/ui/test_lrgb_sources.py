"""The LRGB dialog offers the document's image layers, images it holds without a layer, and
files opened from disk for each channel."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import wait_job

pytestmark = pytest.mark.timeout(60)


def _frame(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.normal(0.1, 0.01, (64, 80)).astype(np.float32)
    img[20:23, 30:33] += 0.8  # a star, so alignment has something to measure
    return img


@pytest.fixture
def three_layers():
    from editor.core.document import Document

    doc = Document.from_image(_frame(1))
    doc.set_layer_props(doc.layers[0].id, name="Red frame")
    doc.add_image(_frame(2), name="Green frame")
    doc.add_image(_frame(3), name="Blue frame")
    return doc


def _labels(box):
    return [box.itemText(i) for i in range(box.count())]


def test_each_channel_offers_image_layers_by_name_and_open_file(qtbot, three_layers):
    from editor.ui.panels.lrgb_dialog import OPEN_FILE, LrgbDialog

    doc = three_layers
    dlg = LrgbDialog(doc)
    qtbot.addWidget(dlg)
    names = [l.name for l in doc.layers]
    for box in dlg.boxes.values():
        labels = _labels(box)
        assert [l.split(" — ")[0] for l in labels[1:4]] == names
        assert labels[-1] == OPEN_FILE
    assert dlg.channels() == {"R": doc.layers[0].id, "G": doc.layers[1].id, "B": doc.layers[2].id}


def test_an_image_without_a_layer_is_still_offered(qtbot, three_layers):
    from editor.ui.panels.lrgb_dialog import LrgbDialog

    doc = three_layers
    lid = doc.add_channel_combine({"R": doc.layers[0].id, "G": doc.layers[1].id,
                                   "B": doc.layers[2].id}, mode="rgb", align=False)
    gone = doc.layers[2]
    doc.remove_layer(gone.id)  # its pixels still feed the combine layer
    assert gone.source_id in doc.layer(lid).channels.values()
    dlg = LrgbDialog(doc)
    qtbot.addWidget(dlg)
    assert dlg.boxes["B"].findData(gone.source_id) > 0


def test_open_file_feeds_a_channel_from_disk_and_the_combine_uses_it(qtbot, window, tmp_path,
                                                                    monkeypatch, three_layers):
    from PyQt6.QtWidgets import QFileDialog

    from editor.io import Image, export_image
    from editor.ui.panels.lrgb_dialog import OPEN_FILE, LrgbDialog

    lum = tmp_path / "lum.fits"
    export_image(Image(_frame(4)), str(lum))
    doc = three_layers
    window.set_document(doc)
    asked: list[str] = []

    def pick(parent, title, *args, **kw):
        asked.append(title)
        return (str(lum), "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(pick))

    def choose_file(dlg):
        box = dlg.boxes["L"]
        idx = box.findText(OPEN_FILE)
        box.setCurrentIndex(idx)
        box.activated.emit(idx)  # what a click on the entry does
        return LrgbDialog.DialogCode.Accepted

    monkeypatch.setattr(LrgbDialog, "exec", choose_file)
    job = wait_job(qtbot, window.add_lrgb_dialog())
    assert job.error is None, job.error
    assert asked == ["Image for channel L"]
    layer = doc.layer(job.result)
    assert layer.mode == "lrgb"
    lsrc = doc.sources[layer.channels["L"]]
    assert str(lsrc.path) == str(lum)
    np.testing.assert_array_equal(lsrc.pixels, _frame(4))


def test_cancelling_open_file_keeps_the_previous_choice(qtbot, monkeypatch, three_layers):
    from PyQt6.QtWidgets import QFileDialog

    from editor.ui.panels.lrgb_dialog import OPEN_FILE, LrgbDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    dlg = LrgbDialog(three_layers)
    qtbot.addWidget(dlg)
    before = dlg.channels()
    box = dlg.boxes["G"]
    idx = box.findText(OPEN_FILE)
    box.setCurrentIndex(idx)
    box.activated.emit(idx)
    assert dlg.channels() == before
