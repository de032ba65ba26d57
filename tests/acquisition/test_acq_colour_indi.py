"""Colour live view and live stack with the INDI CCD simulator's Bayer mode (SIMULATE_BAYER).

The simulator only adds BAYERPAT to its header (its pixels are not colour-modulated), so
this proves the path (shapes, header), not colours: test_acq_colour covers those.
"""

from __future__ import annotations

import queue
import time

import numpy as np
import pytest
from indi_server import CCD

from editor.acquisition.camera import FrameSettings
from editor.acquisition.controller import AcquisitionController

pytestmark = pytest.mark.indi


def _next(events: "queue.Queue", kind: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ev = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if ev.kind == "error":
            raise AssertionError(f"error event: {ev.payload}")
        if ev.kind == kind:
            return ev.payload
    raise AssertionError(f"no {kind} event within {timeout} s")


def test_simulated_colour_camera_live_view_and_stack_are_rgb(indi_server, link):
    link.set_and_wait(CCD, "SIMULATE_BAYER", {"INDI_ENABLED": "On"}, what="Bayer simulation")
    ctl = AcquisitionController(readout_margin=10.0, auto_reconnect=False)
    try:
        ctl.connect("127.0.0.1", indi_server.port)
        _next(ctl.events, "devices")
        ctl.select_camera(CCD)
        assert _next(ctl.events, "camera").colour
        ctl.start_live(FrameSettings(0.2), stack=True)
        live = _next(ctl.events, "live_frame")
        assert live["frame"].data.shape == (1024, 1280)  # the frame itself stays a mosaic
        assert live["frame"].driver_header["BAYERPAT"] == "RGGB"
        assert live["preview"].shape == (1024, 1280, 3) and live["preview"].dtype == np.uint8
        accepted = offered = 0
        while accepted < 2:
            result = _next(ctl.events, "stack")["result"]
            accepted += result.accepted
            offered += 1
            assert offered < 8, result.reason
        image, meta, _ = ctl.stack_snapshot()
        assert image.shape == (1024, 1280, 3) and image.dtype == np.float32
        assert "BAYERPAT" not in meta and "debayered" in meta["HISTORY"]
        ctl.abort()
        assert _next(ctl.events, "job_done") == "live"
    finally:
        ctl.shutdown()
        link.set_and_wait(CCD, "SIMULATE_BAYER", {"INDI_DISABLED": "On"}, what="Bayer off")
