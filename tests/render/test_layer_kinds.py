"""The engine asks each layer kind what to do: adding a kind is one class and its registration."""

from __future__ import annotations

import numpy as np
import pytest

from editor.render import kinds
from editor.render.kinds import LayerKind, kind_of, register
from editor.render.kinds import base as kinds_base
from editor.render.steps import StepFailed


def test_every_built_in_layer_type_has_a_kind():
    from editor.core.layers import AdjustmentLayer, ChannelCombineLayer, GroupLayer, ImageLayer

    for cls in (ImageLayer, AdjustmentLayer, ChannelCombineLayer, GroupLayer):
        assert kind_of(cls.type).type == cls.type


def test_an_unknown_type_is_a_step_failure_not_a_crash():
    with pytest.raises(StepFailed, match="unknown layer type 'nope'"):
        kind_of("nope")


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        register(kind_of("image"))


class _Flat(LayerKind):
    """A test kind: a flat colour whose value is in the record, reading a 7 px halo."""

    type = "test_flat"

    def halo(self, job, node):
        return 7

    def render(self, job, node, below, win):
        return np.full(win.shape, np.float32(node["value"])), None


@pytest.fixture
def flat_kind(monkeypatch):
    kind = _Flat()
    monkeypatch.setitem(kinds_base._KINDS, kind.type, kind)
    return kind


def _job(doc, nodes):
    from editor.render.document_render import render_job

    return render_job(doc, 1.0, None, nodes)


def test_the_engine_delegates_pixels_signature_and_halo_to_the_kind(make_doc, rgb, flat_kind):
    doc = make_doc(rgb[:, :, 0])
    base = doc.to_dict()
    flat = dict(base[0], id="F", name="flat", type="test_flat", value=0.25, opacity=0.5)
    del flat["source"], flat["offset"]
    job = _job(doc, base + [flat])
    out = job.render(None).data
    np.testing.assert_allclose(out, 0.5 * rgb[:, :, 0] + 0.5 * 0.25, rtol=1e-6)
    assert job.errors.messages == {base[0]["id"]: None, "F": None}
    assert job.halo(flat) == 7
    other = dict(flat, value=0.75)
    assert job.signature(flat) != job.signature(other)  # its record is its cache key
    assert job.signature(flat) == job.signature(dict(flat, name="renamed"))


def test_a_layer_of_an_unregistered_type_passes_through_with_an_error(make_doc, rgb):
    doc = make_doc(rgb)
    base = doc.to_dict()
    alien = dict(base[0], id="X", type="from_the_future")
    job = _job(doc, base + [alien])
    out = job.render(None).data
    np.testing.assert_array_equal(out, rgb)
    assert job.errors.messages["X"] == "unknown layer type 'from_the_future'"


def test_group_progress_counts_its_visible_children():
    leaf = {"type": "image", "visible": True}
    group = {"type": "group", "visible": True,
             "children": [leaf, dict(leaf, visible=False), {"type": "group", "visible": True,
                                                           "children": [leaf]}]}
    assert kinds.count_steps([group, dict(leaf, visible=False)]) == 1 + 1 + 2
