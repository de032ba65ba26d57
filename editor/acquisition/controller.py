"""The acquisition back end the Acquisition tab drives: no Qt, its own threads, one event queue.

Commands return at once; the work runs on two worker threads (quick device queries, and
long jobs: captures, sequences, live view). Everything that happens comes back as an
:class:`AcqEvent` on :attr:`AcquisitionController.events`, a thread-safe queue the UI polls
(or any other front end: a script, a test).

Event kinds and payloads:

=================  ==========================================================================
``status``         text
``error``          text (one line, for the status bar)
``connected``      address
``disconnected``   reason
``reconnecting``   delay in seconds
``devices``        list of DeviceInfo
``camera``         CameraCapabilities (None when deselected)
``wheel``          list of filter names (empty when deselected)
``progress``       SequenceProgress
``frame``          dict(path, frame: RawFrame, preview: uint8 HxW or HxWx3)
``sequence_done``  SequenceResult
``live_frame``     dict(frame, preview)
``stack``          dict(result: StackResult, preview or None)
``job_done``       name of the job that ended (capture, sequence, live)
=================  ==========================================================================

Colour (Bayer) frames are shown and live-stacked debayered while :attr:`debayer` is on (the
default, as in SharpCap); the frames saved and the RawFrame handed out stay raw mosaics.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from editor.acquisition.camera import Camera, FrameSettings, RawFrame
from editor.acquisition.colour_frames import debayer_frame, mosaic_pattern
from editor.acquisition.filter_wheel import FilterWheel
from editor.acquisition.indi_link import IndiLink
from editor.acquisition.live_stack import LiveStacker, normalise
from editor.acquisition.preview import auto_stretch_u8
from editor.acquisition.sequence import SequenceProgress, SequenceRunner, SequenceStep
from editor.errors import NebulayerError
from editor.jobs.progress import Cancelled, CancelToken
from editor.locale import _

log = logging.getLogger(__name__)


@dataclass
class AcqEvent:
    kind: str
    payload: Any = None


class AcquisitionController:
    """Connects to an INDI server and runs captures for a front end.

    Parameters
    ----------
    readout_margin
        Extra seconds allowed after each exposure for readout and download.
    auto_reconnect
        Reconnect by itself (with back-off) when the server goes away.
    """

    def __init__(self, *, readout_margin: float = 30.0, auto_reconnect: bool = True) -> None:
        self.events: "queue.Queue[AcqEvent]" = queue.Queue()
        self.readout_margin = readout_margin
        self.auto_reconnect = auto_reconnect
        self.link: IndiLink | None = None
        self.camera: Camera | None = None
        self.wheel: FilterWheel | None = None
        self.stacker = LiveStacker()
        self._stack_lock = threading.Lock()
        self._quick = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="acq-quick")
        self._jobs = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="acq-job")
        self._cancel: CancelToken | None = None
        self._job_name = ""
        self._reset_requested = False
        self.debayer = True
        self.live_masters: dict[str, str] = {}  # kind -> master file calibrating the live stack

    # ---- plumbing ---------------------------------------------------------------------------
    def _emit(self, kind: str, payload: Any = None) -> None:
        self.events.put(AcqEvent(kind, payload))

    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except NebulayerError as exc:
                self._emit("error", str(exc))
            except Cancelled:
                self._emit("status", _("cancelled"))
            except Exception as exc:  # a bug: keep the worker alive, log the traceback
                log.exception("acquisition command failed")
                self._emit("error", f"internal error: {exc!r}")
        return run

    def _quick_call(self, fn: Callable[[], None]) -> concurrent.futures.Future | None:
        try:
            return self._quick.submit(self._guard(fn))
        except RuntimeError:  # shut down already: nothing more will be done
            return None

    @property
    def busy(self) -> bool:
        return bool(self._job_name)

    def _on_link_event(self, kind: str, info: dict) -> None:
        # called on the link's thread: only queue things, never call the link back here
        if kind == "connected":
            self._emit("connected", info.get("address"))
            self._quick_call(self._after_reconnect)
        elif kind == "disconnected":
            self._emit("disconnected", info.get("reason", ""))
        elif kind == "reconnecting":
            self._emit("reconnecting", info.get("delay"))
        elif kind == "devices":
            if info.get("gone"):
                self._emit("status", _("device {gone} disappeared from the server").format(gone=info['gone']))
            self._quick_call(self._send_devices)
        elif kind == "message":
            self._emit("status", f"{info.get('device')}: {info.get('text')}")

    # ---- connection and devices --------------------------------------------------------------
    def connect(self, host: str, port: int) -> concurrent.futures.Future:
        def run() -> None:
            if self.link is not None:
                self.link.close()
            self.camera = self.wheel = None
            self.link = IndiLink(host, int(port), auto_reconnect=self.auto_reconnect,
                                 on_event=self._on_link_event)
            self._emit("status", _("connecting to {host}:{port}...").format(host=host, port=port))
            try:
                self.link.connect()
            except NebulayerError:
                self.link.close()
                self.link = None
                raise
            self._send_devices()
        return self._quick_call(run)

    def reconnect(self) -> concurrent.futures.Future:
        """Connect again to the same server after a loss."""
        def run() -> None:
            if self.link is None:
                raise NebulayerError(_("not connected to any server yet"))
            self.link.connect()
        return self._quick_call(run)

    def _after_reconnect(self) -> None:
        # after a server restart the drivers are disconnected again: reopen our devices
        if self.camera is not None:
            caps = self.camera.connect()
            self._emit("camera", caps)
        if self.wheel is not None:
            self._emit("wheel", self.wheel.connect())
        self._send_devices()

    def _send_devices(self) -> None:
        if self.link is not None and self.link.connected:
            self._emit("devices", self.link.devices())

    def disconnect(self) -> concurrent.futures.Future:
        self.abort()

        def run() -> None:
            if self.link is not None:
                self.link.close()
            self.link = None
            self.camera = self.wheel = None
            self._emit("disconnected", "disconnected")
        return self._quick_call(run)

    def select_camera(self, name: str | None) -> concurrent.futures.Future:
        def run() -> None:
            if not name:
                if self.camera is not None:
                    self.camera.disconnect()
                self.camera = None
                self._emit("camera", None)
                return
            if self.link is None:
                raise NebulayerError(_("connect to an INDI server first"))
            camera = Camera(self.link, name, readout_margin=self.readout_margin)
            caps = camera.connect()
            self.camera = camera
            self._emit("camera", caps)
            self._emit("status", caps.describe())
            self._send_devices()
        return self._quick_call(run)

    def select_wheel(self, name: str | None) -> concurrent.futures.Future:
        def run() -> None:
            if not name:
                self.wheel = None
                self._emit("wheel", [])
                return
            if self.link is None:
                raise NebulayerError(_("connect to an INDI server first"))
            wheel = FilterWheel(self.link, name)
            filters = wheel.connect()
            self.wheel = wheel
            self._emit("wheel", filters)
            self._send_devices()
        return self._quick_call(run)

    # ---- jobs -------------------------------------------------------------------------------
    def _start_job(self, name: str, fn: Callable[[CancelToken], None]) -> concurrent.futures.Future | None:
        if self.busy:
            self._emit("error", _("busy with {job_name}: stop it first").format(job_name=self._job_name))
            return None
        if self.camera is None:
            self._emit("error", _("select a camera first"))
            return None
        token = CancelToken()
        self._cancel = token
        self._job_name = name

        def run() -> None:
            try:
                self._guard(lambda: fn(token))()
            finally:
                self._job_name = ""
                self._cancel = None
                self._emit("job_done", name)
        return self._jobs.submit(run)

    def abort(self) -> None:
        """Stop the running capture, sequence or live view (aborts the exposure)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def start_sequence(self, steps: list[SequenceStep], out: str | Path, *,
                       object_name: str | None = None, delay: float = 0.0):
        def run(token: CancelToken) -> None:
            runner = SequenceRunner(self.camera, self.wheel, out=out, object_name=object_name,
                                    delay=delay, on_progress=self._on_progress,
                                    on_frame=self._on_saved_frame, cancel=token)
            try:
                result = runner.run(steps)
            except NebulayerError as exc:
                self._emit("error", _("{exc} ({n} frame(s) saved in "
                                    "{folder})").format(exc=exc, n=len(runner.saved), folder=runner.folder))
                return
            self._emit("sequence_done", result)
            said = (_("sequence aborted: {n} frame(s) in {folder}") if result.aborted
                    else _("sequence done: {n} frame(s) in {folder}"))
            self._emit("status", said.format(n=len(result.saved), folder=result.folder))
        return self._start_job("sequence", run)

    def _on_progress(self, progress: SequenceProgress) -> None:
        self._emit("progress", progress)

    def set_debayer(self, on: bool) -> None:
        """Show and stack colour frames debayered (on) or as raw mosaics in grey (off).

        Takes effect from the next frame; a live stack restarts, its frames would not match.
        """
        on = bool(on)
        if on != self.debayer:
            with self._stack_lock:
                self.debayer = on
                self._reset_requested = True

    def _picture(self, frame: RawFrame) -> np.ndarray | None:
        """What is shown and stacked of a frame: debayered colour 0..1 for a colour camera's
        mosaic while debayering is on, else the mono pixels as they came; None if neither."""
        if frame.data is None:
            return None
        if frame.data.ndim == 3 and frame.data.shape[0] == 3:  # a colour FITS (DSLR), planes first
            return normalise(np.moveaxis(frame.data, 0, -1))
        if frame.data.ndim != 2:
            return None
        if self.debayer:
            rgb = debayer_frame(frame.data, frame.driver_header)
            if rgb is not None:
                return rgb
        return frame.data

    def _on_saved_frame(self, path: Path, frame: RawFrame) -> None:
        picture = self._picture(frame)
        preview = auto_stretch_u8(picture) if picture is not None else None
        self._emit("frame", {"path": path, "frame": frame, "preview": preview})

    def capture_one(self, settings: FrameSettings):
        """One frame, shown but not saved (a framing/focus shot)."""
        def run(token: CancelToken) -> None:
            self.camera.configure(settings)
            frame = self.camera.expose(settings, cancel=token)
            self._on_saved_frame(None, frame)
        return self._start_job("capture", run)

    def start_live(self, settings: FrameSettings, *, stack: bool = False, mode: str = "mean"):
        """Loop short exposures; with ``stack``, align and stack them (EAA)."""
        def run(token: CancelToken) -> None:
            self.camera.configure(settings)
            with self._stack_lock:
                calibration = self.stacker.calibration
                self.stacker = LiveStacker(mode=mode, calibration=calibration)
            while not token.cancelled:
                try:
                    frame = self.camera.expose(settings, cancel=token)
                except Cancelled:
                    break
                picture = self._picture(frame)
                if picture is None:
                    continue
                self._emit("live_frame", {"frame": frame, "preview": auto_stretch_u8(picture)})
                if stack:
                    self._stack_frame(frame, picture)
            self._emit("status", _("live view stopped"))
        return self._start_job("live", run)

    def _stack_frame(self, frame: RawFrame, picture: np.ndarray) -> None:
        with self._stack_lock:
            if self._reset_requested:
                self.stacker.reset()
                self._reset_requested = False
            header = {"INSTRUME": frame.camera, "EXPTIME": frame.settings.exposure,
                      "DATE-OBS": frame.started.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                      "IMAGETYP": "Light Frame"}
            header.update({k: frame.driver_header[k] for k in
                           ("TELESCOP", "BAYERPAT", "FOCALLEN", "XPIXSZ", "YPIXSZ", "GAIN",
                            "OFFSET", "XBINNING", "YBINNING") if k in frame.driver_header})
            if self.stacker.calibration is not None and frame.data.ndim == 2:
                # masters given: calibrate the raw mosaic first, debayer after (add_raw)
                header.update({k: frame.driver_header[k] for k in ("XBAYROFF", "YBAYROFF",
                               "CCD-TEMP") if k in frame.driver_header})
                result = self.stacker.add_raw(frame.data, frame.settings.exposure, header,
                                              debayer=self.debayer)
            else:
                if picture.ndim == 3:  # the pattern as applied, offsets included
                    header["BAYERPAT"] = mosaic_pattern(frame.driver_header, picture.shape[0])
                result = self.stacker.add(picture, frame.settings.exposure, header)
            image = self.stacker.image() if result.accepted else None
        preview = auto_stretch_u8(image) if image is not None else None
        self._emit("stack", {"result": result, "preview": preview})

    def set_live_masters(self, dark: str | Path | None = None, flat: str | Path | None = None,
                         bias: str | Path | None = None) -> str:
        """Calibrate the live stack's frames with these master files (all None: none), from
        the next frame on; the stack restarts. Raises a one-line StackError for a file that
        is not a usable master; returns what is in use, e.g. "dark master_dark.fits"."""
        trial = LiveStacker()
        trial.use_masters(dark, flat, bias)  # reads and checks them off the lock
        with self._stack_lock:
            self.stacker.calibration = trial.calibration
            self.live_masters = {k: str(v) for k, v in (("dark", dark), ("flat", flat),
                                                         ("bias", bias)) if v}
            self._reset_requested = True
        return ", ".join(f"{k} {Path(v).name}" for k, v in self.live_masters.items()) or "none"

    def reset_stack(self) -> None:
        """Start the live stack again from the next frame."""
        with self._stack_lock:
            self._reset_requested = True

    def stack_snapshot(self, name: str = "Live stack") -> tuple[np.ndarray, dict, str] | None:
        """(float32 image, FITS-style meta, name) of the live stack now, or None if empty."""
        with self._stack_lock:
            image = self.stacker.image()
            if image is None:
                return None
            meta = self.stacker.meta()
        return image, meta, f"{name} ({meta['NCOMBINE']} x)"

    def shutdown(self) -> None:
        """Stop jobs, disconnect, end the worker threads (the tab calls this on close)."""
        self.abort()
        self._jobs.shutdown(wait=True, cancel_futures=True)
        if self.link is not None:
            self.link.close()
            self.link = None
        self._quick.shutdown(wait=True, cancel_futures=True)
