"""In the editor window: a project's claims never choose where Ctrl+S writes, a recovered
document asks before saving over its original, and a stranger's project asks once before
reading files outside its folder."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from window_test_helpers import wait_job

from editor.core.document import Document


def _rewrite_json(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    record = json.loads(members["document.json"])
    edit(record)
    members["document.json"] = json.dumps(record).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_ctrl_s_on_a_project_claiming_to_recover_another_writes_only_the_opened_file(qtbot, window, dialogs, tmp_path):
    victim = tmp_path / "mine" / "M42_final.nebula"
    victim.parent.mkdir()
    Document.from_image(np.full((8, 10), 0.3, np.float32)).save(victim)
    before = victim.read_bytes()
    hostile = tmp_path / "downloads" / "nice_edit.nebula"
    hostile.parent.mkdir()
    Document.from_image(np.zeros((6, 6), np.float32)).save(hostile)
    _rewrite_json(hostile, lambda r: r.update(recovery=True, original_path=str(victim)))

    wait_job(qtbot, window.files.open_paths([str(hostile)]))
    doc = window.model.doc
    assert doc.path == str(hostile) and not doc.dirty
    window.editor.layers.add_adjustment("levels")
    from PyQt6.QtCore import Qt

    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_job(qtbot, window.files.last_job)
    assert victim.read_bytes() == before
    assert Document.load(hostile).layers[-1].kind == "levels"
    assert not dialogs.texts("critical")


def _leftover(data_dir: Path, original: Path, doc: Document) -> Path:
    """A recovery copy + sidecar as a crashed editor (a dead process) leaves them."""
    import subprocess

    from editor.project.recovery import RecoveryFile, ensure_recovery_dir

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    rec = RecoveryFile(pid=child.pid, folder=ensure_recovery_dir())
    rec.start_token = None
    rec.write(doc)
    return rec.path


def test_a_recovered_document_asks_before_saving_over_its_original(qtbot, dialogs, isolated_user_dirs, tmp_path):
    from PyQt6.QtWidgets import QMessageBox

    from editor.ui.shell.app import create_window, make_application

    original = tmp_path / "work" / "M42.nebula"
    original.parent.mkdir()
    doc = Document.from_image(np.full((8, 10), 0.2, np.float32))
    doc.save(original)
    before = original.read_bytes()
    doc.add_adjustment("levels", midtone=0.3)
    _leftover(isolated_user_dirs, original, doc)

    SB = QMessageBox.StandardButton
    dialogs.answer = SB.Yes  # restore it
    make_application()
    win = create_window([], offer_recovery=True, open_sample=False)
    qtbot.addWidget(win)
    assert any("M42.nebula" in t for t in dialogs.texts("question"))
    wait_job(qtbot, win.files.last_job)
    restored = win.model.doc
    assert restored.path == str(original) and restored.dirty and not restored.path_confirmed

    dialogs.answer = SB.Cancel
    assert win.files.save() is None
    assert original.read_bytes() == before
    assert any("restored after a crash" in t and str(original) in t for t in dialogs.texts("question"))

    dialogs.answer = SB.Yes
    wait_job(qtbot, win.files.save())
    assert original.read_bytes() != before and Document.load(original).layers[-1].kind == "levels"
    assert restored.path_confirmed and not restored.dirty
    win.editor.renderer.shutdown()
    win.close()


def test_recovery_names_a_document_opened_from_an_image_file(isolated_user_dirs, tmp_path):
    from editor.io import export_image
    from editor.project.recovery import pending_recoveries

    image = tmp_path / "NGC7000_stack.fits"
    export_image(np.full((6, 8), 0.1, np.float32), image)
    doc = Document.from_image(image)
    doc.add_adjustment("levels")
    _leftover(isolated_user_dirs, image, doc)
    (left,) = pending_recoveries()
    assert left.describe().startswith("NGC7000_stack.fits, autosaved")


def test_leftovers_in_a_recovery_folder_others_can_write_are_not_offered(isolated_user_dirs, tmp_path):
    from editor.project.recovery import load_recovered, pending_recoveries, recovery_dir

    doc = Document.from_image(np.zeros((4, 4), np.float32))
    doc.save(tmp_path / "x.nebula")
    copy = _leftover(isolated_user_dirs, tmp_path / "x.nebula", doc)
    assert len(pending_recoveries()) == 1
    os.chmod(recovery_dir(), 0o777)
    assert pending_recoveries() == []
    # ...and such a copy opens as the ordinary file it is: its sidecar chooses nothing.
    assert load_recovered(copy).path == str(copy)


def test_a_strangers_project_asks_once_before_reading_outside_files(qtbot, window, dialogs, tmp_path):
    from PyQt6.QtWidgets import QMessageBox

    from editor.io import export_image

    image = tmp_path / "home" / "private.fits"
    image.parent.mkdir()
    export_image(np.full((5, 6), 0.4, np.float32), image)
    project = tmp_path / "stranger" / "gift.nebula"
    project.parent.mkdir()
    Document.from_image(image).save(project, embed_sources=False)

    SB = QMessageBox.StandardButton
    dialogs.answer = SB.No
    wait_job(qtbot, window.files.open_paths([str(project)]))
    questions = [t for t in dialogs.texts("question") if "outside its own folder" in t]
    assert len(questions) == 1 and str(image) in questions[0]
    assert window.model.doc is None and not dialogs.texts("critical")

    dialogs.answer = SB.Yes
    wait_job(qtbot, window.files.open_paths([str(project)]))
    wait_job(qtbot, window.files.last_job)
    assert len([t for t in dialogs.texts("question") if "outside its own folder" in t]) == 2
    assert window.model.doc is not None and window.model.doc.path == str(project)
    assert window.model.doc.render().shape == (5, 6)


def test_the_next_start_removes_temp_files_of_killed_saves_in_recent_folders(qtbot, dialogs, isolated_user_dirs, tmp_path):
    import subprocess

    from editor.project.recovery import ensure_recovery_dir
    from editor.ui.shell.app import create_window, make_application
    from editor.ui.shell.recent_files import add_recent

    work = tmp_path / "work"
    work.mkdir()
    Document.from_image(np.zeros((4, 4), np.float32)).save(work / "a.nebula")
    add_recent(str(work / "a.nebula"))
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a writer that is gone
    stale = [work / f".a.nebula.nbtmp-{child.pid}-123-0123abcd.nebula",
             ensure_recovery_dir() / f".nebulayer-1.nebula.nbtmp-{child.pid}-123-0123abcd.nebula"]
    for p in stale:
        p.write_bytes(b"half a project")
    live = work / f".b.nebula.nbtmp-{os.getpid()}-{__import__('editor.io.processes', fromlist=['own_token']).own_token()}-0123abcd.nebula"
    live.write_bytes(b"being written")
    make_application()
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: not any(p.exists() for p in stale), timeout=10000)
    assert live.exists() and (work / "a.nebula").exists()
    win.editor.renderer.shutdown()
    win.close()
