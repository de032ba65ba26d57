"""Every registered operation: schema sanity, defaults run, float32 of the right shape,
NaN-safe, input untouched."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import filters
from filters.registry import FilterSpec

SPECS = filters.builtin_specs()
REQUIRED = {
    "adjustment": {"levels", "curves", "brightness_contrast", "auto_stretch", "asinh_stretch",
                   "ghs", "highpass", "gaussian_blur", "extract_background", "saturation",
                   "neutralize_background"},
    "mask": {"contrast_mask", "local_contrast_mask", "luminance_range_mask", "star_mask"},
}


def small_image(channels: int, nan: bool = False) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:96, :128] / 128.0
    base = 0.05 + 0.1 * xx + 0.02 * rng.standard_normal((96, 128))
    base[40:43, 60:63] += 0.8  # a star
    img = np.repeat(base[..., None], channels, axis=2) * np.linspace(1, 0.8, channels)
    img = img.astype(np.float32)
    if nan:
        img[10:14, 20:30] = np.nan
    return img if channels > 1 else img[..., 0]


def test_required_ids_are_registered_in_their_category():
    for category, ids in REQUIRED.items():
        got = {s.id for s in SPECS if s.category == category}
        assert ids <= got, ids - got


def test_manifest_lists_the_builtins():
    manifest = filters.plugin_manifest()
    assert [s.id for s in manifest["filters"]] == [s.id for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_schema_is_complete_and_defaults_validate(spec: FilterSpec):
    assert spec.name and spec.doc and spec.func.__doc__
    for p in spec.params:
        assert p.label, f"{spec.id}.{p.name} has no label"
        if p.kind in ("float", "int"):
            assert p.min is not None and p.max is not None and p.min <= p.default <= p.max
        if p.kind == "choice":
            assert p.default in p.choices
    assert spec.resolve({}) == spec.defaults()
    radius_like = {"radius", "sigma", "blur", "grow", "feather"}
    for p in spec.params:
        if p.name in radius_like and p.unit == "px":
            assert p.spatial, f"{spec.id}.{p.name} is a pixel length and must be spatial"


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_defaults_run_and_return_float32_of_the_right_shape(spec: FilterSpec, channels: int):
    img = small_image(channels)
    img.flags.writeable = False  # the engine hands over read-only sources
    calls = []
    out = spec.func(img, progress=calls.append, **spec.defaults())
    assert out.dtype == np.float32
    expected = img.shape[:2] if spec.category == "mask" else img.shape
    assert out.shape == expected
    assert np.isfinite(out).all()
    if spec.category == "mask":
        assert out.min() >= 0 and out.max() <= 1
    assert all(0 <= f <= 1 for f in calls)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_missing_pixels_stay_missing_and_do_not_spread(spec: FilterSpec):
    img = small_image(3, nan=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning spam (RuntimeWarning from NaN) either
        out = spec.func(img, **spec.defaults())
    hole = np.zeros(img.shape[:2], bool)
    hole[10:14, 20:30] = True
    if spec.category == "mask":
        assert np.isfinite(out).all() and (out[hole] == 0).all()
    else:
        assert np.isnan(out[hole]).all()
        assert np.isfinite(out[~hole]).all()
