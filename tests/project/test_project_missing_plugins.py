"""Projects made with plugins that are not installed on this machine: what is recorded, what
the user is told, how such layers render, and that nothing of the recipe is lost."""

from __future__ import annotations

import json
import zipfile

import numpy as np

from editor.core.document import Document
from editor.core.masks import GeneratedMask
from editor.plugins.registry import Registry
from editor.render.cache import RenderCache


def _without_the_mask_plugin() -> Registry:
    """A machine where 'gain' comes from another plugin and 'bright_mask' from none."""
    from nebula_test_registry import gain
    from filters.registry import FilterSpec, Param

    reg = Registry()
    reg.add_manifest({"id": "other.ops", "name": "other", "version": "2.0", "filters": [
        FilterSpec("gain", "Gain", gain, (Param("factor", "float", 1.0, min=0, max=100),))]},
        "test")
    return reg


def _mask_record(path, lid):
    with zipfile.ZipFile(path) as zf:
        layers = json.loads(zf.read("document.json"))["layers"]
    return next(l for l in layers if l["id"] == lid)["mask"]


def _masked_doc(make_doc):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.4}, feather=1.5))
    return doc, lid


def test_a_generated_mask_records_the_plugin_that_made_it(make_doc, registry, tmp_path):
    doc, lid = _masked_doc(make_doc)
    mask = doc.layer(lid).mask
    assert (mask.plugin_id, mask.plugin_version) == registry.provenance("bright_mask") == ("test.ops", "1.0")
    doc.save(tmp_path / "m.nebula")
    saved = _mask_record(tmp_path / "m.nebula", lid)
    assert (saved["plugin_id"], saved["plugin_version"]) == ("test.ops", "1.0")


def test_a_mask_whose_plugin_is_missing_skips_its_layer_names_the_plugin_and_is_kept(
        make_doc, rgb, tmp_path):
    from nebula_test_registry import make_registry

    doc, lid = _masked_doc(make_doc)
    with_mask = doc.render()
    doc.save(tmp_path / "m.nebula")
    before = _mask_record(tmp_path / "m.nebula", lid)

    opened = Document.load(tmp_path / "m.nebula", registry=_without_the_mask_plugin(),
                           cache=RenderCache(1 << 28))
    layer = opened.layer(lid)
    assert not layer.unavailable
    expected = "'bright_mask' needs plugin 'test.ops' 1.0, which is not installed"
    assert expected in layer.error  # told on opening, before any render
    out = opened.render()
    # The documented choice: the whole layer is skipped (as for a missing adjustment), never
    # applied unmasked where the user had excluded it.
    assert np.array_equal(out, rgb)
    assert expected in layer.error and "mask" in layer.error
    opened.save(tmp_path / "kept.nebula")
    assert _mask_record(tmp_path / "kept.nebula", lid) == before

    back = Document.load(tmp_path / "kept.nebula", registry=make_registry()[0],
                         cache=RenderCache(1 << 28))
    assert np.array_equal(back.render(), with_mask)
    assert back.layer(lid).error is None


def test_editing_a_missing_mask_recipe_says_what_to_install(make_doc, tmp_path):
    import pytest

    from editor.errors import DocumentError

    doc, lid = _masked_doc(make_doc)
    doc.save(tmp_path / "m.nebula")
    opened = Document.load(tmp_path / "m.nebula", registry=Registry(), cache=RenderCache(1 << 28))
    with pytest.raises(DocumentError, match="needs plugin 'test.ops' 1.0, which is not installed"):
        opened.set_mask_props(lid, params={"threshold": 0.2})
    opened.set_mask_props(lid, invert=True)  # the finishing controls stay editable
    assert opened.layer(lid).mask.invert


def test_projects_from_before_mask_provenance_still_open(make_doc, tmp_path):
    """Older files have no plugin fields on masks: they open as built-in and keep working."""
    doc, lid = _masked_doc(make_doc)
    with_mask = doc.render()
    doc.save(tmp_path / "m.nebula")
    with zipfile.ZipFile(tmp_path / "m.nebula") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    data = json.loads(members["document.json"])
    for layer in data["layers"]:
        if layer.get("mask"):
            del layer["mask"]["plugin_id"], layer["mask"]["plugin_version"]
    members["document.json"] = json.dumps(data).encode()
    with zipfile.ZipFile(tmp_path / "old.nebula", "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    from nebula_test_registry import make_registry

    old = Document.load(tmp_path / "old.nebula", registry=make_registry()[0],
                        cache=RenderCache(1 << 28))
    assert old.layer(lid).mask.plugin_id == "builtin"
    assert np.array_equal(old.render(), with_mask)
