"""Rendering both states of a before/after comparison off the UI thread.

A CompareRenderJob renders states A and B (current state or snapshots) of a document through
one shared screen stretch on a QThreadPool thread and hands back a CompareResult through a
Qt signal; the view cancels jobs it no longer needs through their CancelToken.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, QRunnable, pyqtSignal

from editor.errors import NebulayerError
from editor.jobs.progress import Cancelled, CancelToken
from editor.render.comparison import render_states

log = logging.getLogger("editor.ui.compare.view")  # reported under the view that shows them


@dataclass
class CompareResult:
    """Both states as display pictures (None when cancelled), or a user-facing error."""

    job_id: int
    doc: Any
    stage: str  # "base" (whole canvas) or "detail" (visible region)
    generation: int
    detail_generation: int
    region: tuple[int, int, int, int] | None
    frames: tuple[np.ndarray, np.ndarray] | None = None
    stf: Any = None
    error: str | None = None
    seconds: float = 0.0


class _JobSignals(QObject):
    finished = pyqtSignal(object)


class CompareRenderJob(QRunnable):
    """Renders states A and B with one shared stretch on a pool thread."""

    def __init__(self, doc: Any, states: tuple[Any, Any], region: tuple[int, int, int, int] | None,
                 scale: float, reference: int | None, stf: Any, generation: int, stage: str,
                 detail_generation: int = 0) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the view keeps it until its result arrives
        self.doc, self.states, self.region, self.scale = doc, states, region, scale
        self.reference, self.stf = reference, stf
        self.generation, self.stage, self.detail_generation = generation, stage, detail_generation
        self.token = CancelToken()
        self.signals = _JobSignals()

    def run(self) -> None:
        res = CompareResult(id(self), self.doc, self.stage, self.generation,
                            self.detail_generation, self.region)
        t0 = time.perf_counter()
        if self.stf is not None:
            stretch, ref = self.stf, 0
        elif self.reference is None:
            stretch, ref = "none", 0
        else:
            stretch, ref = "auto", self.reference
        try:
            self.token.check()
            frames, res.stf = render_states(self.doc, self.states, self.region, self.scale,
                                            stretch, ref, self.token.progress())
            res.frames = (frames[0], frames[1])
        except Cancelled:
            pass
        except NebulayerError as exc:
            res.error = str(exc)
        except (MemoryError, ValueError) as exc:
            log.exception("comparison render failed")
            res.error = f"Rendering the comparison failed: {exc}"
        res.seconds = time.perf_counter() - t0
        self.signals.finished.emit(res)
