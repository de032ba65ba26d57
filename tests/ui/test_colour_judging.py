"""Issue 17: the channel-combine dialog offers per-channel normalisation (three 2MASS frames in
different units), and the canvas toolbar's "Linked" switch chooses one auto stretch for all
channels or one per channel, where the result is judged."""

from __future__ import annotations

import numpy as np
import pytest

from window_test_helpers import wait_job, wait_render


def _gc_doc(shared_data):
    from editor.core.document import Document

    folder = shared_data / "fits" / "multiband_gc"
    doc = Document.from_image(str(folder / "gc_2mass_k.fits"))
    for band in ("h", "j"):
        doc.add_image(str(folder / f"gc_2mass_{band}.fits"))
    return doc


@pytest.mark.parametrize("choice", ["on", "off"])
def test_lrgb_dialog_normalisation_reaches_the_combine(qtbot, window, monkeypatch, shared_data, choice):
    from editor.ui.panels.lrgb_dialog import LrgbDialog

    doc = _gc_doc(shared_data)
    window.set_document(doc)

    def accept(dlg):
        assert [dlg.normalize_box.itemData(i) for i in range(dlg.normalize_box.count())] == ["auto", "on", "off"]
        assert dlg.normalize() == "auto"  # the default
        dlg.normalize_box.setCurrentIndex(dlg.normalize_box.findData(choice))
        return LrgbDialog.DialogCode.Accepted

    monkeypatch.setattr(LrgbDialog, "exec", accept)
    job = wait_job(qtbot, window.add_lrgb_dialog(), timeout=120000)
    assert job.error is None, job.error
    layer = doc.layer(job.result)
    assert layer.params.get("normalize") == choice
    rgb = doc.render(scale=0.25)
    med = np.nanmedian(rgb.reshape(-1, 3), axis=0)
    spread = med.max() / med.min()
    print(f"normalize={choice}: channel medians {np.round(med, 4)}, max/min {spread:.2f}")
    if choice == "on":  # backgrounds 155, 509, 535 in their own units, matched
        assert spread < 1.2
    else:
        assert spread > 2.0


def test_linked_switch_measures_one_stretch_or_one_per_channel(qtbot, window):
    from editor.core.document import Document

    rng = np.random.default_rng(2)
    base = rng.normal(0.1, 0.01, (200, 300)).astype(np.float32)
    cast = np.stack([base, base * 0.5, base * 0.25], axis=2)  # a strong colour cast
    window.set_document(Document.from_image(cast))
    r = window.editor.renderer
    wait_render(qtbot, window)
    linked_pic = r.last_result.picture.reshape(-1, 3).mean(axis=0)
    assert window.editor.act_linked.isChecked()
    window.editor.act_linked.setChecked(False)
    wait_render(qtbot, window)
    unlinked_pic = r.last_result.picture.reshape(-1, 3).mean(axis=0)
    print(f"screen means R,G,B linked {linked_pic.round(1)}, unlinked {unlinked_pic.round(1)}")
    assert linked_pic[0] > linked_pic[2] * 1.3  # the cast shows
    assert unlinked_pic.max() / unlinked_pic.min() < 1.1  # neutralised on screen only
    np.testing.assert_array_equal(window.model.doc.render()[..., 2], cast[..., 2])
