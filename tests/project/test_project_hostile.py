"""Corrupt or hostile project files are refused with one clear ProjectError, touching nothing."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.errors import ProjectError
from editor.project.fits_store import fits_bytes


def _record(**over):
    rec = {"format": "nebulayer-project", "schema_version": 1, "app_version": "x",
           "canvas": {"width": 4, "height": 3},
           "sources": [{"id": "S1", "name": "s", "kind": "image", "shape": [3, 4],
                        "storage": "embedded", "file": "sources/S1.fits"}],
           "layers": [{"id": "L1", "type": "image", "name": "b", "visible": True, "opacity": 1.0,
                       "blend": "normal", "mask": None, "source": "S1", "offset": [0, 0]}],
           "snapshots": [], "metadata": {}}
    rec.update(over)
    return rec


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _valid_members(**over) -> dict[str, bytes]:
    return {"document.json": json.dumps(_record(**over)).encode(),
            "sources/S1.fits": fits_bytes(np.arange(12, dtype=np.float32).reshape(3, 4), "s")}


def _listing(folder: Path) -> dict:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture
def sandbox(tmp_path):
    """A folder inside another, so we can check nothing appears beside or above it."""
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "neighbour.txt").write_text("keep me")
    return inner


def _refused(path: Path, registry, match: str) -> None:
    root = path.parent.parent
    before = _listing(root)
    with pytest.raises(ProjectError, match=match) as info:
        Document.load(path, registry=registry)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert _listing(root) == before


def test_the_hand_made_valid_file_opens(sandbox, registry):
    doc = Document.load(_zip(sandbox / "ok.nebula", _valid_members()), registry=registry)
    assert np.array_equal(doc.render(), np.arange(12, dtype=np.float32).reshape(3, 4))


def test_bad_json_is_refused(sandbox, registry):
    path = _zip(sandbox / "bad.nebula", {"document.json": b'{"format": "nebulayer-project", '})
    _refused(path, registry, "not valid JSON")


def test_json_nan_and_non_object_are_refused(sandbox, registry):
    _refused(_zip(sandbox / "a.nebula", {"document.json": b"[1, 2]"}), registry, "not a Nebulayer")
    members = _valid_members()
    members["document.json"] = members["document.json"].replace(b'"opacity": 1.0', b'"opacity": NaN')
    _refused(_zip(sandbox / "b.nebula", members), registry, "not valid JSON")


def test_zip_slip_member_is_refused_and_nothing_is_written(sandbox, registry):
    members = _valid_members()
    members["../../evil.txt"] = b"pwned"
    path = _zip(sandbox / "slip.nebula", members)
    _refused(path, registry, "unsafe path")
    assert not (sandbox.parent.parent / "evil.txt").exists()
    members = _valid_members()
    members["/etc/evil"] = b"x"
    _refused(_zip(sandbox / "abs.nebula", members), registry, "unsafe path")


def test_huge_declared_image_is_refused_before_reading(sandbox, registry):
    rec = _record(sources=[{"id": "S1", "name": "s", "kind": "image", "shape": [100000, 100000, 3],
                            "storage": "embedded", "file": "sources/S1.fits"}])
    members = _valid_members()
    members["document.json"] = json.dumps(rec).encode()
    _refused(_zip(sandbox / "huge.nebula", members), registry, "memory budget")
    rec = _record(canvas={"width": 10**9, "height": 3})
    members["document.json"] = json.dumps(rec).encode()
    _refused(_zip(sandbox / "canvas.nebula", members), registry, "absurd")


def test_fits_member_declaring_other_dimensions_is_refused(sandbox, registry):
    members = _valid_members()
    members["sources/S1.fits"] = fits_bytes(np.zeros((30, 40), np.float32), "s")
    _refused(_zip(sandbox / "dims.nebula", members), registry, "declares|project says")


def test_newer_schema_is_refused_with_a_clear_message(sandbox, registry):
    members = _valid_members(schema_version=99)
    _refused(_zip(sandbox / "new.nebula", members), registry, r"newer Nebulayer \(schema 99")


def test_not_a_zip_is_refused(sandbox, registry):
    path = sandbox / "photo.nebula"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    _refused(path, registry, "not a valid zip")
    empty = sandbox / "empty.nebula"
    empty.write_bytes(b"")
    _refused(empty, registry, "not a valid zip")


def test_truncated_project_is_refused(sandbox, registry, make_doc):
    doc = make_doc()
    doc.add_adjustment("gain", factor=2.0)
    full = sandbox / "full.nebula"
    doc.save(full)
    data = full.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        part = sandbox / f"cut{cut}.nebula"
        part.write_bytes(data[:cut])
        _refused(part, registry, "zip|damaged")


def test_member_lying_about_its_size_is_refused(sandbox, registry):
    """A zip bomb declares a small size and inflates to a huge one: we never read past
    what the declared image needs, and the mismatch is reported."""
    members = _valid_members()
    members["sources/S1.fits"] = members["sources/S1.fits"] + bytes(20 * 1024**2)  # 20 MiB
    path = sandbox / "bomb.nebula"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("sources/S1.fits")
    raw = bytearray(path.read_bytes())
    lie = struct.pack("<I", 5760)  # declared uncompressed size: two FITS blocks
    raw[info.header_offset + 22: info.header_offset + 26] = lie
    name = b"sources/S1.fits"
    cd = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name))
    raw[cd + 24: cd + 28] = lie
    path.write_bytes(bytes(raw))
    _refused(path, registry, "S1.fits is damaged")
    members["sources/S1.fits"] = members["sources/S1.fits"][:2880 * 2]
    big = _zip(sandbox / "big.nebula", {**_valid_members(),
                                        "sources/S1.fits": bytes(2 * 1024**2)})
    _refused(big, registry, "declares")


def test_dangling_source_reference_and_bad_layer_are_refused(sandbox, registry):
    rec = _record()
    rec["layers"][0]["source"] = "S404"
    members = _valid_members()
    members["document.json"] = json.dumps(rec).encode()
    _refused(_zip(sandbox / "dangling.nebula", members), registry, "missing sources")
    rec = _record()
    rec["layers"][0]["blend"] = "explode"
    members["document.json"] = json.dumps(rec).encode()
    _refused(_zip(sandbox / "blend.nebula", members), registry, "damaged")


def test_missing_file_is_a_project_error(tmp_path, registry):
    with pytest.raises(ProjectError, match="not found"):
        Document.load(tmp_path / "nope.nebula", registry=registry)


def test_a_canvas_too_big_for_the_memory_budget_is_refused_on_opening(sandbox, registry):
    # 20000 x 20000 RGB float32 is 4.5 GiB a copy: within the size limits, not the budget
    rec = _record(canvas={"width": 20000, "height": 20000})
    members = _valid_members()
    members["document.json"] = json.dumps(rec).encode()
    path = _zip(sandbox / "wide.nebula", members)
    with pytest.raises(ProjectError, match="canvas.*memory budget"):
        Document.load(path, registry=registry, memory_budget=1024**3)
    assert Document.load(path, registry=registry, memory_budget=8 * 1024**3).width == 20000
