"""Filters that measure the image accept the measurement made on the whole image (``measured=``)
and give the same result as measuring themselves; a part gets the whole's correction."""

from __future__ import annotations

import numpy as np
import pytest

from filters.registry import builtin_specs
from filters.stretch import auto_stretch_measure


def _sky(shape=(120, 160, 3), seed=3):
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    sky = 0.1 + 0.05 * x + 0.03 * y
    img = np.stack([sky * 1.1, sky, sky * 0.9], axis=-1)[..., : (shape[2] if len(shape) > 2 else 1)]
    img = img + rng.normal(0, 0.01, img.shape)
    return (img if len(shape) > 2 else img[..., 0]).astype(np.float32)


def _measured_specs():
    return [s for s in builtin_specs() if callable(s.extra.get("measure"))]


def test_the_three_statistics_filters_declare_a_measure():
    assert {s.id for s in _measured_specs()} >= {"auto_stretch", "extract_background",
                                                  "neutralize_background"}


@pytest.mark.parametrize("shape", [(120, 160, 3), (120, 160)])
def test_measuring_the_same_image_gives_the_plain_result(shape):
    img = _sky(shape)
    for spec in _measured_specs():
        params = spec.defaults()
        plain = spec.func(img, **params)
        measured = spec.extra["measure"](img, **params)
        assert np.array_equal(spec.func(img, measured=measured, **params), plain), spec.id


def test_a_part_with_the_whole_measurement_equals_the_crop_of_the_whole():
    img = _sky()
    part = (slice(30, 90), slice(40, 120))
    frame = (30 / 120, 90 / 120, 40 / 160, 120 / 160)
    for spec in _measured_specs():
        params = spec.defaults()
        if not spec.extra["measure"](img, **params):
            continue  # nothing measured at these settings (a small-radius high pass)
        measured = dict(spec.extra["measure"](img, **params), frame=frame)
        whole = spec.func(img, measured=measured | {"frame": (0.0, 1.0, 0.0, 1.0)}, **params)
        cut = spec.func(np.ascontiguousarray(img[part]), measured=measured, **params)
        assert np.max(np.abs(cut - whole[part])) < 1e-6, spec.id
        alone = spec.func(np.ascontiguousarray(img[part]), **params)
        assert spec.id == "neutralize_background" or np.max(np.abs(alone - whole[part])) > 1e-4


def test_background_model_is_the_same_surface_on_a_reduced_copy():
    from filters.background import extract_background, extract_background_measure

    img = _sky()
    measured = extract_background_measure(img)
    _, model = extract_background(img, measured=measured)
    small = img.reshape(60, 2, 80, 2, 3).mean(axis=(1, 3))
    _, small_model = extract_background(small, measured=measured)
    big = model.reshape(60, 2, 80, 2, 3).mean(axis=(1, 3))
    assert np.max(np.abs(small_model - big)) < 1e-5


@pytest.mark.parametrize("structure", [0.0, 0.005])
def test_stretch_measured_on_a_reduced_copy_matches_the_full_image_stretch(structure):
    """A 4x area-averaged copy has 4x less white noise: told its scale, the measure still
    puts the black point where the full image's statistics put it (a flat or gently
    structured sky, as after background extraction)."""
    rng = np.random.default_rng(3)
    h, w, sigma = 800, 800, 0.01
    yy, xx = np.mgrid[0:h, 0:w] / h
    sky = 0.1 + structure * np.sin(6 * xx) * np.cos(4 * yy)
    full = (sky + rng.normal(0, sigma, (h, w))).astype(np.float32)
    small = full.reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3)).astype(np.float32)
    exact = auto_stretch_measure(full)["shadows"][0]
    naive = auto_stretch_measure(small)["shadows"][0]
    told = auto_stretch_measure(small, measuring_scale=0.25)["shadows"][0]
    assert abs(told - exact) < 0.35 * sigma
    assert abs(naive - exact) > 1.5 * sigma  # what measuring the copy naively gets wrong


def test_a_full_render_stretched_from_a_measured_proxy_clips_little_sky_noise(monkeypatch):
    """PixInsight's AutoSTF clips about -2.8 sigma: well under 1% of a noisy sky goes black."""
    from editor.core.document import Document
    from editor.render.cache import RenderCache

    rng = np.random.default_rng(5)
    sky = (0.1 + rng.normal(0, 0.01, (600, 800))).astype(np.float32)
    monkeypatch.setenv("NEBULAYER_MEASURE_PIXELS", "30000")  # a 1/4 copy, as for 40 MP
    doc = Document.from_image(sky, cache=RenderCache(1 << 27))
    doc.add_adjustment("auto_stretch")
    out = doc.render()
    assert doc.render_stats.get("measure_runs", 0) == 1
    assert np.mean(out <= 0.0) < 0.01
