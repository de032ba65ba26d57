"""Issue 17 (no UI pause > 100 ms): worker threads run below the UI thread (Linux nice 10),
so a render or save keeping both cores busy does not make the window wait for a core."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from window_test_helpers import wait_job

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="per-thread nice values are Linux's")


def _my_nice(*_a) -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_jobs_and_background_workers_run_below_the_ui_thread(qtbot):
    from PyQt6.QtWidgets import QWidget

    from editor.ui.common.background_worker import BackgroundWorker
    from editor.ui.common.job_runner import run_job
    from editor.ui.common.thread_priority import WORKER_NICE

    ui = _my_nice()
    job = wait_job(qtbot, run_job(None, "nice", _my_nice))
    assert job.result >= WORKER_NICE > ui

    owner = QWidget()
    got: list[int] = []
    worker = BackgroundWorker(owner, lambda req, token: _my_nice(), lambda req, res: got.append(res),
                              name="nice test")
    worker.submit(1)
    qtbot.waitUntil(lambda: bool(got))
    assert got[0] >= WORKER_NICE
    worker.stop(timeout=5)
    assert _my_nice() == ui  # the UI thread itself is untouched


def test_window_render_thread_runs_below_the_ui_thread(window):
    from editor.ui.common.thread_priority import WORKER_NICE, thread_nice

    render = window.editor.renderer._thread
    assert thread_nice(render.native_id) >= WORKER_NICE
    assert thread_nice(threading.main_thread().native_id) < WORKER_NICE
