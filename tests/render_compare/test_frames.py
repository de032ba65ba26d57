"""Frames of document states: one identical stretch for all, right region and scale, exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.errors import ImageWriteError
from editor.io.srgb import srgb_icc_profile
from editor.render.comparison import (comparison_frames, export_comparison, original_snapshot,
                                      render_states, state_label, take_original_snapshot)


def test_original_snapshot_is_taken_once_and_found_by_name(processed_doc):
    doc, original = processed_doc
    assert original_snapshot(doc) == original
    assert take_original_snapshot(doc) == original  # not a second "Original"
    assert [name for _, name in doc.snapshots] == ["Original"]
    assert state_label(doc, original) == "Original"
    assert state_label(doc, None) == "Current"


def test_both_frames_go_through_the_same_stretch(processed_doc):
    from editor.render.display import display_image, stf_params

    doc, original = processed_doc
    region = (300, 250, 320, 240)
    frames, params = render_states(doc, [original, None], region=region, scale=1.0)
    before = doc.render(region=region, snapshot=original)
    after = doc.render(region=region)
    np.testing.assert_array_equal(frames[0], display_image(before, stretch=params))
    np.testing.assert_array_equal(frames[1], display_image(after, stretch=params))
    # stretching "after" on its own statistics would look different: the shared stretch matters
    assert not np.array_equal(frames[1], display_image(after, stretch="auto"))
    assert frames[1].mean() > frames[0].mean() + 10  # the brighter state looks brighter
    # measured on the whole "before" image (893 x 891 < 4 MP: at full size), not on the crop
    whole = stf_params(doc.render(snapshot=original))
    np.testing.assert_allclose(np.ravel(params), np.ravel(whole), rtol=1e-6)


def test_a_crop_has_the_stretch_of_the_whole_image_not_its_own(processed_doc):
    doc, original = processed_doc
    whole = comparison_frames(doc, [original, None])
    crop = comparison_frames(doc, [original, None], region=(300, 250, 320, 240))
    for w, c in zip(whole, crop):
        np.testing.assert_array_equal(c, w[250:490, 300:620])


def test_stretch_can_be_measured_on_the_second_state(processed_doc):
    from editor.render.display import display_image, stf_params

    doc, original = processed_doc
    frames = comparison_frames(doc, [original, None], reference=1)
    same = stf_params(doc.render())
    np.testing.assert_array_equal(frames[0], display_image(doc.render(snapshot=original), stretch=same))


def test_no_stretch_shows_the_values_as_they_are(processed_doc):
    from editor.render.display import display_image

    doc, original = processed_doc
    frames = comparison_frames(doc, [original, None], region=(0, 0, 100, 80), stretch="none")
    np.testing.assert_array_equal(frames[1], display_image(doc.render(region=(0, 0, 100, 80)),
                                                           stretch="none"))


def test_frames_have_the_size_of_the_region_at_the_scale(processed_doc):
    doc, original = processed_doc
    frames = comparison_frames(doc, [original, None], region=(10, 20, 400, 300), scale=0.5)
    assert [f.shape for f in frames] == [(150, 200, 3), (150, 200, 3)]
    assert all(f.dtype == np.uint8 for f in frames)
    whole = comparison_frames(doc, [original, None], scale=0.25)
    assert whole[0].shape == (round(doc.height * 0.25), round(doc.width * 0.25), 3)


def test_progress_reaches_one_and_cancelling_stops(processed_doc):
    from editor.jobs.progress import Cancelled, CancelToken

    doc, original = processed_doc
    seen: list[float] = []
    comparison_frames(doc, [original, None], region=(0, 0, 200, 200), progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        comparison_frames(doc, [original, None], progress=token.progress())


def test_export_blink_gif_of_a_100_percent_crop(processed_doc, tmp_path: Path):
    doc, original = processed_doc
    path = export_comparison(doc, tmp_path / "horse.gif", "blink_gif", (original, None),
                             region=(300, 250, 320, 240), duration_ms=600)
    with Image.open(path) as im:
        assert (im.n_frames, im.size, im.info["duration"]) == (2, (320, 240), 600)


def test_export_side_by_side_png_has_both_crops_and_labels(processed_doc, tmp_path: Path):
    doc, original = processed_doc
    region = (300, 250, 320, 240)
    path = export_comparison(doc, tmp_path / "sbs.png", "side_by_side", (original, None),
                             region=region)
    frames = comparison_frames(doc, [original, None], region=region)
    with Image.open(path) as im:
        assert im.info.get("icc_profile") == srgb_icc_profile()
        out = np.asarray(im.convert("RGB"))
    band = out.shape[0] - 240
    assert band > 0 and out.shape[1] == 2 * 320 + 8
    np.testing.assert_array_equal(out[band:, :320], frames[0])
    np.testing.assert_array_equal(out[band:, -320:], frames[1])


def test_export_refuses_a_wrong_extension_before_rendering(processed_doc, tmp_path: Path):
    doc, original = processed_doc
    with pytest.raises(ImageWriteError, match=r"\.gif"):
        export_comparison(doc, tmp_path / "x.png", "blink_gif", (original, None))
    assert not list(tmp_path.iterdir())


def test_the_stretch_does_not_depend_on_the_render_scale(processed_doc):
    doc, original = processed_doc
    _, full = render_states(doc, [original, None], scale=1.0)
    _, small = render_states(doc, [original, None], scale=0.3)
    _, crop = render_states(doc, [original, None], region=(0, 0, 64, 64), scale=0.5)
    np.testing.assert_array_equal(np.ravel(small), np.ravel(full))
    np.testing.assert_array_equal(np.ravel(crop), np.ravel(full))
