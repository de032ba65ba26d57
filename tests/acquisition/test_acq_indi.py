"""Capture against the real INDI simulator drivers (indiserver started by the fixtures)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from astropy.io import fits
from fits_check import assert_fitsverify_clean
from indi_server import CCD, SCOPE, WHEEL, prepare_simulator

from editor.acquisition.camera import Camera, FrameSettings
from editor.acquisition.filter_wheel import FilterWheel
from editor.acquisition.indi_link import IndiLink
from editor.acquisition.live_stack import LiveStacker, normalise, robust_sigma
from editor.acquisition.sequence import SequenceRunner, parse_plan, parse_roi
from editor.errors import DeviceError
from editor.jobs.progress import CancelToken

pytestmark = pytest.mark.indi


@pytest.fixture
def camera(link):
    cam = Camera(link, CCD, readout_margin=10.0)
    cam.connect()
    # the shared server keeps settings between tests: start each test from the same ones
    cam.configure(FrameSettings(0.1, gain=90, offset=0, binning=1, frame_type="light"))
    return cam


def test_server_lists_devices_with_their_kinds(link):
    devices = {d.name: d for d in link.devices()}
    assert {CCD, WHEEL, SCOPE} <= set(devices)
    assert devices[CCD].is_camera and devices[WHEEL].is_filter_wheel
    assert "telescope" in devices[SCOPE].kinds
    assert devices[CCD].driver == "indi_simulator_ccd"


def test_refused_port_is_a_clear_device_error(indi_server):
    from indi_server import free_port

    port = free_port()
    link = IndiLink("127.0.0.1", port, connect_timeout=2.0)
    with pytest.raises(DeviceError, match=f"127.0.0.1:{port}: connection refused"):
        link.connect()
    link.close()


def test_camera_capabilities_come_from_the_driver(camera):
    caps = camera.capabilities()
    assert (caps.width, caps.height, caps.bit_depth) == (1280, 1024, 16)
    assert caps.pixel_size_x == pytest.approx(5.2)
    assert caps.gain_range[:2] == (0, 100) and caps.offset_range is not None
    assert caps.max_binning == (4, 4) and caps.has_cooler
    assert set(caps.frame_types) == {"light", "dark", "flat", "bias"}
    assert "1280 x 1024" in caps.describe()


def test_single_frame_is_saved_with_header_and_star_data(camera, tmp_path):
    settings = FrameSettings(0.3, gain=60, offset=10)
    camera.configure(settings)
    frame = camera.expose(settings)
    assert frame.data.shape == (1024, 1280) and frame.data.dtype == np.uint16
    runner = SequenceRunner(camera, out=tmp_path, object_name="M42")
    result = runner.run(parse_plan("1x", exposure=0.3, gain=60, offset=10))
    (path,) = result.saved
    assert path.parent.name.endswith("_M42") and path.name == "Light_0001_0.3s.fits"
    assert_fitsverify_clean(path)
    with fits.open(path) as hdul:
        hdr, data = hdul[0].header, hdul[0].data
    assert hdr["EXPTIME"] == 0.3 and hdr["GAIN"] == 60 and hdr["OFFSET"] == 10
    assert hdr["INSTRUME"] == CCD and hdr["TELESCOP"] == SCOPE and hdr["OBJECT"] == "M42"
    assert hdr["IMAGETYP"] == "Light Frame" and hdr["XBINNING"] == 1 and "CCD-TEMP" in hdr
    assert hdr["DATE-OBS"].startswith(time.strftime("%Y-", time.gmtime()))
    # the fake star catalogue makes the simulator draw stars well above the sky
    assert data.max() > np.median(data) + 20 * robust_sigma(data.astype(np.float32))


def test_gain_out_of_range_is_refused_before_sending(camera):
    with pytest.raises(DeviceError, match="gain 500 is out of range 0..100"):
        camera.configure(FrameSettings(0.1, gain=500))


def test_driver_refusal_is_reported_with_its_message(link, camera):
    # ask the driver directly for a value outside its range: it answers but keeps the old one
    with pytest.raises(DeviceError, match="GAIN|range"):
        link.set_and_wait(CCD, "CCD_GAIN", {"GAIN": 5000}, what="gain")


def test_three_frame_sequence_changes_filter_and_names_frames(camera, link, tmp_path):
    wheel = FilterWheel(link, WHEEL)
    assert "Red" in wheel.connect()
    seen = []
    runner = SequenceRunner(camera, wheel, out=tmp_path, object_name="NGC 7000",
                            on_progress=seen.append)
    result = runner.run(parse_plan("2xRed, 1xG", exposure=0.1))
    names = [p.name for p in result.saved]
    assert names == ["Light_Red_0001_0.1s.fits", "Light_Red_0002_0.1s.fits",
                     "Light_Green_0001_0.1s.fits"]
    assert [fits.getheader(p)["FILTER"] for p in result.saved] == ["Red", "Red", "Green"]
    assert wheel.current() == "Green"
    assert seen[-1].fraction == pytest.approx(1.0) and seen[-1].frame == 3
    assert {p.state for p in seen} >= {"filter", "exposing", "saving", "done"}
    for path in result.saved:
        assert_fitsverify_clean(path)


def test_abort_mid_exposure_stops_at_once_and_saves_nothing(camera, tmp_path):
    token = CancelToken()
    runner = SequenceRunner(camera, out=tmp_path, cancel=token)
    threading.Timer(0.5, token.cancel).start()
    t0 = time.monotonic()
    result = runner.run(parse_plan("3x", exposure=5.0))
    assert result.aborted and result.saved == []
    assert time.monotonic() - t0 < 2.0
    assert camera.link.state(CCD, "CCD_EXPOSURE") != "Busy"
    assert not any(tmp_path.rglob("*.fits"))
    # the camera is usable again straight away
    settings = FrameSettings(0.1)
    assert camera.expose(settings).data is not None


def test_dark_and_binned_frames(camera, tmp_path):
    runner = SequenceRunner(camera, out=tmp_path)
    result = runner.run(parse_plan("1x", exposure=0.1, frame_type="dark", binning=2))
    hdr = fits.getheader(result.saved[0])
    data = fits.getdata(result.saved[0])
    assert result.saved[0].name == "Dark_0001_0.1s.fits"
    assert hdr["IMAGETYP"] == "Dark Frame" and hdr["XBINNING"] == 2
    assert data.shape == (512, 640)


def test_live_stack_of_simulator_frames_cuts_background_noise(camera):
    settings = FrameSettings(0.2)
    stacker = LiveStacker()
    first = None
    for _ in range(16):
        frame = camera.expose(settings)
        first = frame.data if first is None else first
        result = stacker.add(frame.data, settings.exposure)
        assert result.accepted, result.reason
    stack = stacker.image()
    inner = (slice(100, -100), slice(100, -100))  # away from edges the drift leaves uncovered
    ratio = robust_sigma(stack[inner]) / robust_sigma(normalise(first)[inner])
    assert ratio < 0.35, ratio
    assert stacker.frames == 16


def test_killed_server_stops_sequence_keeps_frames_and_reconnects(own_indi_server, tmp_path):
    link = IndiLink("127.0.0.1", own_indi_server.port)
    link.connect()
    prepare_simulator(link)
    camera = Camera(link, CCD, readout_margin=5.0)
    camera.connect()
    saved_at = []

    def on_frame(path, frame):
        saved_at.append(path)
        if len(saved_at) == 2:
            threading.Timer(0.2, own_indi_server.kill).start()

    runner = SequenceRunner(camera, out=tmp_path, on_frame=on_frame)
    t0 = time.monotonic()
    with pytest.raises(DeviceError, match="lost|not connected"):
        runner.run(parse_plan("6x", exposure=0.5))
    assert time.monotonic() - t0 < 6.0  # noticed at once, not after a long timeout
    assert len(runner.saved) == 2
    for path in runner.saved:
        assert_fitsverify_clean(path)
    assert not link.connected
    # the server comes back; reconnecting when asked gives a working camera again
    own_indi_server.start()
    link.connect()
    prepare_simulator(link)
    camera.connect()
    assert camera.expose(FrameSettings(0.1)).data.shape == (1024, 1280)
    link.close()


def test_link_reconnects_by_itself_with_backoff(own_indi_server):
    events = []
    link = IndiLink("127.0.0.1", own_indi_server.port, auto_reconnect=True,
                    on_event=lambda kind, info: events.append(kind))
    link.connect()
    own_indi_server.kill()
    deadline = time.monotonic() + 5
    while link.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not link.connected and "disconnected" in events
    own_indi_server.start()
    deadline = time.monotonic() + 10
    while not link.connected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert link.connected and "reconnecting" in events
    assert CCD in {d.name for d in link.devices()}
    link.close()


def test_device_that_disappears_gives_a_clear_error(own_indi_server):
    link = IndiLink("127.0.0.1", own_indi_server.port)
    link.connect()
    wheel = FilterWheel(link, WHEEL)
    wheel.connect()
    own_indi_server.stop_driver("indi_simulator_wheel")
    deadline = time.monotonic() + 5
    while WHEEL in {d.name for d in link.devices()} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert WHEEL not in {d.name for d in link.devices()}
    with pytest.raises(DeviceError, match="Filter Simulator: no such device"):
        wheel.select("Green")
    link.close()


def test_region_of_interest_with_binning(camera, tmp_path):
    runner = SequenceRunner(camera, out=tmp_path)
    result = runner.run(parse_plan("1x", exposure=0.1, binning=2, roi=parse_roi("100,200,640,512")))
    with fits.open(result.saved[0]) as hdul:
        assert hdul[0].data.shape == (256, 320)
        assert hdul[0].header["XORGSUBF"] == 100 and hdul[0].header["YORGSUBF"] == 200
    with pytest.raises(DeviceError, match="does not fit"):
        camera.configure(FrameSettings(0.1, roi=(1000, 0, 640, 512)))
    camera.configure(FrameSettings(0.1))  # full frame again for the other tests


def test_colour_camera_frames_carry_bayer_pattern(link, camera, tmp_path):
    link.set_and_wait(CCD, "SIMULATE_BAYER", {"INDI_ENABLED": "On"}, what="Bayer simulation")
    try:
        camera._caps = None
        assert camera.capabilities().colour
        result = SequenceRunner(camera, out=tmp_path).run(parse_plan("1x", exposure=0.1))
        assert fits.getheader(result.saved[0])["BAYERPAT"] == "RGGB"
        assert_fitsverify_clean(result.saved[0])
    finally:
        link.set_and_wait(CCD, "SIMULATE_BAYER", {"INDI_DISABLED": "On"}, what="Bayer off")
