"""Helpers for the window tests: wait for jobs and renders the way a user waits for them."""

from __future__ import annotations

from typing import Any


def wait_job(qtbot: Any, job: Any, timeout: int = 30000) -> Any:
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=timeout)
    return job


def wait_render(qtbot: Any, win: Any, timeout: int = 30000) -> Any:
    """Wait until the canvas shows a render of the current state; returns it."""
    r = win.editor.renderer
    qtbot.wait(20)  # let queued document events reach the controller first
    qtbot.waitUntil(lambda: r.is_idle() and r.last_result is not None
                    and r.last_result.generation == r._generation, timeout=timeout)
    return r.last_result


def open_file(qtbot: Any, win: Any, path: Any) -> Any:
    job = wait_job(qtbot, win.files.open_paths([str(path)]))
    assert job.error is None, job.error
    wait_render(qtbot, win)
    return win.model.doc
