"""Crash-recovery copies without a window: per-process names, leftovers of dead editors only,
and a restored copy that comes back unsaved under its original path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.project.recovery import (RecoveryFile, discard_leftover, load_recovered,
                                     pending_recoveries, process_start_token, recovery_dir)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(tmp_path / "userdata"))
    return tmp_path / "userdata"


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def dirty_doc(white: float, path: str | None = None) -> Document:
    doc = Document.from_image(np.full((12, 16), 0.1, np.float32))
    doc.add_adjustment("levels", white=white)
    doc.path = path
    return doc


def crashed_copy(white: float, path: str | None = None, pid: int | None = None) -> RecoveryFile:
    """The copy an editor of process ``pid`` (default: a dead one) left behind."""
    copy = RecoveryFile(dead_pid() if pid is None else pid)
    copy.write(dirty_doc(white, path))
    return copy


def test_the_folder_follows_the_environment_or_the_per_user_data_folder(data_dir, monkeypatch):
    assert recovery_dir() == data_dir / "recovery"
    monkeypatch.delenv("NEBULAYER_DATA_DIR")
    assert recovery_dir().parts[-2:] == ("nebulayer", "recovery")  # editor.paths.data_dir()


def test_copies_of_one_process_never_share_a_name(data_dir):
    a, b = RecoveryFile(), RecoveryFile()
    assert a.path != b.path and a.path.parent == data_dir / "recovery"
    assert a.path.name.startswith(f"nebulayer-{os.getpid()}-")
    a.write(dirty_doc(0.3))
    side = json.loads(a.sidecar.read_text())
    assert side["pid"] == os.getpid() and side["start_token"] == process_start_token(os.getpid())
    assert Document.load(a.path).layers[-1].params["white"] == 0.3


def test_only_copies_of_editors_no_longer_running_are_leftovers():
    mine = RecoveryFile()
    mine.write(dirty_doc(0.2))
    assert pending_recoveries() == []  # this process runs
    old = crashed_copy(0.4, "/data/m42.nebula")
    new = crashed_copy(0.5)
    left = pending_recoveries()
    assert [x.path for x in left] == [new.path, old.path]  # newest first
    assert left[1].original_path == "/data/m42.nebula" and "m42.nebula" in left[1].describe()
    assert "untitled" in left[0].describe()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="start times come from /proc (Linux)")
def test_a_reused_process_id_does_not_hide_a_leftover():
    copy = RecoveryFile()  # this process's id...
    copy.start_token = "1"  # ...but started at another time: the writer is gone
    copy.write(dirty_doc(0.4))
    assert [x.path for x in pending_recoveries()] == [copy.path]


def test_a_sidecar_without_its_copy_is_cleared_and_a_discarded_leftover_is_gone():
    copy = RecoveryFile(dead_pid())
    copy.write_sidecar(None)  # died before the first copy was written
    assert pending_recoveries() == [] and not copy.sidecar.exists()
    left = crashed_copy(0.4)
    discard_leftover(pending_recoveries()[0])
    assert not left.path.exists() and not left.sidecar.exists() and pending_recoveries() == []


def test_a_restored_copy_is_unsaved_under_its_original_path(tmp_path):
    named = crashed_copy(0.4, str(tmp_path / "m42.nebula"))
    doc = load_recovered(named.path)
    assert doc.layers[-1].params["white"] == 0.4
    assert doc.dirty and doc.path == str(tmp_path / "m42.nebula")
    untitled = load_recovered(crashed_copy(0.6).path)
    assert untitled.dirty and untitled.path is None  # "Save" asks where, never the copy itself


def test_a_copy_outside_the_recovery_folder_opens_as_an_ordinary_project(tmp_path):
    copy = crashed_copy(0.4, "/elsewhere/target.nebula")
    moved = tmp_path / copy.path.name
    os.replace(copy.path, moved)
    os.replace(copy.sidecar, moved.with_suffix(".json"))
    doc = load_recovered(moved)
    assert doc.path == str(moved) and not doc.dirty  # the sidecar beside it decides nothing


def test_adopting_a_leftover_moves_it_to_this_instance():
    left_copy = crashed_copy(0.4, "/data/m42.nebula")
    left = pending_recoveries()[0]
    mine = RecoveryFile()
    assert mine.adopt(left) == mine.path
    assert not left_copy.path.exists() and not left_copy.sidecar.exists()
    side = json.loads(mine.sidecar.read_text())
    assert side["pid"] == os.getpid() and side["original_path"] == "/data/m42.nebula"
    assert pending_recoveries() == []  # ours now: this process runs
    assert load_recovered(mine.path).path == "/data/m42.nebula"
    mine.discard()
    assert not mine.path.exists() and not mine.sidecar.exists()
