"""A mask's finishing controls (editor/render/maskops.py): the no-controls fast path returns a
clean mask itself and still cleans NaN and values outside 0..1 as the full path does."""

from __future__ import annotations

import numpy as np

from editor.render.maskops import finish_mask

PLAIN = {"black": 0.0, "midtone": 0.5, "white": 1.0, "feather": 0.0, "invert": False,
         "density": 1.0}


def test_a_clean_mask_without_controls_is_returned_itself():
    m = np.linspace(0, 1, 200, dtype=np.float32).reshape(10, 20)
    assert finish_mask(m, PLAIN, 1.0) is m


def test_nan_becomes_0_and_values_outside_0_1_are_clipped_without_controls():
    m = np.array([[np.nan, -0.5, 0.25, 1.5]], np.float32)
    out = finish_mask(m, PLAIN, 1.0)
    assert np.array_equal(out, np.array([[0.0, 0.0, 0.25, 1.0]], np.float32))
    assert np.isnan(m[0, 0])  # the input is not changed


def test_controls_are_applied_when_set():
    m = np.array([[0.0, 0.25, 0.5, 1.0]], np.float32)
    out = finish_mask(m, dict(PLAIN, invert=True, density=0.5), 1.0)
    np.testing.assert_allclose(out, 1.0 - 0.5 * m, atol=1e-7)


def test_in_unit_range_agrees_with_min_and_max_on_edge_values():
    from editor.render.maskops import in_unit_range

    cases = (([0.0, 0.5, 1.0], True), ([-0.0, 1.0], True), ([0.0, 1.0000001], False),
             ([0.2, -1e-45], False), ([0.2, np.nan], False), ([np.inf], False),
             ([1e-45, 0.99999994], True))
    for values, expected in cases:
        m = np.array([values], np.float32)
        assert in_unit_range(m) is expected, values
        assert in_unit_range(m.astype(np.float64)) is expected, values
    assert in_unit_range(np.zeros((0, 3), np.float32)) is False


def test_a_mask_holding_minus_zero_is_still_returned_itself():
    m = np.array([[-0.0, 0.5, 1.0]], np.float32)
    assert finish_mask(m, PLAIN, 1.0) is m
