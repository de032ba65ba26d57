"""Blink animations and PNGs on disk: frame count, size, timing, sRGB tag, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.errors import ImageWriteError
from editor.io.srgb import srgb_icc_profile
from editor.render.comparison import write_blink, write_png


def _frames(horsehead: np.ndarray) -> list[np.ndarray]:
    crop = horsehead[300:540, 250:570]  # 240 x 320
    out = []
    for img in (crop, np.sqrt(crop)):
        g = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
        out.append(np.repeat(g[..., None], 3, axis=2))
    return out


def _colour_frames(horsehead: np.ndarray) -> list[np.ndarray]:
    crop = horsehead[300:540, 250:570]
    a = np.stack([crop, crop ** 1.5, crop ** 2], axis=2)
    b = np.stack([np.sqrt(crop), crop, crop ** 0.8], axis=2)
    return [np.clip(x * 255 + 0.5, 0, 255).astype(np.uint8) for x in (a, b)]


def test_gif_blink_has_two_frames_of_the_right_size_and_duration(horsehead, tmp_path: Path):
    path = tmp_path / "blink.gif"
    frames = _frames(horsehead)
    write_blink(frames, path, duration_ms=650, labels=["Before", "After"])
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 2
        assert im.size == (320, 240)
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        assert durations == [650, 650]
        assert im.info.get("loop") == 0


def test_grey_gif_frames_keep_the_exact_grey_levels(horsehead, tmp_path: Path):
    path = tmp_path / "blink.gif"
    frames = _frames(horsehead)
    write_blink(frames, path)
    with Image.open(path) as im:
        for i, want in enumerate(frames):
            im.seek(i)
            got = np.asarray(im.convert("RGB"))
            np.testing.assert_array_equal(got, want)


def test_colour_gif_frames_share_one_palette_and_stay_close(horsehead, tmp_path: Path):
    path = tmp_path / "colour.gif"
    frames = _colour_frames(horsehead)
    write_blink(frames, path)
    with Image.open(path) as im:
        assert im.n_frames == 2
        for i, want in enumerate(frames):
            im.seek(i)
            got = np.asarray(im.convert("RGB")).astype(int)
            assert np.abs(got - want).mean() < 4.0


def test_apng_blink_is_animated_and_srgb_tagged(horsehead, tmp_path: Path):
    path = tmp_path / "blink.png"
    frames = _colour_frames(horsehead)
    write_blink(frames, path, duration_ms=500, labels=["A", "B"])
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.is_animated and im.n_frames == 2
        assert im.size == (320, 240)
        assert im.info.get("icc_profile") == srgb_icc_profile()
        im.seek(1)
        assert im.info["duration"] == 500
        second = np.asarray(im.convert("RGB"))
    # PNG is lossless: the unlabelled lower part of frame B is bit-exact
    np.testing.assert_array_equal(second[120:], frames[1][120:])


def test_png_is_srgb_tagged_and_lossless(horsehead, tmp_path: Path):
    path = tmp_path / "still.png"
    frame = _colour_frames(horsehead)[0]
    write_png(frame, path)
    with Image.open(path) as im:
        assert im.info.get("icc_profile") == srgb_icc_profile()
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), frame)
    assert [p.name for p in tmp_path.iterdir()] == ["still.png"]  # no temp file left behind


def test_blink_with_an_unknown_extension_is_refused(horsehead, tmp_path: Path):
    with pytest.raises(ImageWriteError, match="blink.jpg"):
        write_blink(_frames(horsehead), tmp_path / "blink.jpg")


def test_blink_frames_of_different_sizes_are_refused_and_leave_the_old_file(horsehead, tmp_path: Path):
    path = tmp_path / "blink.gif"
    path.write_bytes(b"old")
    a, b = _frames(horsehead)
    with pytest.raises(ValueError, match="one size"):
        write_blink([a, b[:-2]], path)
    assert path.read_bytes() == b"old"


def test_writing_into_a_missing_folder_is_a_clear_error(horsehead, tmp_path: Path):
    with pytest.raises(ImageWriteError, match="nowhere"):
        write_png(_frames(horsehead)[0], tmp_path / "nowhere" / "x.png")
