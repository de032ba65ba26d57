"""Widget worker threads: newest request wins, answers arrive on the UI thread, and a
destroyed widget leaves no thread behind."""

from __future__ import annotations

import threading
import time
from typing import Any

from PyQt6.QtWidgets import QWidget

from editor.ui.common.background_worker import BackgroundWorker


def test_results_arrive_on_the_ui_thread_and_only_for_the_newest_request(qtbot: Any) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    started = threading.Event()
    release = threading.Event()
    delivered: list[tuple[Any, Any, bool]] = []

    def work(request: int, token: Any) -> int:
        if request == 1:
            started.set()
            release.wait(5)
        return request * 10

    worker = BackgroundWorker(owner, work, lambda req, res: delivered.append(
        (req, res, threading.current_thread() is threading.main_thread())), name="test-worker")
    worker.submit(1)
    assert started.wait(5)
    worker.submit(2)  # supersedes 1, which is still being worked on
    worker.submit(3)  # and 2, which never started
    release.set()
    qtbot.waitUntil(lambda: bool(delivered) and worker.idle(), timeout=5000)
    assert delivered == [(3, 30, True)]


def test_a_destroyed_owner_stops_its_worker_thread(qtbot: Any) -> None:
    owner = QWidget()
    worker = BackgroundWorker(owner, lambda req, token: req, lambda *_: None, name="test-worker")
    assert worker.alive
    owner.deleteLater()
    qtbot.waitUntil(lambda: not worker.alive, timeout=5000)


def test_a_crashing_job_does_not_kill_the_worker(qtbot: Any) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    delivered: list[Any] = []

    def work(request: str, token: Any) -> str:
        if request == "bad":
            raise ZeroDivisionError("bug")
        return request

    worker = BackgroundWorker(owner, work, lambda req, res: delivered.append(res), name="test-worker")
    worker.submit("bad")
    qtbot.waitUntil(worker.idle, timeout=5000)
    time.sleep(0.05)
    worker.submit("good")
    qtbot.waitUntil(lambda: delivered == ["good"], timeout=5000)
    assert worker.alive
