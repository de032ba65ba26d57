"""A cached result of the top of the stack is used even when the steps below it were evicted.

The render walks the stack bottom-up and the cache evicts the least recently used entries,
i.e. the bottom steps first: a stack taller than the cache must not be recomputed from
scratch on every render (a re-export, or a region of a canvas just rendered whole)."""

from __future__ import annotations

import numpy as np

from editor.core.document import Document
from editor.render.cache import RenderCache


def _tall_doc(registry, rgb, canvases: float):
    cache = RenderCache(max_bytes=int(canvases * rgb.nbytes) + 64 * 1024)
    doc = Document.from_image(rgb, registry=registry, cache=cache)
    for f in (1.1, 1.2, 1.3, 1.4, 1.5, 1.6):
        doc.add_adjustment("gain", factor=f)
    return doc, cache


def test_rendering_again_reuses_the_cached_top_result_when_lower_steps_were_evicted(registry, rgb):
    doc, cache = _tall_doc(registry, rgb, canvases=3)
    first = doc.render()
    doc.reset_render_stats()
    again = doc.render()
    assert doc.render_stats["filter_runs"] == 0
    assert doc.render_stats["layer_renders"] == 0
    np.testing.assert_array_equal(first, again)


def test_a_region_after_a_whole_render_is_cut_from_it_without_recomputing(registry, rgb):
    doc, cache = _tall_doc(registry, rgb, canvases=3)
    doc.add_adjustment("blur", sigma=30.0)  # halo covers the canvas: regions need it all
    full = doc.render()
    doc.reset_render_stats()
    region = doc.render(region=(20, 10, 30, 25))
    assert doc.render_stats["filter_runs"] == 0
    np.testing.assert_array_equal(region, full[10:35, 20:50])


def test_a_change_near_the_top_reuses_the_deepest_cached_step_below_it(registry, rgb):
    doc, cache = _tall_doc(registry, rgb, canvases=3)
    top = doc.add_adjustment("gain", factor=2.0)
    doc.render()
    doc.reset_render_stats()
    doc.set_params(top, factor=3.0)
    doc.render()
    assert doc.render_stats["filter_runs"] == 1  # only the changed layer
