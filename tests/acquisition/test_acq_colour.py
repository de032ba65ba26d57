"""Colour (Bayer) frames in live view and live stacking, on synthetic RGGB star fields."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from astropy.io import fits
from scipy import ndimage

from editor.acquisition.camera import FrameSettings, RawFrame
from editor.acquisition.colour_frames import debayer_frame, mosaic_pattern
from editor.acquisition.controller import AcquisitionController
from editor.acquisition.live_stack import LiveStacker
from editor.io import open_image
from editor.io.debayer import channel_masks
from editor.jobs.progress import Cancelled

H, W = 160, 200
SKY = np.array([0.04, 0.06, 0.10])  # blue-ish sky background, R G B
STAR = np.array([0.60, 0.15, 0.08])  # red stars: the colour of their flux


def _scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) float64 sky with red stars, and the stars' (y, x) positions."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    stars = np.column_stack([rng.uniform(15, H - 15, 40), rng.uniform(15, W - 15, 40)])
    profile = np.zeros((H, W))
    for y, x in stars:
        profile += rng.uniform(0.3, 1.0) * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * 1.6**2))
    return SKY + profile[..., None] * STAR, stars


def _mosaic(scene: np.ndarray, pattern: str = "RGGB", dy: float = 0, dx: float = 0,
            seed: int = 1, noise: float = 0.002) -> np.ndarray:
    """uint16 Bayer mosaic of the scene moved by (dy, dx), as a colour camera reads it."""
    moved = ndimage.shift(scene, (dy, dx, 0), order=1, mode="nearest")
    cfa = np.zeros((H, W))
    for index, mask in enumerate(channel_masks((H, W), pattern).values()):
        cfa[mask] = moved[..., index][mask]
    cfa += np.random.default_rng(seed).normal(0, noise, cfa.shape)
    return np.clip(np.rint(cfa * 65535), 0, 65535).astype(np.uint16)


def _star_colour(rgb: np.ndarray, stars: np.ndarray, dy: float = 0, dx: float = 0) -> np.ndarray:
    """Background-subtracted R, G, B flux summed in 5 px apertures round the stars."""
    yy, xx = np.mgrid[0:H, 0:W]
    aperture = np.zeros((H, W), bool)
    for y, x in stars:
        aperture |= (yy - y - dy) ** 2 + (xx - x - dx) ** 2 <= 25
    sky = np.nanmedian(rgb[~aperture], axis=0)
    return np.nansum(np.where(aperture[..., None], rgb - sky, 0.0), axis=(0, 1))


def _ratios(rgb: np.ndarray) -> np.ndarray:
    return np.array([rgb[0] / rgb[2], rgb[1] / rgb[2]])


def _raw_frame(data: np.ndarray, header: dict) -> RawFrame:
    return RawFrame(camera="OSC", data=data, driver_header=fits.Header(header), blob=b"",
                    blob_format=".fits", settings=FrameSettings(1.0),
                    started=datetime.now(timezone.utc), arrived=0.0)


class _FakeOscCamera:
    """Stands in for an INDI colour camera: hands out prepared frames, then stops."""

    def __init__(self, frames: list[RawFrame]) -> None:
        self.frames = list(frames)

    def configure(self, settings: FrameSettings) -> None:
        pass

    def expose(self, settings: FrameSettings, *, cancel=None) -> RawFrame:
        if not self.frames:
            raise Cancelled()
        return self.frames.pop(0)


def _live_events(frames: list[RawFrame], debayer: bool = True) -> tuple[list, AcquisitionController]:
    ctl = AcquisitionController(auto_reconnect=False)
    ctl.camera = _FakeOscCamera(frames)
    ctl.set_debayer(debayer)
    ctl.start_live(FrameSettings(1.0), stack=True).result(timeout=30)
    events = []
    while not ctl.events.empty():
        events.append(ctl.events.get_nowait())
    return events, ctl


def test_osc_live_view_and_stack_are_in_colour_with_the_scene_colours():
    scene, stars = _scene()
    header = {"BAYERPAT": "RGGB", "ROWORDER": "TOP-DOWN"}
    shifts = [(0, 0), (2, -4), (3, 1), (-1, 3)]  # even and odd drifts
    frames = [_raw_frame(_mosaic(scene, dy=dy, dx=dx, seed=i), header)
              for i, (dy, dx) in enumerate(shifts)]
    events, ctl = _live_events(frames)
    try:
        previews = [e.payload["preview"] for e in events if e.kind == "live_frame"]
        assert len(previews) == 4 and previews[0].shape == (H, W, 3)
        assert previews[0].dtype == np.uint8
        picture = previews[0].astype(float)
        yy, xx = np.mgrid[0:H, 0:W]
        cores = np.zeros((H, W), bool)
        for y, x in stars:
            cores |= (yy - y) ** 2 + (xx - x) ** 2 <= 4
        star_rgb = picture[cores].mean(axis=0)
        assert star_rgb[0] > 1.2 * star_rgb[2] and star_rgb[0] > 1.2 * star_rgb[1], star_rgb
        background = np.median(picture.reshape(-1, 3), axis=0)
        assert background[2] > background[1] > background[0], background  # blue-ish sky
        assert 40 < background.mean() < 100  # auto-stretched: sky about 25 % grey
        results = [e.payload["result"] for e in events if e.kind == "stack"]
        assert all(r.accepted for r in results), [r.reason for r in results]
        assert results[2].shift == pytest.approx((3, 1), abs=0.2)

        image, meta, _ = ctl.stack_snapshot()
        assert image.shape == (H, W, 3) and image.dtype == np.float32
        assert "BAYERPAT" not in meta and "debayered" in meta["HISTORY"]
        assert "RGGB" in meta["HISTORY"] and meta["NCOMBINE"] == 4
        inner = image[20:-20, 20:-20].reshape(-1, 3)
        assert np.nanmedian(inner, axis=0) == pytest.approx(SKY, rel=0.03)
        assert _ratios(_star_colour(image, stars)) == pytest.approx(_ratios(STAR), rel=0.04)
    finally:
        ctl.shutdown()


def test_registering_debayered_frames_keeps_colours_for_even_and_odd_shifts():
    """An odd drift changes which colour each photosite sees; frames are debayered first, so
    the stack's colours and sharpness do not depend on the drift's parity."""
    scene, stars = _scene(3)
    header = {"BAYERPAT": "RGGB"}
    ref = debayer_frame(_mosaic(scene, seed=10), header)
    ref_colour = _ratios(_star_colour(ref, stars))
    for dy, dx in ((2, 4), (3, -5), (-1, 1)):
        stacker = LiveStacker()
        assert stacker.add(ref).accepted
        moved = debayer_frame(_mosaic(scene, dy=dy, dx=dx, seed=11), header)
        result = stacker.add(moved)
        assert result.accepted, result.reason
        assert result.shift == pytest.approx((dy, dx), abs=0.2)
        stack = stacker.image()
        assert _ratios(_star_colour(stack, stars)) == pytest.approx(ref_colour, rel=0.03)
        # stars stay as sharp as in one frame: the stack's star peaks keep ~all their height
        y, x = np.rint(stars[0]).astype(int)
        assert np.nanmax(stack[y - 2:y + 3, x - 2:x + 3, 0]) > 0.85 * ref[y - 2:y + 3, x - 2:x + 3, 0].max()


def test_debayer_box_off_shows_and_stacks_the_raw_mosaic_in_grey():
    scene, _ = _scene()
    frames = [_raw_frame(_mosaic(scene, dy=2 * i, seed=i), {"BAYERPAT": "RGGB"})
              for i in range(2)]
    events, ctl = _live_events(frames, debayer=False)
    try:
        preview = next(e.payload["preview"] for e in events if e.kind == "live_frame")
        assert preview.shape == (H, W)
        image, meta, _ = ctl.stack_snapshot()
        assert image.shape == (H, W) and meta["BAYERPAT"] == "RGGB" and "HISTORY" not in meta
    finally:
        ctl.shutdown()


def test_saved_frame_stays_a_raw_mosaic_while_its_preview_is_colour():
    scene, _ = _scene()
    mosaic = _mosaic(scene)
    ctl = AcquisitionController(auto_reconnect=False)
    try:
        frame = _raw_frame(mosaic, {"BAYERPAT": "RGGB"})
        ctl._on_saved_frame(None, frame)
        payload = ctl.events.get_nowait().payload
        assert payload["preview"].shape == (H, W, 3)
        assert payload["frame"].data is mosaic and mosaic.shape == (H, W)
    finally:
        ctl.shutdown()


@pytest.mark.parametrize("roworder", ["TOP-DOWN", "BOTTOM-UP", None])
@pytest.mark.parametrize("pattern,xoff,yoff", [("RGGB", 0, 0), ("GRBG", 1, 0), ("BGGR", 1, 1)])
def test_header_is_read_as_editor_io_reads_the_saved_file(tmp_path, roworder, pattern, xoff, yoff):
    """Same pattern, offsets and row order handling as opening the FITS in the editor."""
    rng = np.random.default_rng(5)
    stored = rng.integers(0, 65535, (33, 40), dtype=np.uint16)  # odd height: the flip matters
    cards = {"BAYERPAT": pattern, "XBAYROFF": xoff, "YBAYROFF": yoff}
    if roworder:
        cards["ROWORDER"] = roworder
    path = tmp_path / "osc.fits"
    fits.PrimaryHDU(stored, header=fits.Header(cards)).writeto(path)
    opened = open_image(path, debayer=True, debayer_method="bilinear")  # live view: bilinear
    mosaic = open_image(path)
    ours = debayer_frame(stored, cards)
    top_first = ours if roworder == "TOP-DOWN" else ours[::-1]
    np.testing.assert_allclose(top_first, opened.data, rtol=1e-6, atol=1e-7)
    assert mosaic_pattern(cards, stored.shape[0], top_first=True) == mosaic.meta.bayer_pattern


def test_mono_frames_are_not_debayered():
    data = np.zeros((8, 8), np.uint16)
    assert debayer_frame(data, {}) is None
    assert debayer_frame(data, {"BAYERPAT": "none"}) is None
    assert mosaic_pattern({"BAYERPAT": "rggb", "XBAYROFF": 1}) == "GRBG"
