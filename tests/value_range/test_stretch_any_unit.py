"""The screen stretch and the Auto Stretch layer show real data in any unit (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

import filters
from editor.core.document import Document
from editor.io import open_image
from editor.render.display import display_image
from other_units import CASES, case_file, flat_or_saturated


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("other_units")


@pytest.mark.parametrize("case", CASES)
def test_auto_screen_stretch_is_neither_flat_nor_saturated(case, shared_data, folder):
    image = open_image(case_file(case, shared_data, folder))
    problem = flat_or_saturated(display_image(image.data, "auto"))
    assert problem is None, f"{case}: {problem}"


@pytest.mark.parametrize("case", CASES)
def test_auto_stretch_layer_rendered_through_a_document_shows_structure(case, shared_data,
                                                                        folder):
    doc = Document.from_image(str(case_file(case, shared_data, folder)))
    doc.add_adjustment("auto_stretch")
    problem = flat_or_saturated(display_image(doc.render(), "none"))
    assert problem is None, f"{case}: {problem}"


def test_the_ui_fast_display_path_agrees_on_physical_units(shared_data, folder):
    """The canvas uses a lookup table over the STF's range: a 1e-18 wide range must work."""
    pytest.importorskip("PyQt6")
    from editor.render.display_lut import fast_display_image  # moved down from the UI (issue 10)

    data = open_image(case_file("drizzle_nan_zero_borders", shared_data, folder)).data
    stf = filters.auto_stretch_params(data)
    slow = display_image(data, stf).astype(int)
    fast = fast_display_image(data, stf).astype(int)
    assert np.abs(slow - fast).max() <= 1
    assert flat_or_saturated(fast) is None


def test_blank_zero_borders_are_left_out_of_the_statistics(shared_data):
    """A zero-padded panel stretches like the panel alone: the zeros are not the sky."""
    from other_units import adu_floats, adu_zero_borders

    alone = filters.auto_stretch_params(adu_floats(shared_data))
    padded = filters.auto_stretch_params(adu_zero_borders(shared_data))
    for a, b in zip(alone, padded):
        assert b[0] == pytest.approx(a[0], rel=1e-3)


def test_count_map_zeros_are_data_and_its_sky_is_not_black(shared_data):
    from other_units import count_map

    counts = count_map(shared_data)
    shown = display_image(counts, "auto")[..., 0]
    sky = shown[counts == 0]
    assert 20 < np.median(sky) < 100  # the empty sky a dark grey, as AutoSTF puts a background
    assert np.median(shown[counts >= 5]) > np.median(sky) + 60  # sources stand out


def test_normalised_data_keeps_pixinsight_autostf_exactly():
    rng = np.random.default_rng(0)
    img = (0.02 + 0.002 * rng.standard_normal((300, 300))).astype(np.float32)
    c0, m, c1 = filters.auto_stretch_params(img)
    assert c1[0] == 1.0 and 0 < c0[0] < 0.02  # PixInsight's 0..1 range, untouched
    tiny = img * np.float32(1e-15)  # the same data in other units: within 0..1, yet not 0..1 data
    t0, tm, t1 = filters.auto_stretch_params(tiny)
    assert t1[0] == pytest.approx(float(tiny.max()), rel=1e-6)
    background = filters.auto_stretch(tiny, measured={"shadows": t0, "midtones": tm,
                                                      "highlights": t1})
    assert float(np.median(background)) == pytest.approx(0.25, abs=0.02)
    assert flat_or_saturated(display_image(tiny, "auto")) is None


def test_empty_zero_borders_stay_black_on_screen_and_through_the_stretch_layer(shared_data):
    from other_units import adu_zero_borders

    padded = adu_zero_borders(shared_data)
    border = padded == 0
    assert border.mean() > 0.3
    assert (display_image(padded, "auto")[border] == 0).all()
    assert (filters.auto_stretch(padded)[border] == 0).all()
