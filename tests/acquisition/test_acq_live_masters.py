"""The acquisition controller's live stack calibrated with master dark/flat/bias (set by hand or
taken from the session's own frames) and corrected for field rotation, fed the frames of a
simulated camera made from a real plate (synthetic.py: vignetting, hot pixels, 0-2 deg
rotation)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from astropy.io import fits
from scipy import ndimage

from editor.acquisition.camera import FrameSettings, RawFrame
from editor.acquisition.controller import AcquisitionController
from editor.errors import NebulayerError
from editor.jobs.progress import Cancelled
from editor.stacking.frames import StackError
from editor.stacking.session import session_masters
from tests.stacking.synthetic import make_dataset

B = 60


@pytest.fixture(scope="module")
def session(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("session")
    return make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits", folder,
                        n_lights=5, n_cal=6, seed=11)


class _Camera:
    """Hands out the session's lights as a camera sends them (uint16, driver header)."""

    def __init__(self, paths) -> None:
        self.frames = []
        for p in paths:
            with fits.open(p) as hdul:
                self.frames.append(RawFrame(
                    camera="CCD Simulator", data=np.asarray(hdul[0].data),
                    driver_header=hdul[0].header.copy(), blob=b"", blob_format=".fits",
                    settings=FrameSettings(60.0), started=datetime.now(timezone.utc),
                    arrived=0.0))

    def configure(self, settings: FrameSettings) -> None:
        pass

    def expose(self, settings: FrameSettings, *, cancel=None) -> RawFrame:
        if not self.frames:
            raise Cancelled()
        return self.frames.pop(0)


def _live(data, **masters):
    ctl = AcquisitionController(auto_reconnect=False)
    try:
        ctl.camera = _Camera(data.lights)
        in_use = ctl.set_live_masters(**masters) if masters else "none"
        ctl.start_live(FrameSettings(60.0), stack=True).result(timeout=120)
        results = []
        while not ctl.events.empty():
            ev = ctl.events.get_nowait()
            if ev.kind == "stack":
                results.append(ev.payload["result"])
        image, meta, name = ctl.stack_snapshot()
    finally:
        ctl.shutdown()
    return results, image, in_use


def _flatness(image, data) -> float:
    ratio = image[B:-B, B:-B] / data.model(0)[B:-B, B:-B]
    z = 60
    return float(np.nanmedian(ratio[:z, :z]) / np.nanmedian(ratio[200 - z:200, 200 - z:200]))


def _hot_excess(image, data) -> float:
    core = np.nan_to_num(image, nan=float(np.nanmedian(image)))
    resid = (core - ndimage.median_filter(core, 5))[B:-B, B:-B]
    sigma = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    return float(np.median(resid[data.hot[B:-B, B:-B]]) / sigma)


def test_session_masters_calibrate_the_live_stack_and_rotation_is_corrected(session):
    found = session_masters(session.folder)
    assert set(found) == {"bias", "dark", "flat"}
    assert all(p.parent == session.folder / "masters" for p in found.values())
    results, image, in_use = _live(session, **{k: str(v) for k, v in found.items()})
    assert "dark master_dark.fits" in in_use and "flat master_flat.fits" in in_use
    assert len(results) == 5 and all(r.accepted for r in results), [r.reason for r in results]
    for i, r in enumerate(results[1:], start=1):
        t = session.true_transform(i)
        assert r.rotation == pytest.approx(np.degrees(np.arctan2(t[1, 0], t[0, 0])), abs=0.02)
    assert abs(results[-1].rotation) > 1.9
    assert abs(_flatness(image, session) - 1) < 0.02  # vignetting divided out
    assert _hot_excess(image, session) < 1.0  # hot pixels subtracted and replaced
    # a second call finds the saved masters instead of building them again
    stamp = found["dark"].stat().st_mtime_ns
    assert session_masters(session.folder)["dark"].stat().st_mtime_ns == stamp


def test_without_masters_the_controller_stack_keeps_vignetting_and_hot_pixels(session):
    results, image, in_use = _live(session)
    assert in_use == "none" and all(r.accepted for r in results)
    assert _flatness(image, session) < 0.9
    assert _hot_excess(image, session) > 5.0


def test_a_missing_master_file_is_refused_in_one_line_and_nothing_changes(session):
    ctl = AcquisitionController(auto_reconnect=False)
    try:
        with pytest.raises(NebulayerError) as exc:
            ctl.set_live_masters(flat=session.folder / "nothing.fits")
        assert "nothing.fits" in str(exc.value) and "\n" not in str(exc.value)
        assert ctl.live_masters == {} and ctl.stacker.calibration is None
    finally:
        ctl.shutdown()


def test_a_folder_without_calibration_frames_says_so(tmp_path):
    with pytest.raises(StackError, match="no master or dark, flat or bias frames"):
        session_masters(tmp_path)
