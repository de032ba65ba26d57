"""Renders the document off the UI thread and hands screen-ready pictures to the canvas.

Flow (darktable's preview pipe, then full pipe): a document change or a pan/zoom restarts a
short debounce timer (30 ms, so a slider drag does not queue a render per pixel moved); when it
fires, the visible region is rendered at the scale that matches the screen ("preview"). When
that picture is shown and the scale was below 1, the same region follows at full resolution
("refine"), so spatial filters (high-pass, feather) show their exact result when the view rests.

One worker thread renders; a new request cancels the running one through its
:class:`~editor.jobs.CancelToken` (the render raises ``Cancelled`` at its next step) and the
worker picks the newest request only, so a fast drag never piles up stale renders.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from editor.errors import NebulayerError
from editor.jobs.progress import CancelToken, Cancelled

log = logging.getLogger(__name__)

DEBOUNCE_MS = 30
# Refine (full resolution) only when the visible region stays under this many pixels; a
# zoomed-out 40 MP mosaic refines at the largest scale that fits instead.
REFINE_MAX_PIXELS = 12_000_000


@dataclass
class RenderJob:
    doc: Any
    region: tuple[int, int, int, int]
    scale: float
    stage: str  # "preview" or "refine"
    generation: int
    stretch: Any = "none"
    clip_warning: bool = False
    token: CancelToken = field(default_factory=CancelToken)


@dataclass
class RenderResult:
    """What a finished render gives the view: linear pixels, the picture and where it goes."""

    linear: np.ndarray
    picture: np.ndarray
    region: tuple[int, int, int, int]
    scale: float
    stage: str
    generation: int
    seconds: float
    doc: Any = None


def display_scale(region: tuple[int, int, int, int], zoom: float) -> float:
    """Render scale so the region comes out at about one pixel per screen pixel (never > 1)."""
    return float(min(1.0, max(zoom, 1e-3)))


class RenderController(QObject):
    """Owns the worker thread; the window talks to it with :meth:`request`.

    Signals
    -------
    rendered(RenderResult)
        A picture is ready (delivered on the UI thread).
    failed(str)
        A render raised a user-facing error (the message).
    busy(bool)
        Rendering started / everything requested is on screen.
    """

    rendered = pyqtSignal(object)
    failed = pyqtSignal(str)
    busy = pyqtSignal(bool)
    _delivered = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self.region: tuple[int, int, int, int] | None = None
        self.zoom = 1.0
        self.stretch: Any = "auto"
        self.clip_warning = False
        self.refine_enabled = True
        self._generation = 0
        self._cond = threading.Condition()
        self._pending: RenderJob | None = None
        self._running: RenderJob | None = None
        self._stop = False
        self.cancelled_count = 0
        self.last_result: RenderResult | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._start_preview)
        self._delivered.connect(self._on_delivered)
        self._thread = threading.Thread(target=self._work, name="nebulayer-render", daemon=True)
        self._thread.start()

    # inputs from the window
    def set_document(self, doc: Any) -> None:
        self.doc = doc
        self.last_result = None
        self.request(immediate=True)

    def set_view(self, region: tuple[int, int, int, int] | None, zoom: float) -> None:
        if region == self.region and abs(zoom - self.zoom) < 1e-9:
            return
        self.region, self.zoom = region, zoom
        self.request()

    def set_display(self, stretch: Any = None, clip_warning: bool | None = None) -> None:
        if stretch is not None:
            self.stretch = stretch
        if clip_warning is not None:
            self.clip_warning = clip_warning
        self.request(immediate=True)

    def request(self, immediate: bool = False) -> None:
        """Something changed: render again after the debounce delay (cancelling stale work)."""
        self._generation += 1
        with self._cond:
            if self._running is not None:
                self._running.token.cancel()
            self._pending = None
        if immediate:
            self._timer.stop()
            self._start_preview()
        else:
            self._timer.start()

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            if self._running is not None:
                self._running.token.cancel()
            self._cond.notify_all()
        self._thread.join(timeout=5)

    # scheduling
    def _start_preview(self) -> None:
        if self.doc is None or self.region is None:
            return
        scale = display_scale(self.region, self.zoom)
        self._submit(RenderJob(self.doc, self.region, scale, "preview", self._generation,
                               self.stretch, self.clip_warning))

    def _submit(self, job: RenderJob) -> None:
        with self._cond:
            if self._running is not None and self._running.generation != job.generation:
                self._running.token.cancel()
            self._pending = job
            self._cond.notify_all()
        self.busy.emit(True)

    def _on_delivered(self, result: Any) -> None:
        if isinstance(result, str):
            self.failed.emit(result)
            self.busy.emit(False)
            return
        if result.generation != self._generation or result.doc is not self.doc:
            return  # superseded while it travelled to the UI thread
        self.last_result = result
        self.rendered.emit(result)
        refine_scale = self._refine_scale(result)
        if result.stage == "preview" and refine_scale is not None:
            self._submit(RenderJob(self.doc, result.region, refine_scale, "refine",
                                   result.generation, self.stretch, self.clip_warning))
        else:
            self.busy.emit(False)

    def _refine_scale(self, result: RenderResult) -> float | None:
        if not self.refine_enabled or result.scale >= 1.0:
            return None
        _, _, w, h = result.region
        fit = min(1.0, float(np.sqrt(REFINE_MAX_PIXELS / max(1, w * h))))
        # no point refining by less than a factor 1.5
        return fit if fit >= result.scale * 1.5 else None

    # worker thread
    def _work(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                job, self._pending = self._pending, None
                self._running = job
            result = self._run(job)
            with self._cond:
                self._running = None
            if result is not None:
                self._delivered.emit(result)

    def _run(self, job: RenderJob) -> RenderResult | str | None:
        from editor.render.display import display_image

        t0 = time.perf_counter()
        try:
            linear = job.doc.render(scale=job.scale, region=job.region,
                                    progress=job.token.progress())
            job.token.check()
            picture = display_image(linear, stretch=job.stretch, clip_warning=job.clip_warning)
        except Cancelled:
            self.cancelled_count += 1
            return None
        except NebulayerError as exc:
            return str(exc)
        except (MemoryError, ValueError) as exc:
            log.exception("render failed")
            return f"Rendering failed: {exc}"
        return RenderResult(linear, np.ascontiguousarray(picture), job.region, job.scale,
                            job.stage, job.generation, time.perf_counter() - t0, job.doc)
