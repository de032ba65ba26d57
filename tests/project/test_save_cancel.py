"""Saving reports progress per member and per band, and a cancelled save leaves the file on
disk byte for byte as it was, no temp file behind, and the document unsaved."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from editor.core.document import Document
from editor.jobs.progress import Cancelled, CancelToken


@pytest.fixture
def small_bands(monkeypatch):
    """Stream every source band by band in small bands, as a gigabyte source is."""
    monkeypatch.setattr("editor.project.archive.STREAM_MIN_BYTES", 1024)
    monkeypatch.setattr("editor.project.fits_store._BAND_BYTES", 4096)


def _leftovers(folder) -> list[str]:
    return [n for n in os.listdir(folder) if "nbtmp" in n]


def _saved_then_edited(make_doc, tmp_path):
    rng = np.random.default_rng(3)
    doc = make_doc(rng.random((64, 48, 3), dtype=np.float32))
    path = tmp_path / "kept.nebula"
    doc.save(path)
    before = path.read_bytes()
    doc.add_image(rng.random((64, 48), dtype=np.float32), name="second")
    assert doc.dirty
    return doc, path, before


def test_cancel_at_first_progress_call_keeps_old_file_and_document_dirty(make_doc, tmp_path):
    doc, path, before = _saved_then_edited(make_doc, tmp_path)
    calls: list[float] = []

    def progress(fraction: float) -> None:
        calls.append(fraction)
        raise Cancelled()  # what the job runner's callback does once Cancel is pressed

    with pytest.raises(Cancelled):
        doc.save(path, progress=progress)
    assert calls == [0.0]
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert doc.dirty and doc.path == str(path)


def test_cancel_token_mid_band_stops_the_save(make_doc, tmp_path, small_bands):
    doc, path, before = _saved_then_edited(make_doc, tmp_path)
    token = CancelToken()
    calls: list[float] = []

    def progress(fraction: float) -> None:
        calls.append(fraction)
        if len(calls) == 5:  # inside the first source's bands
            token.cancel()

    with pytest.raises(Cancelled):
        doc.save(path, progress=progress, cancel=token)
    assert len(calls) == 5  # stopped at the next band, not at the end of the save
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert doc.dirty


def test_cancelled_save_under_a_new_name_writes_nothing(make_doc, tmp_path):
    doc, _path, _before = _saved_then_edited(make_doc, tmp_path)
    target = tmp_path / "new.nebula"
    with pytest.raises(Cancelled):
        doc.save(target, cancel=_set_event())
    assert not target.exists() and _leftovers(tmp_path) == []
    assert doc.dirty and doc.path != str(target)


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_progress_rises_per_band_and_save_completes(make_doc, tmp_path, small_bands):
    doc, path, _before = _saved_then_edited(make_doc, tmp_path)
    calls: list[float] = []
    doc.save(path, progress=calls.append, cancel=lambda: False)
    # two sources of 64x48 (x3 and x1 float32) in 4 KiB bands, two passes each
    assert len(calls) > 20
    assert calls == sorted(calls) and calls[0] == 0.0 and 0.95 < calls[-1] <= 1.0
    assert not doc.dirty
    reopened = Document.load(path, registry=doc.registry)
    assert sorted(s.pixels.shape for s in reopened.sources.values()) == [(64, 48), (64, 48, 3)]
    for sid, src in doc.sources.items():
        np.testing.assert_array_equal(reopened.sources[sid].pixels, src.pixels)
