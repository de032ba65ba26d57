"""The engine with the real built-in filters on a real plate: previews, regions, masks."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.masks import GeneratedMask
from editor.render.cache import RenderCache
from editor.render.resample import Window, place_source


@pytest.fixture
def builtin_registry():
    from editor.plugins.registry import get_registry

    reg = get_registry()
    if reg.get("highpass") is None or reg.get("contrast_mask") is None or reg.get("levels") is None:
        pytest.skip("built-in highpass / contrast_mask / levels are not installed yet")
    return reg


@pytest.fixture
def horsehead(shared_data, builtin_registry):
    doc = Document.from_image(shared_data / "fits/horsehead_dss_ukschmidt.fits",
                              registry=builtin_registry, cache=RenderCache(1 << 30))
    src = doc.sources[doc.layers[0].source_id]
    lo, hi = np.percentile(src.pixels, [0.5, 99.9])
    doc.add_adjustment("levels", black=float(lo), white=float(hi))  # to 0..1
    return doc


def test_highpass_through_contrast_mask_region_equals_crop(horsehead):
    doc = horsehead
    hp = doc.add_adjustment("highpass", radius=6.0)
    doc.set_layer_props(hp, blend="screen", opacity=0.5)
    doc.set_mask(hp, GeneratedMask("contrast_mask", {"radius": 20.0, "blur": 4.0}, feather=2.0))
    full = doc.render()
    assert all(l.error is None for l in doc.all_layers())
    doc.cache.clear()
    part = doc.render(region=(400, 300, 200, 150))
    span = float(np.nanmax(full) - np.nanmin(full))
    assert np.nanmax(np.abs(part - full[300:450, 400:600])) < 3e-3 * span


def test_preview_of_a_highpass_matches_the_downscaled_full_render(horsehead):
    doc = horsehead
    doc.add_adjustment("highpass", radius=24.0)
    full = doc.render()
    preview = doc.render(scale=0.25)
    # downscale the full render with the same area sampling as previews
    from editor.core.sources import Source, freeze

    shrunk, _ = place_source(Source("x", freeze(full)), 0.25, Window(0, preview.shape[0], 0,
                                                                       preview.shape[1]))
    err = np.abs(preview - shrunk)
    assert np.median(err) < 0.01 and np.percentile(err, 99) < 0.05
    unscaled = doc.layer(doc.layers[-1].id)
    doc.set_params(unscaled.id, radius=24.0 / 0.25)  # what a preview would look like unscaled
    wrong = doc.render(scale=0.25)
    assert np.median(np.abs(wrong - shrunk)) > 2 * np.median(err)


def test_changing_the_mask_recipe_rerenders_only_that_layer(horsehead):
    doc = horsehead
    hp = doc.add_adjustment("highpass", radius=6.0)
    doc.set_mask(hp, GeneratedMask("contrast_mask", {"radius": 20.0}))
    top = doc.add_adjustment("levels", midtone=1.3)
    doc.render(scale=0.5)
    doc.reset_render_stats()
    doc.set_mask_props(hp, params={"radius": 30.0})
    doc.render(scale=0.5)
    assert doc.render_stats["layers"] == {hp: 1, top: 1}
    assert doc.render_stats["mask_renders"] == 1
