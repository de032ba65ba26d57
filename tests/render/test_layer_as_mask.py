"""A layer used as another layer's mask: live, cached by the source's state, saved, no cycles."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.masks import LayerMask
from editor.errors import DocumentError


@pytest.fixture
def masked(registry, cache):
    """base (flat 0.2) | helper: left-to-right ramp, hidden | gain x3 masked by helper."""
    base = np.full((40, 50), 0.2, np.float32)
    doc = Document.from_image(base, registry=registry, cache=cache)
    ramp = np.tile(np.linspace(0, 1, 50, dtype=np.float32), (40, 1))
    helper = doc.add_image(ramp, name="helper")
    doc.set_layer_props(helper, visible=False)
    gain = doc.add_adjustment("gain", factor=3.0)
    doc.set_layer_as_mask(gain, helper)
    return doc, helper, gain, ramp


def test_the_mask_is_the_source_layers_luminance_even_when_it_is_hidden(masked):
    doc, helper, gain, ramp = masked
    assert np.allclose(doc.render_mask(gain), ramp, atol=1e-6)
    out = doc.render()
    # gain 3 on 0.2 = 0.6, mixed by the ramp: 0.2 + 0.4 * ramp; the hidden helper is not shown
    assert np.allclose(out, 0.2 + 0.4 * ramp, atol=1e-6)


def test_the_mask_follows_the_source_layer_live_and_is_recomputed_only_when_it_changes(masked):
    doc, helper, gain, ramp = masked
    first = doc.render()
    doc.reset_render_stats()
    assert np.array_equal(doc.render(), first)
    assert doc.render_stats["layer_renders"] == 0  # unchanged source: all from the cache
    doc.set_layer_props(helper, opacity=0.5)  # the source's output halves
    out = doc.render()
    assert doc.render_stats["mask_renders"] >= 1
    # composite up to helper: 0.2 + (ramp - 0.2) * 0.5 -> that is the mask now
    m = 0.2 + (ramp - 0.2) * 0.5
    assert np.allclose(out, 0.2 + 0.4 * m, atol=1e-6)
    doc.undo()
    assert np.array_equal(doc.render(), first)


def test_a_colour_source_gives_its_rec709_luminance_and_controls_apply(registry, cache):
    doc = Document.from_image(np.zeros((8, 8, 3), np.float32), registry=registry, cache=cache)
    src = doc.add_image(np.dstack([np.full((8, 8), v, np.float32) for v in (1.0, 0.0, 0.0)]))
    adj = doc.add_adjustment("gain", factor=2.0)
    doc.set_layer_as_mask(adj, src, invert=True)
    assert np.allclose(doc.render_mask(adj), 1 - 0.2126, atol=1e-6)


def test_region_renders_equal_the_crop_of_the_whole_render_with_a_blurred_source(registry, cache):
    rng = np.random.default_rng(3)
    doc = Document.from_image(rng.random((60, 70)).astype(np.float32), registry=registry, cache=cache)
    blur = doc.add_adjustment("blur", sigma=3.0)
    top = doc.add_adjustment("gain", factor=2.0)
    doc.set_layer_as_mask(top, blur, feather=2.0)
    whole = doc.render()
    region = doc.render(region=(10, 12, 30, 25))
    assert np.allclose(region, whole[12:37, 10:40], atol=1e-6)


def test_cycles_are_refused(masked, registry, cache):
    doc, helper, gain, _ = masked
    with pytest.raises(DocumentError, match="own mask"):
        doc.set_layer_as_mask(gain, gain)
    with pytest.raises(DocumentError, match="below"):
        doc.set_layer_as_mask(helper, gain)  # gain is above helper and depends on it
    group = doc.add_group("g", [gain])
    inner = doc.add_adjustment("gain", factor=1.5)
    doc.move_layer(inner, 0, parent=group)
    with pytest.raises(DocumentError, match="group"):
        doc.set_layer_as_mask(inner, group)
    with pytest.raises(DocumentError, match="does not exist"):
        doc.set_layer_as_mask(gain, "Lnothing")


def test_a_move_that_puts_the_source_above_fails_the_layer_instead_of_looping(masked):
    doc, helper, gain, _ = masked
    doc.move_layer(helper, 5)  # helper now above gain: the mask would depend on gain itself
    out = doc.render()
    assert "below" in (doc.layer(gain).error or "")
    assert np.allclose(out, 0.2)  # gain passes through


def test_layer_masks_are_saved_and_reload(masked, tmp_path, registry, cache):
    doc, helper, gain, ramp = masked
    before = doc.render()
    doc.save(tmp_path / "m.nebula")
    again = Document.load(tmp_path / "m.nebula", registry=registry, cache=cache)
    m = again.layer(gain).mask
    assert isinstance(m, LayerMask) and m.layer == helper
    assert np.array_equal(again.render(), before)
