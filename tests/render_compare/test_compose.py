"""Composed comparison pictures: the right pixels on each side, labels actually drawn."""

from __future__ import annotations

import numpy as np
import pytest

from editor.render.comparison import BACKGROUND, compose_side_by_side, compose_split, label_frame


def _grey8(img: np.ndarray) -> np.ndarray:
    """A 0..1 float mono image -> uint8 (h, w, 3), a simple display-referred picture."""
    g = np.clip(np.asarray(img) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


@pytest.fixture()
def before_after(horsehead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    crop = horsehead[200:500, 300:700]
    before = _grey8(crop)
    after = _grey8(np.sqrt(crop))  # a real "reprocessing": brighter, different pixels
    assert not np.array_equal(before, after)
    return before, after


def test_split_vertical_left_of_divider_is_before_right_is_after(before_after):
    before, after = before_after
    out = compose_split(before, after, position=0.25, divider_width=2)
    h, w = before.shape[:2]
    cut = round(0.25 * w)
    assert out.shape == before.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, : cut - 1], before[:, : cut - 1])
    np.testing.assert_array_equal(out[:, cut + 1:], after[:, cut + 1:])
    assert (out[:, cut - 1: cut + 1] == 255).all()  # the divider line itself


def test_split_position_moves_the_boundary(before_after):
    before, after = before_after
    w = before.shape[1]
    left = compose_split(before, after, position=0.2, divider_width=0)
    right = compose_split(before, after, position=0.8, divider_width=0)
    col = int(0.5 * w)
    np.testing.assert_array_equal(left[:, col], after[:, col])
    np.testing.assert_array_equal(right[:, col], before[:, col])


def test_split_horizontal_puts_before_on_top(before_after):
    before, after = before_after
    out = compose_split(before, after, position=0.5, orientation="horizontal", divider_width=0)
    cut = round(0.5 * before.shape[0])
    np.testing.assert_array_equal(out[:cut], before[:cut])
    np.testing.assert_array_equal(out[cut:], after[cut:])


def test_split_labels_are_written_in_their_corners_only(before_after):
    before, after = before_after
    plain = compose_split(before, after, divider_width=0)
    labelled = compose_split(before, after, labels=["Before", "After"], divider_width=0)
    changed = np.any(labelled != plain, axis=2)
    h, w = changed.shape
    assert changed[: h // 4, : w // 2].sum() > 50  # "Before" top-left
    assert changed[: h // 4, w // 2:].sum() > 50  # "After" top-right
    assert not changed[h // 2:].any()  # nothing drawn in the lower half


def test_split_refuses_images_of_different_sizes(before_after):
    before, after = before_after
    with pytest.raises(ValueError, match="one size"):
        compose_split(before, after[:-1])


def test_side_by_side_places_each_image_after_a_label_band(before_after):
    before, after = before_after
    h, w = before.shape[:2]
    out = compose_side_by_side([before, after], ["Original", "Processed"], gap=10, label_height=30)
    assert out.shape == (30 + h, 2 * w + 10, 3)
    np.testing.assert_array_equal(out[30:, :w], before)
    np.testing.assert_array_equal(out[30:, w + 10:], after)
    assert (out[30:, w:w + 10] == BACKGROUND).all()  # the gap
    band = out[:30]
    text_left = np.any(band[:, :w] != BACKGROUND, axis=2).sum()
    text_right = np.any(band[:, w + 10:] != BACKGROUND, axis=2).sum()
    assert text_left > 50 and text_right > 50


def test_side_by_side_without_labels_has_no_band(before_after):
    before, after = before_after
    out = compose_side_by_side([before, after], gap=0)
    np.testing.assert_array_equal(out, np.concatenate([before, after], axis=1))


def test_side_by_side_top_aligns_images_of_different_heights(before_after):
    before, after = before_after
    short = after[:100]
    out = compose_side_by_side([before, short], gap=0)
    w = before.shape[1]
    np.testing.assert_array_equal(out[:100, w:], short)
    assert (out[100:, w:] == BACKGROUND).all()


def test_label_frame_draws_text_without_touching_the_input(before_after):
    before, _ = before_after
    copy = before.copy()
    out = label_frame(before, "Before")
    np.testing.assert_array_equal(before, copy)
    assert np.any(out != before)


def test_compose_rejects_float_images():
    with pytest.raises(ValueError, match="uint8"):
        compose_side_by_side([np.zeros((4, 4, 3), np.float32)])
