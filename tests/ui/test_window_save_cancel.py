"""File > Save in the real window: Cancel on the "Saving …" dialog stops the save, the file on
disk stays as it was, the document keeps its unsaved changes and the status bar says so."""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import pytest

from window_test_helpers import wait_job

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def paused_save(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Sources streamed in small bands (as a gigabyte mosaic panel is), and the save held at
    its first source until the test lets it go (saves on the UI thread are not held): the
    Cancel click lands mid-save, every time."""
    import editor.project.archive as archive

    monkeypatch.setattr(archive, "STREAM_MIN_BYTES", 64 * 1024)
    monkeypatch.setattr("editor.project.fits_store._BAND_BYTES", 16 * 1024)
    started, go = threading.Event(), threading.Event()
    original = archive._write_source

    def held(*args: Any, **kw: Any) -> None:
        if threading.current_thread() is not threading.main_thread():  # the save job only
            started.set()
            assert go.wait(30)
        original(*args, **kw)

    monkeypatch.setattr(archive, "_write_source", held)
    return started, go


def _edited_saved_document(window: Any, tmp_path: Any) -> tuple[Any, Any, bytes]:
    from editor.core.document import Document

    rng = np.random.default_rng(5)
    doc = Document.from_image(rng.random((512, 512, 3), dtype=np.float32), name="mosaic")
    path = tmp_path / "mosaic.nebula"
    doc.save(path)
    window.set_document(doc)
    doc.add_image(rng.random((512, 512), dtype=np.float32), name="panel")
    assert doc.dirty
    return doc, path, path.read_bytes()


def test_cancel_on_the_saving_dialog_keeps_the_file_and_the_changes(
        qtbot, window, dialogs, tmp_path, paused_save):
    from PyQt6.QtWidgets import QPushButton

    started, go = paused_save
    doc, path, before = _edited_saved_document(window, tmp_path)
    job = window.files.save()
    assert job is not None
    qtbot.waitUntil(started.is_set, timeout=10000)
    job.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    go.set()
    wait_job(qtbot, job)

    assert job.error is None and job.result is None
    assert path.read_bytes() == before
    assert [n for n in os.listdir(tmp_path) if "nbtmp" in n] == []
    assert doc.dirty
    assert window.statusBar().currentMessage() == "Save cancelled: mosaic.nebula was not written"
    assert dialogs.texts("critical") == []  # a cancel is not an error


def test_closing_after_a_cancelled_save_does_not_discard_the_changes(
        qtbot, window, dialogs, tmp_path, paused_save):
    from PyQt6.QtWidgets import QMessageBox

    from editor.ui.common import job_runner

    started, go = paused_save
    doc, path, before = _edited_saved_document(window, tmp_path)

    def cancel_when_started() -> None:  # the user presses Cancel while the save runs
        assert started.wait(30)
        for job in list(job_runner._active):
            job.cancel()
        go.set()

    threading.Thread(target=cancel_when_started, daemon=True).start()
    dialogs.answer = QMessageBox.StandardButton.Save  # "Save them first?" -> Save
    assert window.files.maybe_save_changes() is False  # the close/open is not carried out
    assert doc.dirty and path.read_bytes() == before
