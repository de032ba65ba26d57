"""A render that cannot fit in NEBULAYER_MEMORY_BUDGET is refused with one clear error,
before anything is allocated, instead of the process being killed for lack of memory."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.errors import DocumentError


def test_a_full_render_beyond_the_memory_budget_is_refused_with_a_clear_error(
        registry, cache, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "1M")
    doc = Document.new(1000, 800, registry=registry, cache=cache)
    doc.add_image(np.ones((800, 1000, 3), np.float32))
    with pytest.raises(DocumentError, match="memory budget") as info:
        doc.render()
    assert "1000x800" in str(info.value) and "NEBULAYER_MEMORY_BUDGET" in str(info.value)
    assert cache.nbytes == 0  # refused before any step ran


def test_a_preview_or_a_region_of_a_too_big_canvas_still_renders(registry, cache, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "1M")
    doc = Document.new(1000, 800, registry=registry, cache=cache)
    doc.add_image(np.ones((800, 1000, 3), np.float32))
    assert doc.render(scale=0.1).shape == (80, 100, 3)
    assert doc.render(region=(10, 10, 100, 100)).shape == (100, 100, 3)


def test_an_empty_canvas_too_big_for_the_budget_is_refused_not_allocated(registry, cache,
                                                                           monkeypatch):
    monkeypatch.delenv("NEBULAYER_MEMORY_BUDGET", raising=False)
    doc = Document.new(100_000, 100_000, registry=registry, cache=cache)  # 112 GiB a copy
    with pytest.raises(DocumentError, match="memory budget"):
        doc.render()
