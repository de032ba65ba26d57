"""Document model: layers, undo/redo, merging, masks, snapshots, events, non-destructiveness."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.layers import AdjustmentLayer, GroupLayer, ImageLayer
from editor.core.masks import GeneratedMask, RasterMask
from editor.errors import DocumentError


def test_from_image_makes_one_background_layer_the_size_of_the_image(make_doc, rgb):
    doc = make_doc()
    assert (doc.width, doc.height) == (80, 60)
    assert [type(l) for l in doc.layers] == [ImageLayer]
    assert doc.layers[0].name == "Background"
    assert np.array_equal(doc.render(), rgb)
    assert not doc.dirty


def test_new_document_renders_zeros(registry, cache):
    doc = Document.new(40, 30, registry=registry, cache=cache)
    out = doc.render()
    assert out.shape == (30, 40) and out.dtype == np.float32 and not out.any()


def test_sources_are_read_only_and_callers_array_is_untouched(make_doc, rgb):
    mine = rgb.copy()
    doc = make_doc(mine)
    doc.add_adjustment("gain", factor=3.0)
    src = next(iter(doc.sources.values()))
    assert not src.pixels.flags.writeable
    with pytest.raises(ValueError):
        src.pixels[0, 0, 0] = 5
    doc.render()
    assert mine.flags.writeable and np.array_equal(mine, rgb)


def test_undo_redo_round_trips_state_and_render(make_doc):
    doc = make_doc()
    r0 = doc.render()
    lid = doc.add_adjustment("gain", factor=2.0)
    r1 = doc.render()
    doc.set_params(lid, factor=0.5)
    doc.set_layer_props(lid, opacity=0.5, blend="screen")
    r2 = doc.render()
    state2 = [l.to_dict() for l in doc.layers]
    for _ in range(3):
        doc.undo()
    assert len(doc.layers) == 1 and np.array_equal(doc.render(), r0)
    doc.redo()
    assert np.array_equal(doc.render(), r1)
    doc.redo()
    doc.redo()
    assert [l.to_dict() for l in doc.layers] == state2
    assert np.array_equal(doc.render(), r2)
    assert not doc.history.can_redo and doc.history.can_undo


def test_consecutive_commands_with_one_merge_key_make_one_undo_step(make_doc, rgb):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=1.0)
    steps_before = len(doc.history)
    for f in (1.1, 1.2, 1.3, 1.4):
        doc.set_params(lid, merge_key="drag-gain", factor=f)
    assert len(doc.history) == steps_before + 1
    assert doc.layer(lid).params["factor"] == 1.4
    doc.undo()
    assert doc.layer(lid).params["factor"] == 1.0
    doc.redo()
    assert doc.layer(lid).params["factor"] == 1.4


def test_end_merge_starts_a_new_step_for_the_next_drag(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    doc.set_params(lid, merge_key="k", factor=2.0)
    doc.set_params(lid, merge_key="k", factor=3.0)
    doc.history.end_merge()
    doc.set_params(lid, merge_key="k", factor=4.0)
    doc.undo()
    assert doc.layer(lid).params["factor"] == 3.0
    doc.undo()
    assert doc.layer(lid).params["factor"] == 1.0


def test_different_merge_keys_do_not_merge(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    doc.set_params(lid, merge_key="a", factor=2.0)
    doc.set_layer_props(lid, merge_key="b", opacity=0.3)
    doc.undo()
    assert doc.layer(lid).opacity == 1.0 and doc.layer(lid).params["factor"] == 2.0


def test_bad_parameter_is_refused_and_leaves_no_trace(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    n = len(doc.history)
    with pytest.raises(DocumentError, match="factor"):
        doc.set_params(lid, factor=-5)
    with pytest.raises(DocumentError, match="opacity"):
        doc.set_layer_props(lid, opacity=1.5, name="renamed")
    assert len(doc.history) == n
    assert doc.layer(lid).params["factor"] == 2.0 and doc.layer(lid).name != "renamed"
    with pytest.raises(DocumentError):
        doc.layer("nope")
    with pytest.raises(DocumentError):
        doc.add_adjustment("no_such_filter")


def test_dirty_follows_history_relative_to_the_saved_state(make_doc, tmp_path):
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    assert doc.dirty
    doc.save(tmp_path / "a.nebula")
    assert not doc.dirty
    doc.set_params(lid, factor=2.0)
    assert doc.dirty
    doc.undo()
    assert not doc.dirty


def test_group_move_remove_duplicate_are_undoable(make_doc):
    doc = make_doc()
    a = doc.add_adjustment("gain", factor=2.0)
    b = doc.add_adjustment("lift", black=0.1)
    before = doc.render()
    g = doc.add_group("G", [a, b])
    assert isinstance(doc.layer(g), GroupLayer) and [c.id for c in doc.layer(g).children] == [a, b]
    assert np.allclose(doc.render(), before, atol=1e-6)  # pass-through group looks the same
    doc.set_layer_props(g, opacity=0.0)
    assert np.array_equal(doc.render(), doc.render(upto=doc.layers[0].id))
    doc.undo()
    dup = doc.duplicate_layer(a)
    assert dup != a and len(doc.layer(g).children) == 3
    doc.move_layer(dup, 0, parent=None)
    assert doc.layers[0].id == dup
    doc.remove_layer(g)
    assert [l.id for l in doc.layers][0] == dup and len(doc.layers) == 2
    for _ in range(3):
        doc.undo()
    assert [l.id for l in doc.layers][1] == g and [c.id for c in doc.layer(g).children] == [a, b]
    doc.undo()
    assert [l.id for l in doc.layers][1:] == [a, b]


def test_events_reach_subscribers_until_unsubscribed(make_doc):
    doc = make_doc()
    seen = []
    unsubscribe = doc.subscribe(lambda ev: seen.append((ev.kind, ev.layer_id)))
    lid = doc.add_adjustment("gain")
    doc.set_params(lid, factor=2.0)
    assert ("layers", None) in seen and ("layer", lid) in seen and ("history", None) in seen
    unsubscribe()
    seen.clear()
    doc.undo()
    assert seen == []


def test_generated_mask_limits_an_adjustment_and_bakes_to_the_same_raster(make_doc, rgb):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.5}))
    m = doc.render_mask(lid)
    lum = rgb.mean(axis=2)
    assert np.allclose(m, np.clip((lum - 0.5) * 4 + 0.5, 0, 1), atol=1e-6)
    out = doc.render()
    expected = rgb + (rgb * 2 - rgb) * m[:, :, None]
    assert np.allclose(out, expected, atol=1e-5)
    doc.set_mask_props(lid, invert=True, density=0.5)
    assert np.allclose(doc.render_mask(lid), 1 - 0.5 * m, atol=1e-6)
    baked_from = doc.render_mask(lid)
    rendered = doc.render()
    doc.bake_mask(lid)
    assert isinstance(doc.layer(lid).mask, RasterMask)
    assert np.array_equal(doc.render_mask(lid), baked_from)
    assert np.array_equal(doc.render(), rendered)
    doc.undo()
    assert isinstance(doc.layer(lid).mask, GeneratedMask)


def test_generated_mask_follows_changes_below_it(make_doc):
    doc = make_doc()
    below = doc.add_adjustment("gain", factor=1.0)
    lid = doc.add_adjustment("lift", black=0.2)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.5}))
    m1 = doc.render_mask(lid)
    doc.set_params(below, factor=0.5)
    m2 = doc.render_mask(lid)
    assert m2.mean() < m1.mean()


def test_mask_levels_feather_and_midtone(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    ramp = np.tile(np.linspace(0, 1, doc.width, dtype=np.float32), (doc.height, 1))
    doc.set_mask(lid, doc.new_raster_mask(ramp))
    doc.set_mask_props(lid, black=0.25, white=0.75)
    m = doc.render_mask(lid)
    assert m[:, 0].max() == 0 and m[:, -1].min() == 1
    doc.set_mask_props(lid, midtone=0.25)
    assert doc.render_mask(lid)[0, doc.width // 2] > 0.5  # midtone < 0.5 brightens
    doc.set_mask_props(lid, black=0, white=1, midtone=0.5, feather=3)
    feathered = doc.render_mask(lid)
    assert np.allclose(feathered[:, 10:-10], ramp[:, 10:-10], atol=1e-3)  # a ramp stays a ramp
    with pytest.raises(DocumentError):
        doc.set_mask_props(lid, density=2)


def test_paint_mask_is_one_undoable_stroke(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.paint_mask(lid, {"points": [(10, 10), (40, 10)], "size": 8, "hardness": 1.0, "value": 0.0})
    m = doc.render_mask(lid)
    assert m[10, 25] == 0 and m[40, 40] == 1
    assert isinstance(doc.layer(lid).mask, RasterMask)
    doc.undo()
    assert doc.layer(lid).mask is None


def test_taking_deleting_and_restoring_snapshots_are_unsaved_changes(make_doc, tmp_path):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.save(tmp_path / "a.nebula")
    sid = doc.take_snapshot("Before")
    assert doc.dirty  # the file on disk does not have this snapshot: closing must ask
    doc.save(tmp_path / "a.nebula")
    assert not doc.dirty
    doc.delete_snapshot(sid)
    assert doc.dirty
    doc.save(tmp_path / "a.nebula")
    other = doc.take_snapshot("Gain 2")
    doc.set_params(lid, factor=4.0)
    doc.save(tmp_path / "a.nebula")
    doc.restore_snapshot(other)
    assert doc.dirty and doc.layer(lid).params["factor"] == 2.0
    doc.undo()
    assert not doc.dirty
    taken = doc.take_snapshot("Temp")
    doc.delete_snapshot(taken)
    assert not doc.dirty  # back to exactly what is saved
    reopened = Document.load(tmp_path / "a.nebula", registry=doc.registry, cache=doc.cache)
    assert not reopened.dirty and reopened.snapshots == doc.snapshots


def test_snapshots_render_and_restore_their_state(make_doc):
    doc = make_doc()
    before = doc.render()
    sid = doc.take_snapshot("Original")
    lid = doc.add_adjustment("gain", factor=3.0)
    after = doc.render()
    assert doc.snapshots == [(sid, "Original")]
    assert np.array_equal(doc.render(snapshot=sid), before)
    doc.restore_snapshot(sid)
    assert np.array_equal(doc.render(), before)
    doc.undo()
    assert doc.layer(lid) is not None and np.array_equal(doc.render(), after)


def test_unknown_adjustment_is_kept_and_passes_through(make_doc, registry):
    doc = make_doc()
    base = doc.render()
    lid = doc.add_adjustment("gain", factor=2.0)
    del registry._filters["gain"]  # the plugin went away
    out = doc.render()
    layer = doc.layer(lid)
    assert isinstance(layer, AdjustmentLayer)
    # the plugin is still there but no longer provides it: the message says which one it needs
    assert layer.unavailable and "'gain' needs plugin 'test.ops' 1.0" in layer.error
    assert np.array_equal(out, base) and layer.params == {"factor": 2.0}
    with pytest.raises(DocumentError):
        doc.set_params(lid, factor=3.0)


@pytest.mark.parametrize("kind", ["crash", "wrong_shape"])
def test_failing_filter_passes_through_with_an_error_and_leaves_the_doc_alone(make_doc, kind):
    doc = make_doc()
    g = doc.add_adjustment("gain", factor=2.0)
    good = doc.render()
    lid = doc.add_adjustment(kind)
    top = doc.add_adjustment("gain", factor=0.5)
    n = len(doc.history)
    state = [l.to_dict() for l in doc.layers]
    out = doc.render()
    assert np.allclose(out, good * 0.5)
    assert doc.layer(lid).error and doc.layer(g).error is None and doc.layer(top).error is None
    assert len(doc.history) == n and [l.to_dict() for l in doc.layers] == state
    doc.remove_layer(lid)
    assert np.allclose(doc.render(), good * 0.5)


def test_export_meta_has_base_header_and_layer_history(make_doc, rgb):
    from editor.io.image import Image, ImageMeta

    header = {"SIMPLE": True, "BITPIX": 16, "NAXIS": 2, "NAXIS1": 80, "NAXIS2": 60, "BZERO": 32768,
              "OBJECT": "M42", "HISTORY": ["stacked"]}
    doc = make_doc(Image(rgb, ImageMeta(format="FITS", header=header)))
    doc.add_adjustment("gain", factor=2.0)
    meta = doc.export_meta()
    assert meta.header["OBJECT"] == "M42"
    assert not {"BITPIX", "NAXIS", "NAXIS1", "BZERO", "SIMPLE"} & set(meta.header)  # not the render's
    assert meta.header["HISTORY"][0] == "stacked"
    assert any("gain" in line and "2.0" in line for line in meta.header["HISTORY"])


def test_history_forgets_oldest_steps_beyond_its_memory_budget(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    doc.paint_mask(lid, {"points": [(5, 20)], "size": 6, "value": 0.0})
    stroke_bytes = doc.history._done[-1].nbytes()  # a stroke weighs the pixels it touched
    doc.history.max_bytes = 3 * stroke_bytes + 256 + 64
    for i in range(1, 6):
        doc.paint_mask(lid, {"points": [(i * 10 + 5, 20)], "size": 6, "value": 0.0})
    assert len(doc.history) == 3
    while doc.history.can_undo:
        doc.undo()
    assert doc.layer(lid).mask is not None  # the oldest strokes can no longer be undone


def test_render_from_a_worker_thread_can_be_cancelled_from_another(make_doc):
    import threading

    from editor.jobs import CancelToken, Cancelled

    doc = make_doc()
    doc.add_adjustment("slow", steps=10**6)
    token = CancelToken()
    started = threading.Event()
    result = []

    def report(f):
        started.set()

    def work():
        try:
            doc.render(progress=token.progress(report))
            result.append("finished")
        except Cancelled:
            result.append("cancelled")

    t = threading.Thread(target=work)
    t.start()
    assert started.wait(10)
    token.cancel()
    t.join(10)
    assert result == ["cancelled"]


def test_redo_of_mask_edits_after_redoing_set_mask(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.5}))
    doc.set_mask_props(lid, invert=True)
    doc.set_mask_props(lid, params={"threshold": 0.3})
    final = doc.render()
    for _ in range(3):
        doc.undo()
    assert doc.layer(lid).mask is None
    for _ in range(3):
        doc.redo()
    mask = doc.layer(lid).mask
    assert mask.invert and mask.params["threshold"] == 0.3
    assert np.array_equal(doc.render(), final)


def test_unreachable_mask_pixels_are_released(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    n0 = len(doc.sources)
    doc.paint_mask(lid, {"points": [(5, 5)], "size": 4, "value": 0.0})
    doc.paint_mask(lid, {"points": [(15, 5)], "size": 4, "value": 0.0})
    assert len(doc.sources) == n0 + 1  # only the current mask: the strokes keep patches
    doc.undo()
    assert len(doc.sources) == n0 + 1
    doc.undo()
    assert len(doc.sources) == n0  # no mask any more
    doc.redo()
    assert len(doc.sources) == n0 + 1
    doc.undo()
    doc.add_adjustment("lift")  # a new edit drops the redo steps
    assert len(doc.sources) == n0


def test_generated_mask_from_another_source(make_doc, rgb):
    doc = make_doc()
    guide = np.zeros((doc.height, doc.width), np.float32)
    guide[:, : doc.width // 2] = 1.0  # left half bright
    sid = doc._source_for(guide).id
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.5}, input=sid))
    out = doc.render()
    assert np.allclose(out[:, :30], rgb[:, :30] * 2) and np.array_equal(out[:, 50:], rgb[:, 50:])
    with pytest.raises(DocumentError):
        doc.set_mask(lid, GeneratedMask("bright_mask", {}, input="S-nope"))


def test_thumbnails_of_layers_and_masks(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.paint_mask(lid, {"points": [(0, 0), (80, 60)], "size": 10, "value": 0.0})
    thumb = doc.render_layer_thumbnail(doc.layers[0].id, size=32)
    assert thumb.dtype == np.uint8 and thumb.shape == (24, 32, 3) and thumb.std() > 0
    m = doc.render_layer_thumbnail(lid, size=32, mask=True)
    assert m.shape == (24, 32, 3) and m.min() < 100 and m.max() == 255
