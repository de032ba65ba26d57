"""A filter failing in a render reaches the model through one method and one event."""

from __future__ import annotations

from editor.core.document import DocumentEvent
from editor.core.render_errors import RenderErrors


def test_a_render_given_a_record_leaves_the_layers_alone(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("crash")
    events: list[DocumentEvent] = []
    doc.subscribe(events.append)
    errors = RenderErrors()
    doc.render(scale=0.5, errors=errors)  # as a worker thread does
    assert "boom from a buggy plugin" in errors.messages[lid]
    assert doc.layer(lid).error is None and events == []
    assert doc.apply_render_errors(errors) is True  # then the UI thread
    assert "boom" in doc.layer(lid).error
    assert events == [DocumentEvent("errors")]
    assert doc.apply_render_errors(errors) is False and len(events) == 1  # nothing new


def test_a_plain_render_applies_its_errors_with_the_event(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("crash")
    events: list[DocumentEvent] = []
    doc.subscribe(events.append)
    doc.render(scale=0.5)
    assert "boom" in doc.layer(lid).error and DocumentEvent("errors") in events


def test_a_fixed_layer_has_its_error_cleared_by_the_next_render(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.apply_render_errors(RenderErrors({lid: "stale failure"}))
    doc.render(scale=0.5)
    assert doc.layer(lid).error is None


def test_errors_of_deleted_layers_and_unavailable_flags(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    assert doc.apply_render_errors(RenderErrors({"gone": "x"})) is False
    assert doc.apply_render_errors(RenderErrors({}, {lid})) is True
    assert doc.layer(lid).unavailable is True
