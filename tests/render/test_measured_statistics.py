"""Layers that measure the image (auto stretch, background extraction, neutralisation) look the
same in a preview at any scale, in a region render and in the full render."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import filters
from editor.core.document import Document
from editor.core.sources import Source, freeze
from editor.render.cache import RenderCache
from editor.render.measure import MEASURE_PIXELS_ENV, measuring_scale
from editor.render.resample import Window, place_source
from filters.stretch import auto_stretch_measure

MEASURED = ("extract_background", "neutralize_background", "auto_stretch")


@pytest.fixture
def builtin_registry():
    from editor.plugins.registry import get_registry

    reg = get_registry()
    if any(reg.get(k) is None for k in MEASURED):
        pytest.skip("built-in extract_background / neutralize_background / auto_stretch missing")
    return reg


class _Unmeasured:
    """The built-in registry with the measure declarations removed (the old behaviour)."""

    def __init__(self, reg) -> None:
        self.reg = reg

    def get(self, fid):
        spec = self.reg.get(fid)
        if spec is None or "measure" not in spec.extra:
            return spec
        return dataclasses.replace(spec, extra={k: v for k, v in spec.extra.items()
                                                if k != "measure"})

    def specs(self, category=None):
        return [self.get(s.id) for s in self.reg.specs(category)]


@pytest.fixture
def field():
    """A 240 x 320 linear colour sky: gradient, colour cast, noise, stars."""
    rng = np.random.default_rng(7)
    h, w = 240, 320
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    sky = 0.08 + 0.04 * x + 0.02 * y * y
    img = np.stack([sky * 1.2, sky, sky * 0.8], axis=-1)
    img += rng.normal(0, 0.02, img.shape)
    for cy, cx in rng.integers(5, [h - 5, w - 5], size=(40, 2)):
        img[cy - 1:cy + 2, cx - 1:cx + 2] += rng.uniform(0.2, 0.8)
    return img.astype(np.float32)


@pytest.fixture
def small_measuring(monkeypatch):
    """Measure on 1/2 of the 240 x 320 canvas (19 200 px), as a 2 MP proxy of a big image."""
    monkeypatch.setenv(MEASURE_PIXELS_ENV, "20000")
    assert measuring_scale((240, 320)) == 0.5


def _doc(field, registry, kinds=MEASURED):
    doc = Document.from_image(field, registry=registry, cache=RenderCache(1 << 28))
    ids = [doc.add_adjustment(k) for k in kinds]
    return doc, ids


def _shrink(full: np.ndarray, scale: float, shape: tuple[int, int]) -> np.ndarray:
    out, _ = place_source(Source("x", freeze(full)), scale, Window(0, shape[0], 0, shape[1]))
    return out


@pytest.mark.parametrize("scale", [0.1, 0.25, 0.5])
def test_preview_of_background_layers_equals_the_downscaled_full_render(
        field, builtin_registry, small_measuring, scale):
    doc, _ = _doc(field, builtin_registry, MEASURED[:2])
    full = doc.render()
    preview = doc.render(scale=scale)
    assert all(layer.error is None for layer in doc.all_layers())
    err = np.mean(np.abs(preview - _shrink(full, scale, preview.shape[:2])))
    assert err < 1e-4
    # without measuring, each preview fitted its own model and levels
    old, _ = _doc(field, _Unmeasured(builtin_registry), MEASURED[:2])
    old_preview = old.render(scale=scale)
    old_err = np.mean(np.abs(old_preview - _shrink(old.render(), scale, preview.shape[:2])))
    assert old_err > 1.5 * err


@pytest.mark.parametrize("scale", [0.1, 0.25, 0.5])
def test_preview_is_stretched_with_the_full_render_stretch(field, builtin_registry, monkeypatch,
                                                           scale):
    monkeypatch.setenv(MEASURE_PIXELS_ENV, str(field.shape[0] * field.shape[1]))  # measure at 1
    doc, ids = _doc(field, builtin_registry)
    linear_full = doc.render(upto=ids[1])
    linear_preview = doc.render(scale=scale, upto=ids[1])
    preview = doc.render(scale=scale)
    export_stf = auto_stretch_measure(linear_full)
    expected = filters.auto_stretch(linear_preview, measured=export_stf)
    assert np.max(np.abs(preview - expected)) < 1e-5
    self_stretched = filters.auto_stretch(linear_preview)  # what previews did before
    assert np.mean(np.abs(self_stretched - expected)) > 0.01


@pytest.mark.parametrize("scale", [0.1, 0.25, 0.5])
def test_stretched_preview_is_much_closer_to_the_downscaled_full_render(
        field, builtin_registry, small_measuring, scale):
    doc, _ = _doc(field, builtin_registry)
    preview = doc.render(scale=scale)
    err = np.mean(np.abs(preview - _shrink(doc.render(), scale, preview.shape[:2])))
    old, _ = _doc(field, _Unmeasured(builtin_registry))
    old_preview = old.render(scale=scale)
    old_err = np.mean(np.abs(old_preview - _shrink(old.render(), scale, preview.shape[:2])))
    # What is left is not the stretch (test above) but its curvature: the preview stretches
    # pixels whose noise is averaged away, the downscaled render averages stretched noise.
    assert err < 0.7 * old_err


@pytest.mark.parametrize("measure_pixels", ["20000", "1000000"])
def test_region_render_equals_the_crop_of_the_full_render(field, builtin_registry, monkeypatch,
                                                          measure_pixels):
    monkeypatch.setenv(MEASURE_PIXELS_ENV, measure_pixels)
    doc, _ = _doc(field, builtin_registry)
    full = doc.render()
    doc.cache.clear()
    part = doc.render(region=(40, 30, 90, 60))  # x, y, w, h
    assert np.max(np.abs(part - full[30:90, 40:130])) < 1e-5
    doc.cache.clear()
    part = doc.render(scale=0.5, region=(40, 30, 90, 60))
    half = doc.render(scale=0.5)
    assert np.max(np.abs(part - half[15:45, 20:65])) < 1e-5


def test_measured_layer_in_a_group_matches_across_scales(field, builtin_registry,
                                                         small_measuring):
    doc, ids = _doc(field, builtin_registry)
    doc.add_group("Stretch", [ids[2]])
    full = doc.render()
    assert all(layer.error is None for layer in doc.all_layers())
    doc.cache.clear()
    part = doc.render(region=(40, 30, 90, 60))
    assert np.max(np.abs(part - full[30:90, 40:130])) < 1e-5


def test_measuring_happens_once_per_input_whatever_the_scale_or_region(
        field, builtin_registry, small_measuring):
    doc, _ = _doc(field, builtin_registry)
    saved = doc.to_dict()
    doc.reset_render_stats()
    for scale in (1.0, 0.5, 0.25, 0.1):
        doc.render(scale=scale)
        doc.render(scale=scale, region=(40, 30, 90, 60))
    assert doc.render_stats["measure_runs"] == len(MEASURED)
    assert doc.to_dict() == saved  # measured values are derived, never stored


def test_changing_a_layer_below_measures_again_and_one_above_does_not(
        field, builtin_registry, small_measuring):
    doc = Document.from_image(field, registry=builtin_registry, cache=RenderCache(1 << 28))
    gains = doc.add_adjustment("color_balance", red=0.9)
    ids = [doc.add_adjustment(k) for k in MEASURED]
    top = doc.add_adjustment("saturation", amount=1.2)
    doc.render(scale=0.25)
    doc.reset_render_stats()
    doc.set_params(gains, red=0.8)
    first = doc.render(scale=0.25)
    assert doc.render_stats["measure_runs"] == 3
    doc.reset_render_stats()
    doc.set_params(top, amount=1.5)
    doc.render(scale=0.25)
    assert doc.render_stats["measure_runs"] == 0
    doc.set_params(ids[2], target_background=0.3)  # its own setting: only it again
    doc.render(scale=0.25)
    assert doc.render_stats["measure_runs"] == 1
    doc.set_params(ids[2], target_background=0.25)
    doc.set_params(top, amount=1.2)
    doc.cache.clear()
    assert np.array_equal(doc.render(scale=0.25), first)  # deterministic after re-measuring
