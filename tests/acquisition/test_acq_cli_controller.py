"""`nebulayer capture` end to end, and the UI's back end (controller) without Qt."""

from __future__ import annotations

import queue
import subprocess
import sys
import time

import numpy as np
import pytest
from astropy.io import fits
from fits_check import assert_fitsverify_clean
from indi_server import CCD, WHEEL, free_port

from editor.acquisition.camera import FrameSettings
from editor.acquisition.controller import AcquisitionController
from editor.acquisition.sequence import parse_plan
from editor.cli import main

pytestmark = pytest.mark.indi


def test_cli_capture_runs_a_filter_sequence(indi_server, tmp_path, capsys):
    code = main(["capture", "--host", "127.0.0.1", "--port", str(indi_server.port),
                 "--camera", CCD, "--wheel", WHEEL, "--filter", "Red,Blue", "--count", "2",
                 "--exposure", "0.1", "--gain", "30", "--type", "light", "--object", "M31",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out.split()
    assert code == 0
    assert [p.rsplit("/", 1)[1] for p in out] == [
        "Light_Red_0001_0.1s.fits", "Light_Red_0002_0.1s.fits",
        "Light_Blue_0001_0.1s.fits", "Light_Blue_0002_0.1s.fits"]
    hdr = fits.getheader(out[-1])
    assert hdr["FILTER"] == "Blue" and hdr["GAIN"] == 30 and hdr["OBJECT"] == "M31"
    assert_fitsverify_clean(out[0])


def test_cli_errors_are_one_line_with_exit_status_2(tmp_path):
    port = free_port()
    proc = subprocess.run([sys.executable, "-m", "editor.cli", "capture", "--host", "127.0.0.1",
                           "--port", str(port), "--exposure", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "connection refused" in lines[0], proc.stderr


def test_cli_refuses_unknown_camera_naming_the_devices(indi_server, tmp_path, capsys):
    code = main(["capture", "--port", str(indi_server.port), "--host", "127.0.0.1",
                 "--camera", "Nope", "--exposure", "0.1", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no device 'Nope'" in err[0] and CCD in err[0]


def _wait_for(events: "queue.Queue", kind: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            ev = events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(ev.kind)
        if ev.kind == "error" and kind != "error":
            raise AssertionError(f"error event: {ev.payload}")
        if ev.kind == kind:
            return ev.payload
    raise AssertionError(f"no {kind} event within {timeout} s (saw {seen})")


def test_controller_connects_captures_sequences_and_live_stacks(indi_server, tmp_path):
    ctl = AcquisitionController(readout_margin=10.0, auto_reconnect=False)
    try:
        ctl.connect("127.0.0.1", indi_server.port)
        devices = _wait_for(ctl.events, "devices")
        assert CCD in [d.name for d in devices]
        ctl.select_camera(CCD)
        caps = _wait_for(ctl.events, "camera")
        assert caps.width == 1280
        ctl.select_wheel(WHEEL)
        assert "Green" in _wait_for(ctl.events, "wheel")

        ctl.capture_one(FrameSettings(0.1))
        shot = _wait_for(ctl.events, "frame")
        assert shot["path"] is None and shot["preview"].dtype == np.uint8
        _wait_for(ctl.events, "job_done")

        ctl.start_sequence(parse_plan("1xGreen", exposure=0.1), tmp_path, object_name="M1")
        saved = _wait_for(ctl.events, "frame")
        assert saved["path"].name == "Light_Green_0001_0.1s.fits"
        assert len(_wait_for(ctl.events, "sequence_done").saved) == 1
        _wait_for(ctl.events, "job_done")

        ctl.start_live(FrameSettings(0.2), stack=True, mode="sigma")
        accepted, offered = 0, 0
        while accepted < 3:
            stack = _wait_for(ctl.events, "stack")
            accepted += stack["result"].accepted
            offered += 1
            assert offered < 8, stack["result"].reason
        assert ctl.start_sequence(parse_plan("1x", exposure=0.1), tmp_path) is None
        assert "busy" in _wait_for(ctl.events, "error")
        image, meta, name = ctl.stack_snapshot()
        assert image.dtype == np.float32 and image.shape == (1024, 1280)
        assert meta["NCOMBINE"] >= 3 and meta["INSTRUME"] == CCD and "Live stack" in name
        ctl.abort()
        assert _wait_for(ctl.events, "job_done") == "live"
    finally:
        ctl.shutdown()


def test_cli_disk_full_mid_sequence_keeps_saved_frames(indi_server, tmp_path, capsys, monkeypatch):
    import errno
    import os

    from editor.acquisition import frame_writer

    real_write = os.write
    calls = {"frames": 0}

    def write(fd, data):
        if len(data) > 100_000:  # a frame's pixels, not the small writes of other code
            calls["frames"] += 1
            if calls["frames"] > 1:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(frame_writer.os, "write", write)
    code = main(["capture", "--host", "127.0.0.1", "--port", str(indi_server.port),
                 "--camera", CCD, "--count", "3", "--exposure", "0.1", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "disk full" in err[0] and "Light_0002_0.1s.fits" in err[0]
    assert "(1 frame saved in" in err[0]
    (saved,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert saved.name == "Light_0001_0.1s.fits" and str(saved) == captured.out.strip()
    monkeypatch.undo()
    assert_fitsverify_clean(saved)
