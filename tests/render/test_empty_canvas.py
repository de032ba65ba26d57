"""An opaque image layer on the empty canvas does not make the canvas's zeros (a fresh
tile-sized array per tile that the normal blend would not read)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.render.cache import RenderCache
from editor.render.comp import Comp
from editor.render.tiles import TiledRender


@pytest.mark.parametrize("opacity", [1.0, 0.5])
def test_an_opaque_image_on_the_empty_canvas_reads_no_zeros(registry, monkeypatch, opacity):
    img = np.random.default_rng(9).random((90, 130, 3), dtype=np.float32)
    doc = Document.new(130, 90, registry=registry, cache=RenderCache(0))
    lid = doc.add_image(img)
    doc.set_layer_props(lid, opacity=opacity)
    made = []
    real = Comp.data.fget

    def data(self):
        if self.data_ is None:
            made.append(self.win)
        return real(self)

    monkeypatch.setattr(Comp, "data", property(data))
    out = TiledRender(doc, tile=64).render()
    if opacity == 1.0:
        assert made == [] and np.array_equal(out, img)
    else:  # the canvas is read: mixed with it
        assert len(made) == 6
        np.testing.assert_allclose(out, img * np.float32(0.5), rtol=1e-6)
