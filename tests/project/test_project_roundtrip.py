"""Saving and re-opening projects renders bit-identically; references, recovery, plugins."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.masks import GeneratedMask
from editor.errors import ProjectError
from editor.render.cache import RenderCache

GC = ("fits/multiband_gc/gc_2mass_k.fits", "fits/multiband_gc/gc_2mass_h.fits",
      "fits/multiband_gc/gc_2mass_j.fits")


def _real_registry():
    """The installed registry if the built-ins this test needs exist yet, else None."""
    from editor.plugins.registry import get_registry

    reg = get_registry()
    if reg.get("levels") is None or not reg.specs("mask"):
        return None
    return reg


def _build(shared_data: Path, registry, cache) -> Document:
    k, h, j = (shared_data / p for p in GC)
    doc = Document.from_image(k, registry=registry, cache=cache)
    cc = doc.add_channel_combine({"R": k, "G": h, "B": j}, mode="rgb", align=False, name="KHJ")
    doc.set_layer_props(cc, offsets={"R": (0.25, -0.5), "G": (0.0, 0.0), "B": (-0.4, 0.3)},
                        opacity=0.8)
    if registry.get("levels") is not None:  # the real built-ins
        lid = doc.add_adjustment("levels", black=0.0005, midtone=1.6, white=0.9)
        mask_spec = registry.get("contrast_mask") or registry.specs("mask")[0]
        doc.set_mask(lid, GeneratedMask(mask_spec.id, {}, feather=2.0, black=0.05))
    else:
        lid = doc.add_adjustment("lift", black=0.002, white=0.8)
        doc.set_mask(lid, GeneratedMask("bright_mask", {"threshold": 0.01}, feather=2.0, black=0.05))
    doc.set_layer_props(lid, opacity=0.9)
    return doc


@pytest.mark.parametrize("which", ["test_ops", "builtins"])
def test_layered_document_renders_bit_identically_after_save_and_load(
        shared_data, registry, tmp_path, which):
    reg = registry if which == "test_ops" else _real_registry()
    if reg is None:
        pytest.skip("built-in levels / mask filters are not installed yet")
    doc = _build(shared_data, reg, RenderCache(1 << 30))
    before = doc.render()
    preview = doc.render(scale=0.25)
    assert before.shape == (720, 721, 3) and np.isfinite(before).all()
    assert all(l.error is None for l in doc.all_layers()), [l.error for l in doc.all_layers()]
    path = tmp_path / "gc.nebula"
    doc.save(path)
    assert doc.path == str(path) and not doc.dirty
    again = Document.load(path, registry=reg, cache=RenderCache(1 << 30))  # no shared cache hits
    assert [l.to_dict() for l in again.layers] == [l.to_dict() for l in doc.layers]
    assert np.array_equal(again.render(), before)
    assert np.array_equal(again.render(scale=0.25), preview)
    assert again.sources[again.layers[0].source_id].meta.header.get("NAXIS1") == 721


def test_project_is_a_zip_of_readable_json_and_fits(make_doc, tmp_path):
    doc = make_doc()
    doc.add_adjustment("gain", factor=2.0)
    doc.take_snapshot("Original")
    doc.save(tmp_path / "p.nebula")
    with zipfile.ZipFile(tmp_path / "p.nebula") as zf:
        record = json.loads(zf.read("document.json"))
        names = zf.namelist()
    assert record["schema_version"] == 1 and record["format"] == "nebulayer-project"
    assert record["layers"][1]["kind"] == "gain" and record["layers"][1]["params"] == {"factor": 2.0}
    assert record["snapshots"][0]["name"] == "Original"
    assert [n for n in names if n.endswith(".fits")] == [record["sources"][0]["file"]]


def test_missing_plugin_layer_round_trips_unchanged(make_doc, tmp_path):
    from nebula_test_registry import make_registry

    doc = make_doc()
    base = doc.render()
    lid = doc.add_adjustment("gain", factor=2.5)
    full = doc.render()
    doc.save(tmp_path / "a.nebula")
    from editor.plugins.registry import Registry

    poorer = Registry()  # a machine without the plugin
    opened = Document.load(tmp_path / "a.nebula", registry=poorer, cache=RenderCache(1 << 28))
    layer = opened.layer(lid)
    assert layer.unavailable
    assert "'gain' needs plugin 'test.ops' 1.0, which is not installed" in layer.error
    assert layer.params == {"factor": 2.5}
    assert np.array_equal(opened.render(), base)  # pass-through
    opened.save(tmp_path / "b.nebula")
    richer, _ = make_registry()
    back = Document.load(tmp_path / "b.nebula", registry=richer, cache=RenderCache(1 << 28))
    assert not back.layer(lid).unavailable and back.layer(lid).params == {"factor": 2.5}
    assert np.array_equal(back.render(), full)


def test_referenced_sources_are_checked_by_sha256(shared_data, registry, tmp_path):
    original = tmp_path / "m51.fits"
    shutil.copyfile(shared_data / "fits/m51_kpno_b_int16.fits", original)
    doc = Document.from_image(original, registry=registry, cache=RenderCache(1 << 28))
    doc.add_adjustment("gain", factor=0.5)
    out = doc.render()
    doc.save(tmp_path / "ref.nebula", embed_sources=False)
    with zipfile.ZipFile(tmp_path / "ref.nebula") as zf:
        rec = json.loads(zf.read("document.json"))["sources"][0]
        assert rec["storage"] == "reference" and len(rec["sha256"]) == 64
        assert not any(n.endswith(".fits") for n in zf.namelist())
    assert np.array_equal(Document.load(tmp_path / "ref.nebula", registry=registry).render(), out)
    data = bytearray(original.read_bytes())
    data[-10] ^= 0xFF
    original.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="not the file the project was saved with") as changed:
        Document.load(tmp_path / "ref.nebula", registry=registry)
    original.unlink()
    with pytest.raises(ProjectError) as missing:
        Document.load(tmp_path / "ref.nebula", registry=registry)
    original.mkdir()  # exists but unreadable as an image
    with pytest.raises(ProjectError) as unreadable:
        Document.load(tmp_path / "ref.nebula", registry=registry)
    # The same words whatever went wrong: no oracle for whether a file exists.
    assert str(changed.value) == str(missing.value) == str(unreadable.value)


def test_a_saved_recovery_copy_opened_as_a_file_saves_back_onto_itself(make_doc, tmp_path):
    """Where a copy came from is known only to the recovery folder, never to the file."""
    doc = make_doc()
    doc.save(tmp_path / "work.nebula")
    doc.add_adjustment("gain", factor=3.0)
    doc.save_recovery(tmp_path / "work.recovery.nebula")
    assert doc.path == str(tmp_path / "work.nebula") and doc.dirty
    with zipfile.ZipFile(tmp_path / "work.recovery.nebula") as zf:
        record = json.loads(zf.read("document.json"))
    assert "original_path" not in record and "recovery" not in record
    rec = Document.load(tmp_path / "work.recovery.nebula", registry=doc.registry)
    assert rec.path == str(tmp_path / "work.recovery.nebula") and not rec.dirty
    assert np.array_equal(rec.render(), doc.render())

def test_failed_save_leaves_the_previous_file_intact(make_doc, tmp_path, monkeypatch):
    doc = make_doc()
    path = tmp_path / "keep.nebula"
    doc.save(path)
    good = path.read_bytes()
    doc.add_adjustment("gain", factor=2.0)

    def explode(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("editor.project.archive.fits_buffer", explode)
    from editor.errors import ImageWriteError

    with pytest.raises(ImageWriteError, match="No space"):
        doc.save(path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.nebula"]
    assert doc.dirty


def test_mask_and_snapshot_pixels_survive_the_round_trip(make_doc, tmp_path):
    doc = make_doc()
    lid = doc.add_adjustment("gain", factor=2.0)
    doc.paint_mask(lid, {"points": [(5, 5), (60, 40)], "size": 10, "hardness": 0.3, "value": 0})
    painted = doc.render_mask(lid)
    sid = doc.take_snapshot("painted")
    doc.set_mask(lid, None)
    doc.save(tmp_path / "m.nebula")
    back = Document.load(tmp_path / "m.nebula", registry=doc.registry)
    assert np.array_equal(back.render(snapshot=sid), doc.render(snapshot=sid))
    back.restore_snapshot(sid)
    assert np.array_equal(back.render_mask(lid), painted) and painted.min() == 0.0


def _versioned_registry(version: int):
    """The test ops plus a 'gain' whose version 2 renamed 'factor' to 'amount'."""
    from nebula_test_registry import gain, make_registry

    from filters.registry import FilterSpec, Param

    reg, _ = make_registry()
    if version == 2:
        def gain2(img, *, progress=None, amount=1.0):
            return gain(img, factor=amount)

        def migrate(old_version, params):
            return {"amount": params.get("factor", 1.0)}

        reg._filters["gain"] = FilterSpec("gain", "Gain", gain2,
                                          (Param("amount", "float", 1.0, min=0, max=100),),
                                          version=2, migrate=migrate, source="test.ops")
    return reg


def test_older_filter_parameters_are_migrated_on_load(make_doc, tmp_path):
    doc = make_doc(registry=_versioned_registry(1))
    lid = doc.add_adjustment("gain", factor=3.0)
    out = doc.render()
    doc.save(tmp_path / "v1.nebula")
    newer = Document.load(tmp_path / "v1.nebula", registry=_versioned_registry(2),
                          cache=RenderCache(1 << 28))
    layer = newer.layer(lid)
    assert layer.params == {"amount": 3.0} and layer.kind_version == 2 and not layer.unavailable
    assert np.array_equal(newer.render(), out)


def test_parameters_from_a_newer_filter_version_are_kept_not_guessed(make_doc, tmp_path):
    doc = make_doc(registry=_versioned_registry(2))
    lid = doc.add_adjustment("gain", amount=2.0)
    base = doc.render(upto=doc.layers[0].id)
    doc.save(tmp_path / "v2.nebula")
    older = Document.load(tmp_path / "v2.nebula", registry=_versioned_registry(1),
                          cache=RenderCache(1 << 28))
    layer = older.layer(lid)
    assert layer.unavailable and "newer version" in layer.error
    assert layer.params == {"amount": 2.0}
    assert np.array_equal(older.render(), base)


def test_embedded_fits_pass_fitsverify(make_doc, tmp_path):
    import subprocess

    if shutil.which("fitsverify") is None:
        pytest.skip("fitsverify is not installed")
    doc = make_doc()
    lid = doc.add_adjustment("gain")
    doc.paint_mask(lid, {"points": [(3, 3)], "size": 5, "value": 0.0})
    doc.save(tmp_path / "v.nebula")
    with zipfile.ZipFile(tmp_path / "v.nebula") as zf:
        names = [n for n in zf.namelist() if n.endswith(".fits")]
        assert len(names) == 2
        for n in names:
            (tmp_path / Path(n).name).write_bytes(zf.read(n))
    for n in names:
        res = subprocess.run(["fitsverify", "-q", str(tmp_path / Path(n).name)],
                             capture_output=True, text=True)
        assert res.returncode == 0 and "verification OK" in res.stdout, res.stdout + res.stderr


def test_referenced_images_inside_the_project_folder_move_with_it(tmp_path):
    """A project saved next to its images keeps working when the whole folder moves."""
    import shutil

    from editor import Document, export_image

    folder = tmp_path / "M42"
    folder.mkdir()
    pixels = np.linspace(0, 1, 48 * 64, dtype=np.float32).reshape(48, 64)
    export_image(pixels, folder / "stack.fits")
    doc = Document.from_image(folder / "stack.fits")
    doc.add_adjustment("levels", midtone=0.5)
    expected = doc.render()
    doc.save(folder / "edit.nebula", embed_sources=False)
    moved = tmp_path / "archive" / "M42"
    shutil.move(str(folder), str(moved))
    reopened = Document.load(moved / "edit.nebula")
    assert np.array_equal(reopened.render(), expected)
    assert Path(next(iter(reopened.sources.values())).path) == moved / "stack.fits"
