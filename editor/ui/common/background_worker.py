"""A background thread for a widget: works on the newest requests only, answers on the UI thread.

The thread holds no Qt object and never emits a signal: results wait in a queue that a QTimer
owned by the widget drains on the UI thread. When the widget is destroyed its timer goes with
it and the thread is told to stop, so a closed window leaves no thread behind that could call
into deleted Qt objects (the cause of crashes when windows come and go, e.g. in a test run).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable

from PyQt6.QtCore import QObject, QTimer

from editor.errors import NebulayerError
from editor.jobs.progress import CancelToken, Cancelled
from editor.ui.common.thread_priority import lower_thread_priority

log = logging.getLogger(__name__)

Work = Callable[[Any, CancelToken], Any]
Deliver = Callable[[Any, Any], None]


class BackgroundWorker:
    """Run ``work(request, token)`` off the UI thread; ``deliver(request, result)`` on it.

    :meth:`submit` replaces whatever is still pending and cancels the request being worked
    on (its token raises :class:`Cancelled` through ``token.progress()``), so a slider drag
    only ever computes the newest state. A result of ``None`` is not delivered.
    """

    def __init__(self, owner: QObject, work: Work, deliver: Deliver, *, name: str,
                 poll_ms: int = 15) -> None:
        self._work = work
        self._deliver = deliver
        self._cond = threading.Condition()
        self._pending: list[Any] = []
        self._token = CancelToken()
        self._stopped = False
        self._busy = False
        self._results: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
        self._timer = QTimer(owner)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._drain)
        owner.destroyed.connect(lambda *_: self.stop())
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, *requests: Any) -> None:
        """Work on ``requests`` in order, dropping any older ones not started yet."""
        with self._cond:
            self._token.cancel()
            self._token = CancelToken()
            self._pending = list(requests)
            self._cond.notify_all()
        if not self._timer.isActive():
            self._timer.start()

    def stop(self, timeout: float | None = None) -> None:
        """End the thread (after the current request); ``timeout`` waits for it."""
        with self._cond:
            self._stopped = True
            self._token.cancel()
            self._pending = []
            self._cond.notify_all()
        if timeout is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def idle(self) -> bool:
        """Nothing pending, being worked on, or waiting to be delivered."""
        with self._cond:
            return not self._pending and not self._busy and self._results.empty()

    def _run(self) -> None:
        lower_thread_priority()  # the window repaints first when both cores are busy
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                request = self._pending.pop(0)
                token = self._token
                self._busy = True
            try:
                result = self._work(request, token)
            except Cancelled:
                result = None
            except NebulayerError as exc:
                log.info("%s: %s", self._thread.name, exc)
                result = None
            except Exception:  # noqa: BLE001 - a bug must not kill the widget's worker thread
                log.exception("%s failed", self._thread.name)
                result = None
            with self._cond:
                self._busy = False
                if result is not None and not token.cancelled:
                    self._results.put((request, result))

    def _drain(self) -> None:
        while True:
            try:
                request, result = self._results.get_nowait()
            except queue.Empty:
                break
            self._deliver(request, result)
        if self.idle():
            self._timer.stop()
