"""Fixtures for the tiled engine tests: a real plate made into a small colour document."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.render.cache import RenderCache


@pytest.fixture
def builtin_registry():
    from editor.plugins.registry import get_registry

    return get_registry()


@pytest.fixture
def plate(shared_data) -> np.ndarray:
    """The Horsehead DSS plate (893 x 891, odd sizes), levels to 0..1, as RGB with a tint."""
    from astropy.io import fits

    data = fits.getdata(shared_data / "fits/horsehead_dss_ukschmidt.fits").astype(np.float32)
    lo, hi = np.percentile(data, [0.5, 99.9])
    grey = np.clip((data - lo) / (hi - lo), 0, None).astype(np.float32)
    return np.ascontiguousarray(np.stack([grey, grey * 0.9, grey * 0.8], axis=-1))


@pytest.fixture
def plate_doc(plate, builtin_registry) -> Document:
    return Document.from_image(plate, registry=builtin_registry, cache=RenderCache(1 << 30))
