"""Per-instance crash recovery: several editors never overwrite each other's autosave, and only
the autosaves of editors that are no longer running are offered back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from window_test_helpers import wait_job


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_process() -> Iterator[subprocess.Popen]:
    """Another running program, standing in for a second editor."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child
    child.kill()
    child.wait()


def make_window(qtbot: Any, offer: bool = False) -> Any:
    from editor.ui.shell.app import create_window, make_application

    make_application()
    win = create_window([], offer_recovery=offer, open_sample=False)
    qtbot.addWidget(win)
    return win


def dirty_doc(white: float) -> Any:
    from editor.core.document import Document

    doc = Document.from_image(np.full((12, 16), 0.1, np.float32))
    doc.add_adjustment("levels", white=white)
    assert doc.dirty
    return doc


def crash(win: Any, pid: int | None = None, token: str | None = None) -> None:
    """Make ``win``'s autosave look like the one of editor process ``pid``, then 'crash'."""
    if pid is not None:
        win.autosaver.pid, win.autosaver.start_token = pid, token
    win.autosaver.save_now(wait=True)
    assert win.autosaver.path.is_file()
    win.autosaver.timer.stop()
    win.editor.renderer.shutdown()


def test_two_instances_autosave_to_separate_files(qtbot, dialogs):
    from editor.core.document import Document

    a, b = make_window(qtbot), make_window(qtbot)
    a.set_document(dirty_doc(0.25))
    b.set_document(dirty_doc(0.75))
    a.autosaver.save_now(wait=True)
    b.autosaver.save_now(wait=True)
    assert a.autosaver.path != b.autosaver.path
    assert str(os.getpid()) in a.autosaver.path.name
    for win, white in ((a, 0.25), (b, 0.75)):
        doc = Document.load(win.autosaver.path)
        assert doc.layers[-1].params["white"] == white
        side = json.loads(win.autosaver.sidecar.read_text())
        assert side["pid"] == os.getpid() and side["saved_at"] > 0
    for win in (a, b):
        win.model.doc.mark_saved()
        win.close()


def test_a_running_instances_file_is_not_offered(qtbot, dialogs, live_process):
    from editor.project.recovery import pending_recoveries, process_start_token

    other = make_window(qtbot)
    other.set_document(dirty_doc(0.5))
    crash(other, live_process.pid, process_start_token(live_process.pid))
    mine = make_window(qtbot)  # same process as `mine` too: also running
    mine.set_document(dirty_doc(0.6))
    mine.autosaver.save_now(wait=True)

    assert pending_recoveries() == []
    make_window(qtbot, offer=True)
    assert dialogs.texts("question") == []
    assert other.autosaver.path.is_file() and mine.autosaver.path.is_file()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="start times come from /proc (Linux)")
def test_a_reused_pid_does_not_hide_a_dead_instances_file(qtbot, dialogs, live_process):
    from editor.project.recovery import pending_recoveries

    win = make_window(qtbot)
    win.set_document(dirty_doc(0.5))
    crash(win, live_process.pid, "1")  # that pid now belongs to a process started later
    assert [left.path for left in pending_recoveries()] == [win.autosaver.path]


def test_a_dead_instances_file_is_offered_and_restores_the_document(qtbot, dialogs):
    from PyQt6.QtWidgets import QMessageBox

    crashed = make_window(qtbot)
    crashed.set_document(dirty_doc(0.25))
    crash(crashed, dead_pid())
    leftover = crashed.autosaver.path

    dialogs.answer = QMessageBox.StandardButton.Yes
    win = make_window(qtbot, offer=True)
    assert len(dialogs.texts("question")) == 1 and "Restore" in dialogs.texts("question")[0]
    wait_job(qtbot, win.files.last_job)
    restored = win.model.doc
    assert restored.layers[-1].params["white"] == 0.25 and restored.dirty
    # The restored file is now this instance's own: not offered again, removed on clean exit.
    assert not leftover.exists() and win.autosaver.path.is_file()
    restored.mark_saved()
    win.close()
    assert not win.autosaver.path.exists() and not win.autosaver.sidecar.exists()


def test_several_leftovers_are_offered_newest_first_and_can_be_discarded(qtbot, dialogs):
    import time

    from PyQt6.QtWidgets import QMessageBox

    from editor.project.recovery import pending_recoveries

    paths = []
    for white in (0.2, 0.4):
        win = make_window(qtbot)
        win.set_document(dirty_doc(white))
        crash(win, dead_pid())
        paths.append(win.autosaver.path)
        time.sleep(0.02)
    assert [left.path for left in pending_recoveries()] == paths[::-1]

    dialogs.answer = QMessageBox.StandardButton.Discard
    win = make_window(qtbot, offer=True)
    assert len(dialogs.texts("question")) == 2
    assert "1 older autosave" in dialogs.texts("question")[0]
    assert win.model.doc is None
    assert pending_recoveries() == []
    assert not any(p.exists() or p.with_suffix(".json").exists() for p in paths)


def test_keeping_a_leftover_offers_it_again_next_start(qtbot, dialogs):
    from PyQt6.QtWidgets import QMessageBox

    from editor.project.recovery import pending_recoveries

    crashed = make_window(qtbot)
    crashed.set_document(dirty_doc(0.3))
    crash(crashed, dead_pid())
    dialogs.answer = QMessageBox.StandardButton.No
    make_window(qtbot, offer=True)
    assert [left.path for left in pending_recoveries()] == [crashed.autosaver.path]


def test_clean_exit_removes_only_its_own_file(qtbot, dialogs):
    a, b = make_window(qtbot), make_window(qtbot)
    a.set_document(dirty_doc(0.25))
    b.set_document(dirty_doc(0.75))
    a.autosaver.save_now(wait=True)
    b.autosaver.save_now(wait=True)
    a.model.doc.mark_saved()
    a.close()
    assert not a.autosaver.path.exists() and not a.autosaver.sidecar.exists()
    assert b.autosaver.path.is_file() and b.autosaver.sidecar.is_file()
    b.model.doc.mark_saved()
    b.close()
    assert not b.autosaver.path.exists()


def test_saving_drops_only_the_autosave_of_the_saved_document(qtbot, dialogs, tmp_path):
    a, b = make_window(qtbot), make_window(qtbot)
    a.set_document(dirty_doc(0.25))
    b.set_document(dirty_doc(0.75))
    a.autosaver.save_now(wait=True)
    b.autosaver.save_now(wait=True)
    wait_job(qtbot, a.files.save_to(str(tmp_path / "a.nebula")))
    assert not a.autosaver.path.exists()
    assert b.autosaver.path.is_file()
    for win in (a, b):
        win.model.doc.mark_saved()
        win.close()
