"""Issue 17 (no UI pause > 100 ms): File > Open Recent is updated by a background thread (the
settings write touched a disk kept busy by the save or open it follows); reading the list
waits for it, so the list is always current."""

from __future__ import annotations

import threading


def test_add_recent_writes_off_the_ui_thread_and_reads_are_current(tmp_path, monkeypatch):
    from editor.ui.shell import recent_files as rf

    writers: list[threading.Thread] = []
    real = rf.settings

    def spy(path=None):
        if path is not None:  # the writer names the settings file it was given
            writers.append(threading.current_thread())
        return real(path)

    monkeypatch.setattr(rf, "settings", spy)
    files = []
    for i in range(3):
        f = tmp_path / f"m{i}.fits"
        f.write_bytes(b"x")
        files.append(f)
        rf.add_recent(f)
    assert rf.recent_files()[:3] == [str(f.resolve()) for f in reversed(files)]
    assert writers and all(t is not threading.main_thread() for t in writers)
    rf.clear_recent()
    assert rf.recent_files() == []
