"""The screen stretch has a visible "Auto" (re-measure) button and is measured again when an
edit makes the kept one useless, e.g. an Auto Stretch layer over ADU data (issue 11)."""

from __future__ import annotations

import numpy as np

from window_test_helpers import wait_render


def _adu_document(shared_data):
    from editor.core.document import Document
    from editor.io import open_image

    k = np.asarray(open_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits").data,
                   np.float64)
    adu = ((k - np.nanmin(k)) / (np.nanmax(k) - np.nanmin(k)) * 65535.0).astype(np.float32)
    return Document.from_image(adu, name="2MASS K in ADU")


def _shows_structure(picture: np.ndarray) -> bool:
    grey = picture[..., 0]
    return np.mean(grey == 0) < 0.4 and np.mean(grey == 255) < 0.4 and len(np.unique(grey)) >= 64


def test_a_stretch_layer_over_adu_data_gets_a_fresh_screen_stretch(qtbot, window, shared_data):
    window.model.set_document(_adu_document(shared_data))
    first = wait_render(qtbot, window)
    assert _shows_structure(first.picture)
    kept = window.editor.renderer.stf
    assert float(np.asarray(kept[2]).max()) > 1000  # measured in ADU

    window.model.doc.add_adjustment("auto_stretch")  # values now 0..1: the ADU STF shows black
    qtbot.waitUntil(lambda: window.editor.renderer.stf is not None
                    and window.editor.renderer.stf is not kept, timeout=30000)
    shown = wait_render(qtbot, window)
    assert float(np.asarray(window.editor.renderer.stf[2]).max()) <= 1.0
    assert _shows_structure(shown.picture)


def test_ordinary_edits_keep_the_screen_stretch(qtbot, window, shared_data):
    window.model.set_document(_adu_document(shared_data))
    wait_render(qtbot, window)
    kept = window.editor.renderer.stf
    window.model.doc.add_adjustment("extract_background")  # a linear edit: still visible
    wait_render(qtbot, window)
    assert window.editor.renderer.stf is kept


def test_the_auto_button_measures_the_stretch_again(qtbot, window, shared_data):
    editor = window.editor
    window.model.set_document(_adu_document(shared_data))
    wait_render(qtbot, window)
    editor.stretch_box.setCurrentText("Linear (no stretch)")
    linear = wait_render(qtbot, window)
    assert not _shows_structure(linear.picture)  # ADU values as they are: all white
    from PyQt6.QtWidgets import QToolBar

    toolbar = editor.findChild(QToolBar, "view_toolbar")
    assert editor.act_restretch in toolbar.actions() and editor.act_restretch.isVisible()
    editor.act_restretch.trigger()
    shown = wait_render(qtbot, window)
    assert editor.stretch_box.currentText() == "Auto stretch (STF)"
    assert _shows_structure(shown.picture)
    before = editor.renderer.stf
    editor.act_restretch.trigger()  # already on auto: measured again
    qtbot.waitUntil(lambda: editor.renderer.stf is not None and editor.renderer.stf is not before,
                    timeout=30000)


def test_an_export_that_rescales_says_so_in_the_window(qtbot, window, shared_data, tmp_path):
    from window_test_helpers import wait_job

    window.model.set_document(_adu_document(shared_data))
    wait_render(qtbot, window)
    job = wait_job(qtbot, window.files.export_to(str(tmp_path / "adu.png"), 8))
    assert job.error is None, job.error
    notes = window.files.last_export_notes
    assert len(notes) == 1 and "rescaled linearly" in notes[0]
    assert "rescaled linearly" in window.statusBar().currentMessage()
