"""kill -9 during a save: the old project stays byte-identical (or the new one is complete),
and the temporary file the killed writer left is gone after the next save into that folder or
the next opening of a project there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.io.atomic import is_temp_name, sweep_stale_temps

REPO = Path(__file__).resolve().parents[2]
SEED = 12
KILLS = 8

_CHILD = """
import sys
from editor.core.document import Document
doc = Document.load(sys.argv[1])
doc.add_adjustment("levels", midtone=0.3)
print("READY", flush=True)
doc.save()
print("DONE", flush=True)
"""


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if is_temp_name(p.name)]


def _project(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    doc = Document.from_image(rng.random((900, 1200, 3), dtype=np.float32))
    path = folder / "work.nebula"
    doc.save(path)
    return path


@pytest.mark.timeout(300)
def test_kill_9_at_random_points_of_a_save_keeps_the_old_file_and_leaves_no_temp_for_long(tmp_path):
    path = _project(tmp_path)
    old = path.read_bytes()
    timing = Document.load(path)
    t0 = time.perf_counter()
    timing.save(tmp_path / "timing.nebula")
    save_s = time.perf_counter() - t0
    del timing
    (tmp_path / "timing.nebula").unlink()
    rng = random.Random(SEED)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    mid_save = completed = 0
    points = []
    results = []
    for k in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE,
                                 text=True, env=env)
        assert child.stdout is not None and child.stdout.readline().strip() == "READY"
        delay = rng.uniform(0.0, 1.1) * save_s
        points.append(round(delay, 3))
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        now = path.read_bytes()
        if now == old:
            temps = _temps(tmp_path)
            mid_save += bool(temps)
            results.append("temp" if temps else "before")
            for t in temps:  # the writer is named in the temp file's name
                assert f"-{child.pid}-" in t.name
        else:  # the rename happened before the kill: the new file must be whole
            completed += 1
            results.append("renamed")
            with zipfile.ZipFile(path) as zf:
                assert zf.testzip() is None
            assert Document.load(path).layers[-1].kind == "levels"
            old = now
            assert not _temps(tmp_path)
        # What cleans up: alternately the next save into the folder, and the next opening.
        if k % 2:
            Document.from_image(np.zeros((2, 2), np.float32)).save(tmp_path / "other.nebula")
        else:
            Document.load(path)
        assert not _temps(tmp_path), f"kill {k} at {delay:.3f} s left {_temps(tmp_path)}"
    print(f"save {save_s:.2f} s; kills at {list(zip(points, results))}; {mid_save} mid-save, "
          f"{completed} after the rename; {time.perf_counter() - t0:.1f} s", file=sys.__stderr__)
    assert mid_save >= 2, "too few kills landed inside the save to prove anything"


def test_a_live_writers_temp_file_is_never_swept(tmp_path):
    from editor.io.atomic import atomic_path

    with atomic_path(tmp_path / "a.nebula") as tmp:
        tmp.write_bytes(b"half")
        assert sweep_stale_temps(tmp_path) == []  # this process is alive: not touched
        assert tmp.exists()
    assert (tmp_path / "a.nebula").read_bytes() == b"half"


def test_a_temp_file_whose_pid_now_belongs_to_another_process_is_swept(tmp_path):
    """A reused pid: the start time in the name no longer matches the running process."""
    me = os.getpid()
    reused = tmp_path / f".a.nebula.nbtmp-{me}-1-0123abcd.nebula"
    reused.write_bytes(b"x")
    mine = tmp_path / f".b.nebula.nbtmp-{me}-{__import__('editor.io.processes', fromlist=['x']).own_token()}-0123abcd.nebula"
    mine.write_bytes(b"x")
    other_file = tmp_path / ".hidden_but_not_ours.nebula"
    other_file.write_bytes(b"x")
    assert sweep_stale_temps(tmp_path) == [reused]
    assert mine.exists() and other_file.exists()


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    from editor.acquisition.frame_writer import write_bytes_atomic
    from editor.io.atomic import atomic_path

    old = os.umask(0o027)
    try:
        with atomic_path(tmp_path / "new.fits") as tmp:
            tmp.write_bytes(b"1")
        frame = write_bytes_atomic(tmp_path / "frame.fits", b"2")
    finally:
        os.umask(old)
    assert (tmp_path / "new.fits").stat().st_mode & 0o777 == 0o640
    assert frame.stat().st_mode & 0o777 == 0o640  # not mkstemp's 0600
    os.chmod(tmp_path / "new.fits", 0o604)
    with atomic_path(tmp_path / "new.fits") as tmp:
        tmp.write_bytes(b"3")
    assert (tmp_path / "new.fits").stat().st_mode & 0o777 == 0o604
