"""Cancellation tokens and progress callbacks shared by the render engine, readers and the UI.

A job receives a ``progress`` callable taking a fraction 0..1. The caller's callback may raise
:class:`Cancelled` (for instance because the user pressed Cancel, or a newer render superseded
this one); the job lets it propagate, so cancellation needs no extra plumbing through filters.
"""

from __future__ import annotations

import threading
from typing import Callable

Progress = Callable[[float], None]


class Cancelled(Exception):
    """A job was cancelled by its caller; not an error to report to the user."""


class CancelToken:
    """Thread-safe flag checked by a job between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def progress(self, report: Progress | None = None) -> Progress:
        """A progress callback that checks this token, then forwards to ``report``."""

        def _cb(fraction: float) -> None:
            self.check()
            if report is not None:
                report(fraction)

        return _cb


def scaled_progress(report: Progress | None, start: float, end: float) -> Progress | None:
    """Map a sub-job's 0..1 onto ``start..end`` of the parent's progress."""
    if report is None:
        return None
    span = end - start
    return lambda f: report(start + span * min(max(f, 0.0), 1.0))
