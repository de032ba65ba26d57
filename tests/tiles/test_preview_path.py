"""The preview path of issue 13 (a change below a masked layer, then a small-scale preview):
what it computes once per render, and that its faster ways give the very same values."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from editor import GeneratedMask
from editor.render.cache import RenderCache
from editor.render.kinds import adjustment
from editor.render.tiles import TiledRender


def test_each_layer_signature_is_computed_once_per_tiled_render(plate_doc, monkeypatch):
    """Every step, fused run, mask key, measure key and tile asks for the layers' signatures;
    one tiled render (its tiles, its measuring render at another scale) computes each once."""
    a = plate_doc.add_adjustment("levels", black=0.01, white=0.9, midtone=0.5)
    plate_doc.add_adjustment("curves", points=[[0, 0], [0.25, 0.32], [1, 1]])
    masked = plate_doc.add_adjustment("levels", midtone=0.6)
    plate_doc.set_mask(masked, GeneratedMask("contrast_mask", {"radius": 300.0, "blur": 60.0},
                                             feather=0.0))
    plate_doc.add_adjustment("asinh_stretch")
    calls: Counter = Counter()
    real = adjustment.AdjustmentKind.signature

    def counting(self, job, node):
        calls[node["id"]] += 1
        return real(self, job, node)

    monkeypatch.setattr(adjustment.AdjustmentKind, "signature", counting)
    tr = TiledRender(plate_doc, 0.5, tile=128, workers=2, cache=RenderCache(1 << 30))
    first = tr.render()
    assert len(calls) == 4 and max(calls.values()) == 1, calls
    plate_doc.set_params(a, midtone=0.45)  # a new render of the new state: once more each
    calls.clear()
    again = TiledRender(plate_doc, 0.5, tile=128, workers=2, cache=RenderCache(1 << 30)).render()
    assert max(calls.values()) == 1 and not np.array_equal(again, first)
    whole = plate_doc.render(scale=0.5)
    assert np.array_equal(again, whole, equal_nan=True)


@pytest.mark.parametrize("frame", [(0.0, 1.0, 0.0, 1.0), (0.3, 0.55, 0.61, 0.97)])
@pytest.mark.parametrize("levels", [(0.0, 1.0, 0.5, False), (0.05, 0.7, 0.6, True)])
def test_the_mask_from_its_coarse_field_is_the_levels_of_its_bilinear_enlargement(plate, frame,
                                                                                 levels):
    """The banded mask (two column gathers per band, levels in the same pass) gives the same
    bits as enlarging the coarse field whole (filters.gaussian.expand_coarse) then levels."""
    from filters.contrast_mask import _finish_mask, contrast_mask, contrast_mask_measure
    from filters.gaussian import expand_coarse

    small = plate[::8, ::8]
    recipe = {"radius": 40.0, "blur": 8.0}
    canvas = (plate.shape[0] * 2.0, plate.shape[1] * 2.0)  # a 2x preview of a bigger canvas
    top, bottom, left, right = frame
    h = int(round((bottom - top) * canvas[0]))
    w = int(round((right - left) * canvas[1]))
    img = np.full((h, w, 3), 0.2, np.float32)
    measured = dict(contrast_mask_measure(small, **recipe, measuring_scale=1 / 8), frame=frame,
                    canvas=canvas)
    black, midtone, white, invert = levels
    got = contrast_mask(img, **recipe, black=black, midtone=midtone, white=white,
                        invert=invert, measured=measured)
    field = expand_coarse(measured["coarse"], (h, w), frame, canvas)
    want = _finish_mask(field, None, black, midtone, white, invert)
    assert got.shape == (h, w) and 0.0 < float(got.mean()) < 1.0
    assert np.array_equal(got, want)
