"""Long jobs (opening a RAW, exporting, aligning channels) off the UI thread, with a progress
dialog and a Cancel button.

The job is a plain function taking a ``progress`` callback (the editor.jobs convention); the
callback raises ``Cancelled`` once the user presses Cancel, which unwinds the job. The result
(or the error message) comes back on the UI thread through a queued signal. The dialog only
appears for jobs lasting more than half a second.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QProgressDialog, QWidget

from editor.errors import NebulayerError
from editor.ui.common.i18n import tr
from editor.jobs.progress import CancelToken, Cancelled
from editor.ui.common.thread_priority import lower_thread_priority

log = logging.getLogger(__name__)

_active: set["Job"] = set()  # keeps running jobs alive until they report


class Job(QObject):
    """A running job. Signals ``finished(result)``, ``failed(message)``, ``cancelled()``."""

    finished = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    _progress = pyqtSignal(float)
    _done = pyqtSignal(str, object)

    def __init__(self, parent: QWidget | None, title: str,
                 fn: Callable[[Callable[[float], None]], Any]) -> None:
        super().__init__()
        self.title = title
        self.token = CancelToken()
        self.done = False
        self.result: Any = None
        self.error: str | None = None
        self._fn = fn
        self.dialog = QProgressDialog(title, tr("Cancel"), 0, 1000, parent)
        self.dialog.setWindowTitle("Nebulayer")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(500)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.token.cancel)
        self.dialog.setRange(0, 0)  # "busy" until the job reports a fraction (a RAW decode does not)
        self._progress.connect(self._on_progress)
        self._done.connect(self._on_done)

    def _on_progress(self, fraction: float) -> None:
        if self.dialog.maximum() == 0:
            self.dialog.setRange(0, 1000)
        self.dialog.setValue(int(min(max(fraction, 0.0), 1.0) * 1000))

    def start(self) -> "Job":
        _active.add(self)
        threading.Thread(target=self._run, name=f"job: {self.title}", daemon=True).start()
        return self

    def cancel(self) -> None:
        self.token.cancel()

    def _run(self) -> None:
        lower_thread_priority()  # the window repaints first when both cores are busy
        try:
            result = self._fn(self.token.progress(lambda f: self._progress.emit(float(f))))
        except Cancelled:
            self._done.emit("cancelled", None)
        except NebulayerError as exc:
            self._done.emit("failed", str(exc))
        except MemoryError:
            self._done.emit("failed", f"{self.title}: not enough memory")
        except Exception as exc:  # a bug in a job: report it, keep the window alive
            log.exception("job %r failed", self.title)
            self._done.emit("failed", f"{self.title} failed unexpectedly: {type(exc).__name__}: {exc}")
        else:
            self._done.emit("finished", result)

    def _on_done(self, status: str, payload: Any) -> None:
        self.done = True
        self.dialog.reset()
        self.dialog.close()
        self.dialog.deleteLater()
        _active.discard(self)
        if status == "finished":
            self.result = payload
            self.finished.emit(payload)
        elif status == "failed":
            self.error = str(payload)
            self.failed.emit(str(payload))
        else:
            self.cancelled.emit()


def run_job(parent: QWidget | None, title: str, fn: Callable[[Callable[[float], None]], Any],
            on_finished: Callable[[Any], None] | None = None,
            on_failed: Callable[[str], None] | None = None) -> Job:
    """Start ``fn(progress)`` on a worker thread; callbacks run on the UI thread."""
    job = Job(parent, title, fn)
    if on_finished is not None:
        job.finished.connect(on_finished)
    if on_failed is not None:
        job.failed.connect(on_failed)
    return job.start()
