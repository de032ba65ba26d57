"""Golden renders: stored projects must keep rendering to their stored pixels.

Tolerance: |render - expected| <= 2e-5 + 1e-5 * |expected| per pixel (float32 rounding of a
reordered sum; any real change of a filter, mask or blend formula moves pixels by far more), and
NaN exactly where the expected render has NaN. When a change of pixels is intended, re-run
``python tests/golden/make_golden.py`` and commit the changed FITS files with the reason.

``schema/v<N>/`` holds projects written by earlier schema versions, never regenerated: every
schema change must keep loading them (through editor/project/migrations.py) to the same pixels.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor import Document

HERE = Path(__file__).resolve().parent
PROJECTS = HERE / "projects"
SCHEMA = HERE / "schema"
CASES = sorted(p.name.removesuffix(".nebula") for p in PROJECTS.glob("*.nebula"))
OLD_SCHEMA_FILES = sorted(SCHEMA.glob("v*/*.nebula"))


def _expected(name: str) -> np.ndarray:
    data = fits.getdata(PROJECTS / f"{name}.expected.fits").astype(np.float32)
    return np.moveaxis(data, 0, -1) if data.ndim == 3 else data


def _assert_matches(render: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert render.shape == expected.shape, f"{what}: shape {render.shape} != {expected.shape}"
    nan_r, nan_e = np.isnan(render), np.isnan(expected)
    assert np.array_equal(nan_r, nan_e), f"{what}: NaN pixels moved ({nan_r.sum()} vs {nan_e.sum()})"
    diff = np.abs(np.where(nan_e, 0, render) - np.where(nan_e, 0, expected))
    limit = 2e-5 + 1e-5 * np.abs(np.where(nan_e, 0, expected))
    worst = np.unravel_index(np.argmax(diff - limit), diff.shape)
    assert np.all(diff <= limit), (
        f"{what}: {int((diff > limit).sum())} pixels differ, worst {diff[worst]:.3g} at {worst}")


def _document_json(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("document.json"))


def _walk(layers: list[dict]):
    for layer in layers:
        yield layer
        yield from _walk(layer.get("children") or [])


@pytest.mark.parametrize("name", CASES)
def test_golden_project_renders_to_its_stored_pixels(name: str) -> None:
    doc = Document.load(PROJECTS / f"{name}.nebula")
    _assert_matches(np.asarray(doc.render(), np.float32), _expected(name), name)


@pytest.mark.parametrize("path", OLD_SCHEMA_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_project_saved_by_an_earlier_schema_still_loads_to_the_same_pixels(path: Path) -> None:
    doc = Document.load(path)
    _assert_matches(np.asarray(doc.render(), np.float32), _expected(path.stem), str(path))


def test_stored_schema_fixtures_cover_the_current_schema_version() -> None:
    """A schema bump must add fixtures of the new version (and keep the old ones loading)."""
    from editor.project.schema import SCHEMA_VERSION

    versions = {int(p.parent.name[1:]) for p in OLD_SCHEMA_FILES}
    assert versions >= set(range(1, SCHEMA_VERSION + 1)), (
        f"tests/golden/schema has versions {sorted(versions)}; copy a few projects written by "
        f"schema {SCHEMA_VERSION} (tests/golden/projects after make_golden.py) into "
        f"tests/golden/schema/v{SCHEMA_VERSION}/")
    for path in OLD_SCHEMA_FILES:
        assert _document_json(path)["schema_version"] == int(path.parent.name[1:]), path


def test_golden_cases_cover_every_layer_kind_mask_kind_blend_mode_and_adjustment() -> None:
    from editor.core.layers import BLEND_MODES
    from editor.plugins.registry import get_registry

    layer_types, mask_kinds, blends, adjustments = set(), set(), set(), set()
    for name in CASES:
        for layer in _walk(_document_json(PROJECTS / f"{name}.nebula")["layers"]):
            layer_types.add(layer["type"])
            blends.add(layer.get("blend", "normal"))
            if layer["type"] == "adjustment":
                adjustments.add(layer["kind"])
            mask = layer.get("mask")
            if mask:
                mask_kinds.add(mask["kind"] if mask["type"] == "generated" else mask["type"])
    builtin = [s for s in get_registry().specs() if s.source == "builtin"]
    want_masks = {s.id for s in builtin if s.category == "mask"} | {"raster"}
    want_adjustments = {s.id for s in builtin if s.category == "adjustment"}
    assert {"image", "adjustment", "channel_combine", "group"} <= layer_types, layer_types
    assert want_masks <= mask_kinds, f"no golden case for masks {sorted(want_masks - mask_kinds)}"
    assert set(BLEND_MODES) <= blends, f"no golden case for blends {sorted(set(BLEND_MODES) - blends)}"
    assert want_adjustments <= adjustments, (
        f"no golden case for adjustments {sorted(want_adjustments - adjustments)}")
