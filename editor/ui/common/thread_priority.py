"""Worker threads give way to the UI thread when the cores are busy.

On a 2-core machine a render or a save that keeps both cores busy made the UI thread wait
tens of milliseconds for a core before it could repaint (measured by
tests/benchmarks/bench_ui_pauses.py as "queue" time). Linux schedules threads, not processes,
and keeps a nice value per thread, so each worker lowers its own priority (nice 10): it still
gets every idle cycle, but the UI thread is served first when both want a core. Threads a
worker starts (the render engine's pools) inherit its nice value. Elsewhere this is a no-op:
other systems set priorities per process or through their own thread APIs.
"""

from __future__ import annotations

import os
import sys
import threading

WORKER_NICE = 10


def lower_thread_priority(native_id: int | None = None) -> bool:
    """Give the thread ``native_id`` (default: the calling thread) nice ``WORKER_NICE``;
    True when it now runs below the UI thread. Never raises (priority is a courtesy)."""
    if not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id() if native_id is None else native_id
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < WORKER_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, WORKER_NICE)
        return True
    except OSError:  # the thread ended meanwhile, or a sandbox forbids it
        return False


def lower_worker_threads() -> int:
    """Lower every running thread except the UI (main) thread, e.g. the render and tile
    workers a window starts; returns how many were lowered."""
    main = threading.main_thread()
    return sum(lower_thread_priority(t.native_id) for t in threading.enumerate()
               if t is not main and t.native_id is not None and t.is_alive())


def thread_nice(native_id: int) -> int | None:
    """The nice value of a thread (Linux), None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, native_id)
    except OSError:
        return None
