"""Star reduction: stars shrink and fade inside the star mask; everything else is untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sep

from nebulayer_stars import plugin_manifest
from nebulayer_stars.detect import background, detect_stars
from nebulayer_stars.reduce import reduce_stars, stars_mask


def star_field(n=40, size=256, sigma=2.0, seed=0):
    """Gaussian stars of known size on a flat sky with noise; returns image and positions."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size]
    pos = rng.uniform(20, size - 20, (n, 2))
    img = np.full((size, size), 0.1, np.float32)
    for (py, px), amp in zip(pos, rng.uniform(0.2, 0.6, n)):
        img += (amp * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma ** 2))).astype(np.float32)
    img += rng.normal(0, 0.002, img.shape).astype(np.float32)
    return img, pos


def aperture_stats(img, back, xs, ys, r=6.0):
    """Flux within r px and the half-light radius of each star, background removed."""
    data = np.ascontiguousarray(img - back, dtype=np.float32)
    flux, _, _ = sep.sum_circle(data, xs, ys, r)
    hlr, _ = sep.flux_radius(data, xs, ys, np.full(len(xs), r), 0.5, normflux=flux)
    return flux, hlr


def test_synthetic_stars_get_smaller_and_sky_stays_bit_identical():
    img, pos = star_field()
    out = reduce_stars(img)
    mask = stars_mask(img)
    assert np.array_equal(out[mask == 0], img[mask == 0])
    assert (mask == 0).mean() > 0.6  # most of the sky is outside the mask
    assert np.all(out <= img)
    xs, ys = pos[:, 1], pos[:, 0]
    f0, r0 = aperture_stats(img, 0.1, xs, ys)
    f1, r1 = aperture_stats(out, 0.1, xs, ys)
    assert np.median(f1 / f0) < 0.8
    assert np.median(r1 / r0) < 0.95  # true half-light radius 1.18 sigma = 2.35 px before


def test_amount_zero_and_an_empty_sky_change_nothing():
    img, _ = star_field(n=5)
    assert np.array_equal(reduce_stars(img, amount=0.0), img)
    sky = np.random.default_rng(1).normal(0.2, 0.01, (128, 128)).astype(np.float32)
    assert np.array_equal(reduce_stars(sky), sky)


def test_horsehead_stars_fade_and_shrink_while_the_sky_is_untouched(horsehead):
    out = reduce_stars(horsehead)
    mask = stars_mask(horsehead)
    assert 0.01 < (mask > 0).mean() < 0.2
    assert np.array_equal(out[mask == 0], horsehead[mask == 0])  # background unchanged
    assert np.all(out <= horsehead)
    objs = detect_stars(horsehead, threshold=10, min_area=5, max_radius=4)
    sel = objs[objs["peak"] < 0.5]  # unsaturated plate stars
    assert len(sel) >= 20
    back, _ = background(horsehead)
    f0, r0 = aperture_stats(horsehead, back, sel["x"], sel["y"])
    f1, r1 = aperture_stats(out, back, sel["x"], sel["y"])
    ok = (f0 > 0) & (f1 > 0)
    assert np.median(f1[ok] / f0[ok]) < 0.75  # measured 0.55
    assert np.median(r1[ok] / r0[ok]) < 0.98  # measured 0.94


def test_big_objects_are_not_treated_as_stars():
    y, x = np.mgrid[:200, :200]
    nebula = 0.1 + 0.5 * np.exp(-((x - 100) ** 2 + (y - 100) ** 2) / (2 * 25.0 ** 2))
    img = (nebula + np.random.default_rng(2).normal(0, 0.002, nebula.shape)).astype(np.float32)
    assert stars_mask(img).max() == 0
    assert np.array_equal(reduce_stars(img), img)


def test_colour_images_are_reduced_on_every_channel_through_one_mask():
    mono, _ = star_field(n=20, size=128)
    rgb = np.stack([mono, mono * 0.8, mono * 0.5], axis=-1)
    out = reduce_stars(rgb)
    assert out.shape == rgb.shape and out.dtype == np.float32
    changed = (out != rgb).any(axis=2)
    assert changed.any() and all((out[..., c] < rgb[..., c]).any() for c in range(3))


def test_nan_pixels_stay_nan_and_do_not_spread():
    img, _ = star_field(n=10, size=128)
    img[64, 10] = np.nan
    out = reduce_stars(img)
    assert np.isnan(out[64, 10]) and np.isnan(out).sum() == 1


def test_plugin_loads_from_the_folder_and_both_filters_run_guarded(horsehead):
    from editor.plugins.guarded_call import run_filter
    from editor.plugins.registry import Registry

    reg = Registry.discover(entry_points=[], folders=[Path(__file__).resolve().parents[2]])
    assert reg.plugin("nebulayer.stars").loaded
    assert reg.get("stars.mask").category == "mask"
    crop = horsehead[:300, :300]
    mask = run_filter(reg.get("stars.mask"), crop, reg.get("stars.mask").resolve({}), timeout=30)
    assert mask.shape == crop.shape and 0 <= mask.min() and mask.max() == pytest.approx(1.0)
    out = run_filter(reg.get("stars.reduce"), crop, reg.get("stars.reduce").resolve({"amount": 0.5}))
    assert np.all(out <= crop) and (out < crop).any()


def test_manifest_is_valid():
    from editor.plugins.manifest import validate_manifest

    m = validate_manifest(plugin_manifest())
    assert sorted(s.id for s in m.filters) == ["stars.mask", "stars.reduce"]
