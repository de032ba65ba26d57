"""Plugin layers inside documents: provenance saved, missing plugins kept, crashes contained."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.plugins.registry import Registry, using_registry

Document = pytest.importorskip("editor.core.document", reason="editor.core not written yet").Document
pytest.importorskip("editor.project.archive", reason="project files not written yet")

REPO = Path(__file__).resolve().parents[2]
IMG = np.random.default_rng(0).random((24, 32), dtype=np.float32) * 0.5


def registry_with(make_folder_plugin, body: str | None = None, *, name: str = "brighter") -> Registry:
    folder = make_folder_plugin(name, body, pid="club.brighter", fid="club.brighten", version="1.4")
    reg = Registry.discover(folders=[folder])
    assert reg.plugin("club.brighter").loaded, reg.plugin("club.brighter").error
    return reg


def layer_json(path: Path, layer_id: str) -> dict:
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("document.json"))

    def walk(layers):
        for layer in layers:
            if layer.get("id") == layer_id:
                return layer
            found = walk(layer.get("children", []))
            if found:
                return found
        return None

    return walk(doc["layers"])


def test_a_plugin_layer_records_the_plugin_and_its_version(make_folder_plugin, tmp_path):
    reg = registry_with(make_folder_plugin)
    with using_registry(reg):
        doc = Document.from_image(IMG)
        lid = doc.add_adjustment("club.brighten", amount=0.25)
        layer = doc.layer(lid)
        assert (layer.plugin_id, layer.plugin_version) == reg.provenance("club.brighten") == ("club.brighter", "1.4")
        assert np.allclose(doc.render(), IMG + 0.25)
        doc.save(tmp_path / "p.nebula")
    saved = layer_json(tmp_path / "p.nebula", lid)
    assert saved["plugin_id"] == "club.brighter" and saved["plugin_version"] == "1.4"


def test_a_project_whose_plugin_is_missing_round_trips_unchanged(make_folder_plugin, tmp_path):
    reg = registry_with(make_folder_plugin)
    with using_registry(reg):
        doc = Document.from_image(IMG)
        lid = doc.add_adjustment("club.brighten", amount=0.25)
        doc.save(tmp_path / "with.nebula")
    before = layer_json(tmp_path / "with.nebula", lid)

    without = Registry.discover(folders=[])  # the same machine after uninstalling the plugin
    assert without.get("club.brighten") is None
    with using_registry(without):
        doc2 = Document.load(tmp_path / "with.nebula")
        layer = doc2.layer(lid)
        assert layer.kind == "club.brighten" and layer.params == {"amount": 0.25}
        out = doc2.render()  # must not raise
        assert np.array_equal(out, IMG) or np.allclose(out, IMG)  # pass-through
        assert layer.unavailable and layer.error and "club.brighten" in layer.error
        doc2.save(tmp_path / "without.nebula")
    assert layer_json(tmp_path / "without.nebula", lid) == before

    with using_registry(reg):  # reinstalled: the edit is back, identical
        doc3 = Document.load(tmp_path / "without.nebula")
        assert np.allclose(doc3.render(), IMG + 0.25)
        assert not doc3.layer(lid).unavailable


CRASHING = '''
from filters.registry import FilterSpec, Param

def brighten(img, *, progress=None, amount=0.1):
    raise ZeroDivisionError("plugin bug")

def plugin_manifest():
    return {"id": "club.brighter", "name": "Crashy", "version": "1.4",
            "filters": [FilterSpec(id="club.brighten", name="Crashy", func=brighten,
                                   params=(Param("amount", "float", 0.1),))]}
'''

WRONG_SHAPE = CRASHING.replace('raise ZeroDivisionError("plugin bug")', "return img[:-1]")


@pytest.mark.parametrize("body, message", [(CRASHING, "ZeroDivisionError: plugin bug"),
                                           (WRONG_SHAPE, "shape")])
def test_a_misbehaving_plugin_does_not_take_the_render_down(make_folder_plugin, body, message):
    reg = registry_with(make_folder_plugin, body)
    with using_registry(reg):
        doc = Document.from_image(IMG)
        lid = doc.add_adjustment("club.brighten", amount=0.25)
        state = doc.to_dict()
        out = doc.render()
        assert np.allclose(out, IMG)  # the layer is passed through
        layer = doc.layer(lid)
        assert layer.error and message in layer.error and "club.brighter" in layer.error
        assert doc.to_dict() == state  # the document itself is not changed


def example_registry() -> Registry:
    reg = Registry.discover(folders=[REPO / "plugins"])
    for pid in ("nebulayer.wavelets", "nebulayer.stars", "nebulayer.flatfield"):
        assert reg.plugin(pid).loaded, reg.plugin(pid).error
    return reg


@pytest.mark.parametrize("kind, params", [
    ("wavelets.sharpen", {"layers": 5, "gain1": 2.0, "gain3": 1.5}),
    ("stars.reduce", {"amount": 0.8}),
    ("flatfield.vignetting", {"order": 2}),
])
def test_example_plugins_render_in_a_document_and_regions_match_the_full_render(horsehead, kind, params):
    with using_registry(example_registry()):
        doc = Document.from_image(horsehead[:256, :320])
        lid = doc.add_adjustment(kind, **params)
        # the region first, so it cannot be cut from a cached full render: it needs the
        # plugin's declared halo (wavelets) or whole-image flag (stars, flat) to be right
        region = doc.render(region=(100, 60, 80, 70))
        full = doc.render()
        assert doc.layer(lid).error is None
        spec = doc.registry.get(kind)
        assert np.allclose(full, spec.func(horsehead[:256, :320], **spec.resolve(params)), atol=1e-6)
        assert np.allclose(region, full[60:130, 100:180], atol=1e-5)


def _doc_with_star_mask(horsehead):
    from editor.core.masks import GeneratedMask

    doc = Document.from_image(horsehead[:200, :200])
    lid = doc.add_adjustment("wavelets.sharpen", gain1=2.0)
    doc.set_mask(lid, GeneratedMask("stars.mask", {"threshold": 6.0}))
    return doc, lid


def test_a_plugin_mask_survives_a_round_trip_without_its_plugin(horsehead, tmp_path):
    with using_registry(example_registry()):
        doc, lid = _doc_with_star_mask(horsehead)
        assert doc.layer(lid).error is None and doc.render().shape == (200, 200)
        doc.save(tmp_path / "m.nebula")
    before = layer_json(tmp_path / "m.nebula", lid)
    with using_registry(Registry.discover(folders=[])):
        doc2 = Document.load(tmp_path / "m.nebula")
        doc2.render()  # must not raise
        assert doc2.layer(lid).error
        doc2.save(tmp_path / "m2.nebula")
    assert layer_json(tmp_path / "m2.nebula", lid) == before


def test_a_plugin_mask_records_the_plugin_and_its_version(horsehead, tmp_path):
    with using_registry(example_registry()):
        doc, lid = _doc_with_star_mask(horsehead)
        doc.save(tmp_path / "m.nebula")
    saved = layer_json(tmp_path / "m.nebula", lid)["mask"]
    assert (saved.get("plugin_id"), saved.get("plugin_version")) == ("nebulayer.stars", "1.0.0")
