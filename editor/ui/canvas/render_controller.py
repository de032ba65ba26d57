"""Renders the document off the UI thread and hands screen-ready pictures to the canvas.

Flow (darktable's preview pipe, then full pipe): a document change or a pan/zoom restarts a
short debounce timer (30 ms, so a slider drag does not queue a render per pixel moved); when it
fires, the visible region is rendered at the scale that matches the screen ("preview"). When
that picture is shown and the scale was below 1, the same region follows at full resolution
("refine"), so spatial filters (high-pass, feather) show their exact result when the view rests.

One worker thread renders; a new request cancels the running one through its
:class:`~editor.jobs.CancelToken` (the render raises ``Cancelled`` at its next step) and the
worker picks the newest request only, so a fast drag never piles up stale renders.

What a render finds wrong with layers (a filter that raised, an operation not installed) is
only recorded on the worker thread; the UI thread applies it with
``Document.apply_render_errors`` as the picture arrives, so the document emits one "errors"
event there and the layers panel shows the warning with that picture.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from editor.core.render_errors import RenderErrors
from editor.errors import NebulayerError
from editor.jobs.progress import CancelToken, Cancelled

log = logging.getLogger(__name__)

DEBOUNCE_MS = 30
IDENTITY_STF = (0.0, 0.5, 1.0)  # shows values 0..1 as grey levels 0..255 (masks)
STF_MEASURE_SIZE = 1024  # long side of the whole-image render the auto stretch is measured on
# Refine (full resolution) only when the visible region stays under this many pixels; a
# zoomed-out 40 MP mosaic refines at the largest scale that fits instead.
DEFER_MAX_MS = 1000  # a deferred first render (tiled display, known stretch) starts by then
REFINE_MAX_PIXELS = 8_000_000  # ~70 ms of setImage on the UI thread, once the view rests
#: Throttle of the picture under the tiles (tiled display): the tiles show an edit, this
#: picture only feeds the histogram and the placeholder, so during a slider drag it renders
#: ~6 times a second instead of ~30, leaving the cores (and the GIL) to the tiles and the UI.
PLACEHOLDER_THROTTLE_MS = 150


@dataclass
class RenderJob:
    doc: Any
    region: tuple[int, int, int, int]
    scale: float
    stage: str  # "preview" or "refine"
    generation: int
    stretch: Any = "none"
    clip_warning: bool = False
    mask_layer: str | None = None
    stf: Any = None  # measured auto-stretch parameters, reused so the stretch stays put
    token: CancelToken = field(default_factory=CancelToken)
    linked: bool = True  # auto stretch: one for all channels (linked) or one per channel
    stf_epoch: int = 0  # which auto-stretch measurement this job may reuse


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
    stf: Any = None
    errors: RenderErrors | None = None  # applied to ``doc`` on the UI thread


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
    progress(float)
        Fraction done of the running render (for a progress bar on slow renders).
    """

    rendered = pyqtSignal(object)
    failed = pyqtSignal(str)
    progress = pyqtSignal(float)
    busy = pyqtSignal(bool)
    _delivered = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self.region: tuple[int, int, int, int] | None = None
        self.zoom = 1.0
        self.stretch: Any = "auto"
        self.linked = True  # PixInsight's linked STF keeps colour balance; unlinked neutralises it
        self.clip_warning = False
        self.refine_enabled = True
        self.mask_layer: str | None = None  # "show mask alone": render this layer's mask
        # Set while the tiled display (tiled_view.py) shows the view: the preview is only its
        # placeholder, the histogram and the auto stretch, so it stays this small, unrefined.
        self.placeholder_pixels: int | None = None
        self._deferred = False  # the first render of a document waits for set_view
        # The auto stretch is measured once (on the whole image) and then kept, as PixInsight's
        # STF is: re-measuring after every edit would undo the edit on screen.
        self.stf: Any = None
        # The last measurement made on the worker, (epoch, doc, linked, stf): a job queued
        # before the first result reached the UI thread reuses it instead of measuring the
        # whole image a second time. A new epoch (new document, stretch, re-measure) drops it.
        self._stf_epoch = 0
        self._measured: tuple[int, Any, bool, Any] | None = None
        self._generation = 0
        self._cond = threading.Condition()
        self._pending: RenderJob | None = None
        self._running: RenderJob | None = None
        self._stop = False
        self.cancelled_count = 0
        self._in_flight = 0  # results emitted by the worker, not yet handled on the UI thread
        self.last_result: RenderResult | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._debounce_ms = debounce_ms
        self._timer.timeout.connect(self._on_timer)
        self._trailing = False
        self._shown_generation = -1
        self._delivered.connect(self._on_delivered)
        self._thread = threading.Thread(target=self._work, name="nebulayer-render", daemon=True)
        self._thread.start()

    # inputs from the window
    def set_document(self, doc: Any) -> None:
        self.doc = doc
        self.last_result = None
        self.stf = None
        self._stf_epoch += 1
        self._shown_generation = -1
        # Under the tiled display a known (non-auto) stretch needs nothing from this render
        # before the tiles: its picture follows with the first set_view, so the first screen
        # of tiles has both cores.
        self._deferred = bool(doc is not None and self.placeholder_pixels and self.stretch != "auto"
                              and self.mask_layer is None)
        if not self._deferred:
            self.request(immediate=True)
        else:  # at the latest after a second (tiles that fail never settle; errors show here)
            QTimer.singleShot(DEFER_MAX_MS, lambda: self.request() if self._deferred and self.doc is doc else None)

    def set_view(self, region: tuple[int, int, int, int] | None, zoom: float) -> None:
        if region == self.region and abs(zoom - self.zoom) < 1e-9 and not self._deferred:
            return
        self.region, self.zoom = region, zoom
        self.request()

    def set_display(self, stretch: Any = None, clip_warning: bool | None = None,
                    linked: bool | None = None) -> None:
        if stretch is not None:
            self.stretch = stretch
            self.stf = None
            self._stf_epoch += 1
        if linked is not None and linked != self.linked:
            self.linked = linked
            self.stf = None  # measured again, linked or per channel
            self._stf_epoch += 1
        if clip_warning is not None:
            self.clip_warning = clip_warning
        self.request(immediate=True)

    def remeasure_stretch(self) -> None:
        """Measure the auto stretch again on the current image."""
        self.stf = None
        self._stf_epoch += 1
        self.request(immediate=True)

    def _stretch_went_stale(self, result: RenderResult) -> bool:
        """The kept auto stretch shows this whole-image preview near all black or all white
        (checked on whole-image previews only: a zoomed-in star is meant to be bright)."""
        if (self.stretch != "auto" or self.stf is None or result.stf is not self.stf
                or result.stage != "preview" or self.mask_layer is not None
                or self.doc is None or result.region != (0, 0, self.doc.width, self.doc.height)):
            return False
        from editor.render.display import stf_is_stale

        return stf_is_stale(result.linear, self.stf)

    def set_mask_view(self, layer_id: str | None) -> None:
        """Show ``layer_id``'s mask alone instead of the composite (None: back to normal)."""
        self.mask_layer = layer_id
        self.request(immediate=True)

    def request(self, immediate: bool = False) -> None:
        """Something changed: render the visible region again.

        Throttled rather than debounced: the first change renders at once, further changes
        within ``DEBOUNCE_MS`` are folded into one render at the end of that window, so a
        slider drag updates the screen continuously. A running full-resolution refine is
        cancelled (it is slow and now stale); a running preview is left to finish, since its
        picture is still newer than the one on screen, and a queued one is dropped.
        """
        self._generation += 1
        self._deferred = False
        with self._cond:
            running = self._running
            if running is not None and (running.stage != "preview" or running.doc is not self.doc
                                        or running.mask_layer != self.mask_layer):
                running.token.cancel()
            self._pending = None
        if immediate or not self._timer.isActive():
            self._timer.setInterval(PLACEHOLDER_THROTTLE_MS
                                    if self.placeholder_pixels and self.mask_layer is None
                                    else self._debounce_ms)
            self._trailing = False
            self._start_preview()
            self._timer.start()
        else:
            self._trailing = True

    def _on_timer(self) -> None:
        if self._trailing:
            self._trailing = False
            self._start_preview()
            self._timer.start()

    def is_idle(self) -> bool:
        """True when everything requested is rendered and delivered (tests wait on this)."""
        with self._cond:
            working = self._pending is not None or self._running is not None
        return not working and not self._trailing and not self._in_flight

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
        if self.placeholder_pixels and self.mask_layer is None:
            _, _, w, h = self.region
            scale = min(scale, float(np.sqrt(self.placeholder_pixels / max(1, w * h))))
        self._submit(RenderJob(self.doc, self.region, scale, "preview", self._generation,
                               self.stretch, self.clip_warning, self.mask_layer, self.stf,
                               linked=self.linked, stf_epoch=self._stf_epoch))

    def _submit(self, job: RenderJob) -> None:
        with self._cond:
            self._pending = job
            self._cond.notify_all()
        self.busy.emit(True)

    def _on_delivered(self, result: Any) -> None:
        with self._cond:
            self._in_flight -= 1
        if isinstance(result, str):
            self.failed.emit(result)
            self.busy.emit(False)
            return
        if result.generation < self._shown_generation or result.doc is not self.doc:
            return  # older than what is on screen, or of a document since closed
        self._shown_generation = result.generation
        self.last_result = result
        if result.errors is not None:
            result.doc.apply_render_errors(result.errors)  # one "errors" event, on this thread
        if result.stf is not None and self.stf is None and self.stretch == "auto":
            self.stf = result.stf
        elif self._stretch_went_stale(result):
            self.rendered.emit(result)
            self.remeasure_stretch()  # e.g. a stretch layer made the kept STF show all black
            return
        self.rendered.emit(result)
        refine_scale = self._refine_scale(result)
        if result.generation != self._generation:
            return  # a newer preview is on its way; refine that one
        if result.stage == "preview" and refine_scale is not None:
            self._submit(RenderJob(self.doc, result.region, refine_scale, "refine",
                                   result.generation, self.stretch, self.clip_warning,
                                   self.mask_layer, self.stf, linked=self.linked,
                                   stf_epoch=self._stf_epoch))
        else:
            self.busy.emit(False)

    def _refine_scale(self, result: RenderResult) -> float | None:
        if not self.refine_enabled or result.scale >= 1.0 or (
                self.placeholder_pixels and self.mask_layer is None):
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
                    self._in_flight += 1
            if result is not None:
                try:
                    self._delivered.emit(result)
                except RuntimeError:  # the window was closed
                    return

    def _run(self, job: RenderJob) -> RenderResult | str | None:
        from editor.render.display_lut import fast_display_image as display_image

        t0 = time.perf_counter()
        stf = job.stf
        errors: RenderErrors | None = None
        try:
            if job.mask_layer is not None:
                linear = _mask_crop(job)
                picture = display_image(linear, stretch=IDENTITY_STF)
            else:
                errors = RenderErrors()
                linear = job.doc.render(scale=job.scale, region=job.region, errors=errors,
                                        progress=job.token.progress(self.progress.emit))
                job.token.check()
                stretch = job.stretch
                if stretch == "auto":
                    memo = self._measured
                    if (stf is None and memo is not None and memo[0] == job.stf_epoch
                            and memo[1] is job.doc and memo[2] == job.linked):
                        stf = memo[3]
                    elif stf is None:
                        stf = _measure_stf(job, linear, errors)
                        self._measured = (job.stf_epoch, job.doc, job.linked, stf)
                    stretch = stf
                picture = display_image(linear, stretch=stretch, clip_warning=job.clip_warning)
        except Cancelled:
            self.cancelled_count += 1
            return None
        except NebulayerError as exc:
            return str(exc)
        except MemoryError:
            return "Rendering failed: not enough memory (try a smaller zoom)"
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the render thread
            log.exception("render failed")
            return f"Rendering failed: {type(exc).__name__}: {exc}"
        return RenderResult(linear, np.ascontiguousarray(picture), job.region, job.scale,
                            job.stage, job.generation, time.perf_counter() - t0, job.doc, stf,
                            errors)


def _mask_crop(job: RenderJob) -> np.ndarray:
    """The visible part of a layer's mask at the job's scale (the core renders whole masks)."""
    from editor.render.geometry import render_mask_output  # on the cropped/rotated canvas

    mask = render_mask_output(job.doc, job.mask_layer, job.scale)
    x, y, w, h = job.region
    s = job.scale
    y0, x0 = int(round(y * s)), int(round(x * s))
    return np.ascontiguousarray(mask[y0:y0 + max(1, int(round(h * s))), x0:x0 + max(1, int(round(w * s)))])


def _measure_stf(job: RenderJob, linear: np.ndarray, errors: RenderErrors) -> Any:
    """Auto-stretch parameters from the whole image (not just the visible part); layer
    failures of the measuring render go into ``errors`` too."""
    from editor.render.display import stf_params

    doc = job.doc
    x, y, w, h = job.region
    if (x, y, w, h) == (0, 0, doc.width, doc.height):
        return stf_params(linear, linked=job.linked)
    scale = min(1.0, STF_MEASURE_SIZE / max(doc.width, doc.height))
    return stf_params(doc.render(scale=scale, progress=job.token.progress(), errors=errors),
                      linked=job.linked)
