"""LRGB/RGB merges: a channel turned against the reference is refused with the reason,
never stored as a bogus shift; a shifted one keeps its sub-pixel offset (2MASS J/H/K)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from editor.core.document import Document
from editor.errors import DocumentError
from editor.io import open_image


@pytest.fixture(scope="module")
def bands(shared_data):
    base = shared_data / "fits" / "multiband_gc"
    return {b: np.nan_to_num(open_image(base / f"gc_2mass_{b}.fits").data) for b in "khj"}


def test_channel_rotated_by_one_degree_is_refused_with_its_angle(bands):
    doc = Document.new(721, 720)
    turned = ndimage.rotate(bands["h"], 1.0, reshape=False, order=3, mode="nearest")
    with pytest.raises(DocumentError, match=r"channel [RB] is rotated by -?1\.\d\d deg .* shift cannot align"):
        doc.add_channel_combine({"R": bands["k"], "G": turned, "B": bands["j"]}, mode="rgb")
    assert doc.layers == []  # nothing stored


def test_a_tenth_of_a_degree_is_still_caught_but_a_pure_shift_is_stored(bands):
    doc = Document.new(721, 720)
    turned = ndimage.rotate(bands["k"], 0.1, reshape=False, order=3, mode="nearest")
    with pytest.raises(DocumentError, match="rotated by"):
        doc.add_channel_combine({"R": turned, "G": bands["h"], "B": bands["j"]}, mode="rgb")
    shifted = ndimage.shift(bands["k"], (0.5, 3.4), order=3, mode="nearest")
    lid = doc.add_channel_combine({"R": shifted, "G": bands["h"], "B": bands["j"]}, mode="rgb")
    dy, dx = doc.layer(lid).offsets["R"]
    assert dy == pytest.approx(-0.5, abs=0.05) and dx == pytest.approx(-3.4, abs=0.05)
