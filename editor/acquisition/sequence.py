"""Capture sequences: "10 x L, 5 x R, 5 x G, 5 x B at 300 s", each frame saved as it arrives."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from editor.acquisition.camera import Camera, FrameSettings, RawFrame
from editor.acquisition.filter_wheel import FilterWheel
from editor.acquisition.frame_writer import save_frame, session_dir
from editor.errors import DeviceError
from editor.jobs.progress import Cancelled, CancelToken
from editor.locale import tr

# Rough per-frame overhead (readout, download, saving), only used to weight overall progress.
_OVERHEAD_ESTIMATE = 1.0


@dataclass(frozen=True)
class SequenceStep:
    """``count`` frames of one kind; ``filter`` None means "whatever is in the light path"."""

    count: int
    exposure: float
    filter: str | None = None
    frame_type: str = "light"
    gain: float | None = None
    offset: float | None = None
    binning: int = 1
    roi: tuple[int, int, int, int] | None = None
    iso: str | None = None  # DSLRs: the CCD_ISO choice (label), None = as the camera is

    def __post_init__(self) -> None:
        if self.count < 1:
            raise DeviceError(tr("a sequence step needs at least 1 frame, not {count}").format(count=self.count))
        FrameSettings(self.exposure, frame_type=self.frame_type, binning=self.binning)

    def settings(self) -> FrameSettings:
        return FrameSettings(self.exposure, self.gain, self.offset, self.binning, self.roi,
                             self.frame_type, iso=self.iso)

    def label(self) -> str:
        what = self.frame_type.capitalize() + (f" {self.filter}" if self.filter else "")
        return f"{self.count} x {what} {self.exposure:g} s"


def parse_roi(text: str | None) -> tuple[int, int, int, int] | None:
    """``"x,y,w,h"`` (unbinned sensor pixels) -> tuple; empty -> None (full frame)."""
    if not text or not text.strip():
        return None
    try:
        x, y, w, h = (int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise DeviceError(tr("region {text!r} not understood (write x,y,width,height in sensor "
                          "pixels, e.g. 320,256,640,512)").format(text=text)) from None
    return x, y, w, h


_ITEM = re.compile(r"^\s*(\d+)\s*[xX*]\s*([^:@\s]+)?\s*(?::\s*([0-9.]+)\s*s?)?\s*$")


def parse_plan(text: str, *, exposure: float, frame_type: str = "light",
               gain: float | None = None, offset: float | None = None, binning: int = 1,
               roi: tuple[int, int, int, int] | None = None) -> list[SequenceStep]:
    """Steps from the usual shorthand: ``"10xL, 5xR, 5xG, 5xB"``; ``"10xHa:300"`` sets that
    step's exposure; a bare ``"20x"`` takes frames with no filter change."""
    steps = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = _ITEM.match(item)
        if not match:
            raise DeviceError(tr("sequence item {item!r} not understood (write e.g. 10xL or "
                              "10xHa:300)").format(item=item))
        count, filt, exp = match.groups()
        steps.append(SequenceStep(int(count), float(exp) if exp else exposure, filt, frame_type,
                                  gain, offset, binning, roi))
    if not steps:
        raise DeviceError(tr("the sequence is empty"))
    return steps


@dataclass
class SequenceProgress:
    """Where a running sequence is; sent to ``on_progress`` several times per second."""

    frame: int  # 1-based number of the current frame in the whole sequence
    total: int
    step: SequenceStep
    state: str  # "filter", "exposing", "saving", "waiting", "done"
    frame_fraction: float
    fraction: float  # of the whole sequence, weighted by exposure time
    path: Path | None = None


@dataclass
class SequenceResult:
    folder: Path
    saved: list[Path] = field(default_factory=list)
    aborted: bool = False


