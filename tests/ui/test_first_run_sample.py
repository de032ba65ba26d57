"""Issue 17: an installed editor builds its sample project on the first start as a job (off
the UI thread, with progress and Cancel), then opens it; the window never freezes for it."""

from __future__ import annotations

import threading

import pytest

from window_test_helpers import wait_job, wait_render


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Pretend to be an installed copy: no checkout samples, a fresh user data folder."""
    import editor.sample_data as sample_data
    from editor.ui.shell import app

    target = tmp_path / "userdata" / "sample-x" / "sample_project.nebula"
    monkeypatch.setattr(app, "SAMPLE_PROJECT", tmp_path / "no-checkout" / "sample.nebula")
    monkeypatch.setattr(app, "REPO_ROOT", tmp_path / "no-checkout")
    monkeypatch.setattr(sample_data, "user_sample_path", lambda: target)
    threads: list[threading.Thread] = []
    real = sample_data.generate

    def generate(*a, **k):
        threads.append(threading.current_thread())
        return real(*a, **k)

    monkeypatch.setattr(sample_data, "generate", generate)
    return target, threads


def _window(qtbot):
    from editor.ui.shell.app import create_window, make_application

    make_application()
    win = create_window([], offer_recovery=False, open_sample=True)
    qtbot.addWidget(win)
    win.show()
    return win


def test_first_start_builds_the_sample_off_the_ui_thread_then_opens_it(qtbot, installed):
    target, threads = installed
    win = _window(qtbot)
    try:
        job = win.sample_job
        assert job is not None and not job.done and not target.exists()
        assert job.dialog.labelText().startswith("Preparing the sample project")
        wait_job(qtbot, job, timeout=120000)
        assert job.error is None, job.error
        assert threads and threads[0] is not threading.main_thread()
        assert target.is_file()
        qtbot.waitUntil(lambda: win.model.doc is not None, timeout=60000)
        wait_render(qtbot, win, timeout=60000)
        assert len(win.model.doc.layers) >= 5
    finally:
        win.editor.renderer.shutdown()


def test_cancelling_the_first_start_build_leaves_an_empty_window(qtbot, installed):
    target, _threads = installed
    win = _window(qtbot)
    try:
        job = win.sample_job
        from PyQt6.QtWidgets import QPushButton

        job.dialog.findChild(QPushButton).click()  # the progress dialog's Cancel button
        wait_job(qtbot, job, timeout=120000)
        qtbot.wait(100)
        assert job.result is None and win.model.doc is None and not target.exists()
    finally:
        win.editor.renderer.shutdown()
