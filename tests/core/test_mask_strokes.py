"""Brush strokes on raster masks: exact undo/redo, undo steps that weigh only the stroke's box,
immutable mask sources and render-cache keys that follow the mask."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.masks import GeneratedMask
from editor.core.stroke_history import StrokeCommand

STROKES = [
    {"points": [(40, 30), (90, 40)], "size": 12, "hardness": 0.3, "opacity": 0.7, "value": 0.0},
    {"points": [(60, 35)], "size": 20, "hardness": 0.8, "opacity": 0.5, "value": 1.0},
    {"points": [(150, 100), (190, 140)], "size": 9, "hardness": 1.0, "value": 0.0},
    {"points": [(-5, -5), (3, 4)], "size": 10, "value": 0.2},  # clipped at the canvas corner
]


@pytest.fixture
def big(make_doc):
    rng = np.random.default_rng(3)
    doc = make_doc(rng.random((160, 240, 3), dtype=np.float32))
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, rng.random((160, 240), dtype=np.float32))  # non-trivial pixels everywhere
    return doc, lid


def _mask_pixels(doc, lid):
    return doc.sources[doc.layer(lid).mask.source_id].pixels


def _arrays_held(obj) -> list[np.ndarray]:
    return [v for v in vars(obj).values() if isinstance(v, np.ndarray)]


def test_undo_and_redo_of_strokes_restore_the_mask_exactly(big):
    doc, lid = big
    states = [_mask_pixels(doc, lid).copy()]
    renders = [doc.render()]
    for stroke in STROKES:
        doc.paint_mask(lid, stroke)
        states.append(_mask_pixels(doc, lid).copy())
        renders.append(doc.render())
    assert all(not np.array_equal(a, b) for a, b in zip(states, states[1:]))
    for i in range(len(STROKES), 0, -1):
        doc.undo()
        assert np.array_equal(_mask_pixels(doc, lid), states[i - 1])
        assert np.array_equal(doc.render(), renders[i - 1])
    for i in range(1, len(STROKES) + 1):
        doc.redo()
        assert np.array_equal(_mask_pixels(doc, lid), states[i])
        assert np.array_equal(doc.render(), renders[i])
    doc.undo()
    doc.undo()
    doc.paint_mask(lid, STROKES[2])  # a new stroke after undoing: the branch is dropped
    assert np.array_equal(_mask_pixels(doc, lid), states[3])
    doc.undo()
    assert np.array_equal(_mask_pixels(doc, lid), states[2])


def test_a_stroke_step_holds_only_the_pixels_of_its_box(big):
    doc, lid = big
    canvas_bytes = doc.width * doc.height * 4
    for stroke in STROKES[:3]:
        doc.paint_mask(lid, stroke)
        cmd = doc.history._done[-1]
        assert isinstance(cmd, StrokeCommand) and not cmd.refs
        y0, y1, x0, x1 = cmd.box
        box_bytes = (y1 - y0) * (x1 - x0) * 4
        held = _arrays_held(cmd)
        assert [a.shape for a in held] == [(y1 - y0, x1 - x0)]
        assert sum(a.nbytes for a in held) == box_bytes < canvas_bytes / 10
        assert cmd.nbytes() == box_bytes + 256
        doc.undo()  # the step swaps in the stroke's own pixels: still one box
        assert sum(a.nbytes for a in _arrays_held(cmd)) == box_bytes
        doc.redo()
    # Memory in the document: the current mask, plus the mask given by set_mask (its step
    # can bring it back); not one canvas per stroke.
    masks = [s for s in doc.sources.values() if s.kind == "mask"]
    assert len(masks) == 2 and sum(s.nbytes for s in masks) == 2 * canvas_bytes


def test_mask_sources_stay_immutable_and_each_state_has_its_own_cache_token(big):
    doc, lid = big
    first = doc.layer(lid).mask.source_id
    token = doc.sources[first].token
    before = doc.render()
    doc.paint_mask(lid, STROKES[0])
    now = doc.layer(lid).mask.source_id
    assert now != first and doc.sources[now].token != token
    assert not doc.sources[now].pixels.flags.writeable
    assert not np.array_equal(doc.render(), before)  # the new mask is not taken from the cache
    doc.undo()
    assert doc.sources[doc.layer(lid).mask.source_id].token == token
    doc.reset_render_stats()
    assert np.array_equal(doc.render(), before)
    assert doc.render_stats["layer_renders"] == 0  # same pixels, same key: from the cache


def test_a_stroke_on_a_duplicated_or_snapshotted_mask_leaves_the_other_alone(big):
    doc, lid = big
    twin = doc.duplicate_layer(lid)
    sid = doc.take_snapshot("before painting")
    original = _mask_pixels(doc, lid).copy()
    doc.paint_mask(lid, STROKES[1])
    assert np.array_equal(_mask_pixels(doc, twin), original)
    snap_mask = next(l for l in doc.snapshot_layers(sid) if l["id"] == lid)["mask"]
    assert np.array_equal(doc.sources[snap_mask["source"]].pixels, original)
    doc.undo()
    assert np.array_equal(_mask_pixels(doc, lid), original)


def test_first_stroke_on_a_layer_without_a_mask_and_its_redo(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.paint_mask(lid, STROKES[0])
    painted = _mask_pixels(doc, lid).copy()
    cmd = doc.history._done[-1]
    y0, y1, x0, x1 = cmd.box
    outside = np.ones_like(painted, dtype=bool)
    outside[y0:y1, x0:x1] = False
    assert np.all(painted[outside] == 1.0)
    doc.undo()
    assert doc.layer(lid).mask is None
    assert not [s for s in doc.sources.values() if s.kind == "mask"]  # released
    doc.redo()
    assert np.array_equal(_mask_pixels(doc, lid), painted)


def test_painting_a_generated_mask_bakes_it_and_undo_brings_the_recipe_back(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.4}))
    generated = doc.render_mask(lid)
    doc.paint_mask(lid, STROKES[0])
    m = doc.render_mask(lid)
    assert not np.array_equal(m, generated) and np.array_equal(m[70:, :], generated[70:, :])
    doc.undo()
    assert isinstance(doc.layer(lid).mask, GeneratedMask)
    doc.redo()
    assert np.array_equal(doc.render_mask(lid), m)


def test_a_stroke_that_misses_the_canvas_adds_no_step(big):
    doc, lid = big
    steps = len(doc.history)
    doc.paint_mask(lid, {"points": [(-100, -100)], "size": 10})
    assert len(doc.history) == steps