class SequenceRunner:
    """Runs steps on a camera (and wheel), saving each frame into the session folder.

    A refused setting, a lost link, a full disk or a folder that cannot be written stop the
    sequence with that error; the frames already saved stay, listed in :attr:`saved`.
    ``cancel`` (or :meth:`abort`) stops it mid-exposure, aborting the exposure on the camera.
    """

    def __init__(self, camera: Camera, wheel: FilterWheel | None = None, *,
                 out: str | Path, object_name: str | None = None, delay: float = 0.0,
                 on_progress: Callable[[SequenceProgress], None] | None = None,
                 on_frame: Callable[[Path, RawFrame], None] | None = None,
                 cancel: CancelToken | None = None) -> None:
        self.camera = camera
        self.wheel = wheel
        self.folder = session_dir(out, object_name)
        self.object_name = object_name
        self.delay = max(0.0, float(delay))
        self.on_progress = on_progress
        self.on_frame = on_frame
        self.cancel = cancel or CancelToken()
        self.saved: list[Path] = []

    def abort(self) -> None:
        self.cancel.cancel()

    def run(self, steps: list[SequenceStep]) -> SequenceResult:
        """Take every frame of ``steps``; returns what was saved (``aborted`` if cancelled)."""
        for step in steps:
            if step.filter and self.wheel is None:
                raise DeviceError(tr("the sequence asks for filter {filter!r} but no filter "
                                  "wheel is selected").format(filter=step.filter))
        total = sum(s.count for s in steps)
        weights = [s.exposure + _OVERHEAD_ESTIMATE + self.delay for s in steps]
        whole = sum(w * s.count for w, s in zip(weights, steps)) or 1.0
        done_weight = 0.0
        frame_no = 0
        result = SequenceResult(self.folder, self.saved)
        try:
            for step, weight in zip(steps, weights):
                filter_name = self._prepare(step, frame_no + 1, total, done_weight / whole)
                gain, offset = self._levels(step)
                for _ in range(step.count):
                    frame_no += 1
                    self.cancel.check()

                    def report(f: float, state: str = "exposing", path: Path | None = None,
                               _step: SequenceStep = step, _no: int = frame_no,
                               _done: float = done_weight, _w: float = weight) -> None:
                        if self.on_progress is not None:
                            self.on_progress(SequenceProgress(
                                _no, total, _step, state, f, min((_done + f * _w) / whole, 1.0),
                                path))

                    report(0.0)
                    frame = self.camera.expose(step.settings(), cancel=self.cancel,
                                               progress=report)
                    report(1.0, "saving")
                    path = save_frame(frame, self.folder, filter_name=filter_name,
                                      object_name=self.object_name, gain=gain, offset=offset)
                    self.saved.append(path)
                    done_weight += weight
                    report(1.0, "done", path)
                    if self.on_frame is not None:
                        self.on_frame(path, frame)
                    if self.delay and frame_no < total:
                        self._wait(self.delay, report)
        except Cancelled:
            result.aborted = True
        return result

    def _prepare(self, step: SequenceStep, frame_no: int, total: int, fraction: float) -> str | None:
        if self.on_progress is not None:
            self.on_progress(SequenceProgress(frame_no, total, step, "filter", 0.0, fraction))
        filter_name = None
        if step.filter and self.wheel is not None:
            filter_name = self.wheel.select(step.filter)
        elif self.wheel is not None:
            filter_name = self.wheel.current()
        self.camera.configure(step.settings())
        return filter_name

    def _levels(self, step: SequenceStep) -> tuple[float | None, float | None]:
        """Gain and offset as the camera now has them (for the header)."""
        link, name = self.camera.link, self.camera.name
        gain = link.numbers(name, "CCD_GAIN").get("GAIN", step.gain)
        offset = link.numbers(name, "CCD_OFFSET").get("OFFSET", step.offset)
        return gain, offset

    def _wait(self, seconds: float, report: Callable[..., None]) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.cancel.check()
            report(1.0, "waiting")
            time.sleep(min(left, 0.1))

