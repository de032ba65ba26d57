"""Issue 17: Merge Down does what Photoshop does. It needs a visible layer with pixels of its
own below (an adjustment layer or group below would be rendered from an empty canvas, a picture
the document never showed), and the merged layer keeps the lower layer's opacity, blend mode
and mask: the upper layer is baked into the lower layer's own pixels, and what lies below
the pair shows through the merged layer as it showed through the lower one."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.errors import DocumentError
from editor.render.merge_down import merge_down, merge_down_problem


def _frame(seed: int, h: int = 40, w: int = 60) -> np.ndarray:
    return np.random.default_rng(seed).random((h, w)).astype(np.float32)


def test_nothing_below_and_adjustment_below_are_refused_with_a_reason():
    doc = Document.from_image(_frame(1))
    bottom = doc.layers[0].id
    assert "no layer below" in merge_down_problem(doc, bottom)
    a1 = doc.add_adjustment("levels", white=0.5)
    a2 = doc.add_adjustment("levels", black=0.1)
    problem = merge_down_problem(doc, a2)
    assert problem is not None and "no pixels of its own" in problem
    before, steps = doc.render(), len(doc.history)
    with pytest.raises(DocumentError):
        merge_down(doc, a2)
    assert len(doc.history) == steps and [l.id for l in doc.layers][-2:] == [a1, a2]
    np.testing.assert_array_equal(doc.render(), before)
    assert merge_down_problem(doc, a1) is None  # levels over the image: allowed


def test_hidden_layer_below_is_refused():
    doc = Document.from_image(_frame(1))
    doc.set_layer_props(doc.layers[0].id, visible=False)
    lid = doc.add_adjustment("levels", white=0.5)
    assert "hidden" in merge_down_problem(doc, lid)


def test_merged_layer_keeps_lower_opacity_and_bakes_only_its_pixels():
    """Bottom image B, image A at 40 % over it, levels (white 0.5) over A. Merging the levels
    into A bakes levels(A) into the pixels and keeps 40 %, so B still shows at 60 %. (An
    empty-canvas render at 40 % made levels(0.4 A) at 100 %, hiding B.)"""
    b, a = _frame(1), _frame(2)
    doc = Document.from_image(b)
    lower = doc.add_image(a, name="A")
    doc.set_layer_props(lower, opacity=0.4)
    lid = doc.add_adjustment("levels", white=0.5)
    merged = merge_down(doc, lid)
    layer = doc.layer(merged)
    assert layer.name == "A" and layer.opacity == pytest.approx(0.4) and layer.blend == "normal"
    np.testing.assert_allclose(doc.sources[layer.source_id].pixels, a / 0.5, atol=1e-6)
    np.testing.assert_allclose(doc.render(), 0.4 * (a / 0.5) + 0.6 * b, atol=1e-5)
    doc.undo()
    assert [l.id for l in doc.layers][-1] == lid


def test_image_merged_into_a_masked_layer_keeps_the_mask():
    """C at 50 % merged into A masked to its left half: the left half shows exactly what it
    showed before; the right half shows B, as A's mask hid A there."""
    b, a, c = _frame(1), _frame(2), _frame(3)
    doc = Document.from_image(b)
    lower = doc.add_image(a, name="A")
    mask = np.zeros_like(a)
    mask[:, :30] = 1.0
    doc.set_mask(lower, mask)
    top = doc.add_image(c, name="C")
    doc.set_layer_props(top, opacity=0.5)
    before = doc.render()
    merged = merge_down(doc, top)
    assert doc.layer(merged).mask is not None
    after = doc.render()
    np.testing.assert_allclose(after[:, :30], before[:, :30], atol=1e-6)
    np.testing.assert_allclose(after[:, 30:], b[:, 30:], atol=1e-6)
