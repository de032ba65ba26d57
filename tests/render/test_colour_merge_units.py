"""RGB merge of three real 2MASS frames (K, H, J as R, G, B) in different units: by default a
colour picture, not a yellow-green one; the linked/unlinked stretch choice of the result."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from filters import auto_stretch


@pytest.fixture
def frames(shared_data):
    d = shared_data / "fits" / "multiband_gc"
    return {"R": d / "gc_2mass_k.fits", "G": d / "gc_2mass_h.fits", "B": d / "gc_2mass_j.fits"}


def _balance(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    med = np.nanmedian(img, axis=(0, 1))
    mad = np.nanmedian(np.abs(img - med), axis=(0, 1))
    mean = np.nanmean(img, axis=(0, 1))
    return med, mad, mean / mean.mean()


def test_default_merge_of_2mass_khj_is_colour_balanced_after_the_auto_stretch(frames):
    doc = Document.new(721, 720)
    cid, sid = doc.add_colour_combine(frames, mode="rgb", align=False)
    assert doc.layer(sid).params["linked"] is True and len(doc.history) == 1
    shown = doc.render()  # the merge + its linked auto stretch, as the user judges it
    med, mad, cast = _balance(shown)
    assert med.max() / med.min() < 1.03, med
    assert mad.max() / mad.min() < 1.03, mad
    assert np.abs(cast - 1).max() < 0.05, cast  # no colour cast
    # without the normalisation the same merge is the yellow-green picture of the issue
    doc.set_params(cid, normalize="off")
    med_off, _, cast_off = _balance(doc.render())
    assert med_off[2] < 0.1 * med_off[0] and cast_off[2] < 0.2  # blue starved: yellow
    doc.undo()
    doc.undo()
    assert doc.layers == []  # the recipe was one undo step


def test_region_renders_use_the_whole_frames_statistics(frames):
    doc = Document.new(721, 720)
    cid, _ = doc.add_colour_combine(frames, mode="rgb", align=False, stretch=None)
    whole = doc.render()
    region = doc.render(region=(100, 200, 150, 120))
    assert np.array_equal(region, whole[200:320, 100:250])
    half = doc.render(scale=0.5)
    assert np.allclose(np.nanmedian(half, axis=(0, 1)), np.nanmedian(whole, axis=(0, 1)), rtol=0.02)


def test_unlinked_stretch_choice_and_what_it_changes(frames):
    doc = Document.new(721, 720)
    cid, sid = doc.add_colour_combine(frames, mode="rgb", align=False, stretch="unlinked",
                                      normalize="off")
    assert doc.layer(sid).params["linked"] is False
    med, _, _ = _balance(doc.render())
    assert med.max() / med.min() < 1.03  # unlinked balances the backgrounds by itself
    linked = auto_stretch(doc.render(upto=cid), linked=True)
    assert np.nanmedian(linked[..., 2]) < 0.1  # linked alone, without normalisation: yellow


def test_a_bad_normalize_value_is_refused_when_set():
    from editor.errors import DocumentError

    doc = Document.new(8, 8)
    one = np.ones((8, 8), np.float32)
    cid = doc.add_channel_combine({"R": one, "G": one, "B": one}, mode="rgb", align=False)
    with pytest.raises(DocumentError, match="normalize"):
        doc.set_params(cid, normalize="maybe")
    doc.set_params(cid, normalize="on")
    assert doc.layer(cid).params["normalize"] == "on"
