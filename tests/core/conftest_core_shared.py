"""Fixtures for document-model tests: a private registry and a private render cache."""

from __future__ import annotations

import numpy as np
import pytest

from nebula_test_registry import make_registry

from editor.render.cache import RenderCache


@pytest.fixture
def registry():
    return make_registry()[0]


@pytest.fixture
def counted_registry():
    return make_registry()


@pytest.fixture
def cache():
    return RenderCache(512 * 1024**2)


@pytest.fixture
def rgb():
    rng = np.random.default_rng(1)
    return rng.random((60, 80, 3), dtype=np.float32)


@pytest.fixture
def make_doc(registry, cache, rgb):
    from editor.core.document import Document

    def make(pixels=None, **kw):
        return Document.from_image(rgb if pixels is None else pixels,
                                   registry=kw.pop("registry", registry), cache=cache, **kw)

    return make
