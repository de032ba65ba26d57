"""A runaway plugin filter ends as an error on its layer, not as a render that never ends."""

from __future__ import annotations

import time

import numpy as np
import pytest

from editor.core.document import Document
from editor.plugins.registry import Registry
from editor.render.cache import RenderCache
from editor.render.steps import DEFAULT_PLUGIN_TIMEOUT, PLUGIN_TIMEOUT_ENV, plugin_timeout
from filters.registry import FilterSpec, Param


def test_a_plugin_filter_running_past_its_time_limit_is_an_error_on_its_layer(
        make_doc, rgb, monkeypatch):
    monkeypatch.setenv(PLUGIN_TIMEOUT_ENV, "0.2")
    doc = make_doc()
    lid = doc.add_adjustment("slow", steps=10**7)  # minutes of work, reporting progress
    t = time.monotonic()
    out = doc.render()
    assert time.monotonic() - t < 5.0
    assert np.array_equal(out, rgb)  # the layer passes through
    error = doc.layer(lid).error
    assert "plugin 'test.ops' filter 'slow'" in error and "0.2 s allowed" in error


def test_built_in_filters_have_no_time_limit(rgb, monkeypatch):
    def slow(img, *, progress=None, steps=1):
        time.sleep(0.05)
        return img * np.float32(2.0)

    reg = Registry()
    reg.add_manifest({"id": "nebulayer.builtin", "name": "built-ins", "version": "0.1", "filters": [
        FilterSpec("slow_builtin", "Slow", slow, (Param("steps", "int", 1),))]}, "test",
        builtin=True)
    assert reg.get("slow_builtin").source == "builtin"
    monkeypatch.setenv(PLUGIN_TIMEOUT_ENV, "0.001")
    doc = Document.from_image(rgb, registry=reg, cache=RenderCache(1 << 26))
    lid = doc.add_adjustment("slow_builtin")
    assert np.array_equal(doc.render(), rgb * np.float32(2.0))
    assert doc.layer(lid).error is None


@pytest.mark.parametrize("value, expected", [
    (None, DEFAULT_PLUGIN_TIMEOUT), ("30", 30.0), ("0", None), ("off", None),
    ("soon", DEFAULT_PLUGIN_TIMEOUT),
])
def test_the_time_limit_comes_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(PLUGIN_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(PLUGIN_TIMEOUT_ENV, value)
    assert plugin_timeout() == expected
