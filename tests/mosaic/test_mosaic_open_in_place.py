"""Big mosaic panels of a project are mapped where they lie in the .nebula file (issue 13: at
1 GP the former conversion into a second mapped copy took 13.5 GB of temporary disk and
80-90 s before anything showed). The file is hostile: offsets and sizes are checked against
the file itself, odd members are copied as before (the reason logged), and a damaged member,
whose CRC the copy used to check on the way, fails its mosaic layer in one line once the
background check has read it."""

from __future__ import annotations

import copy
import logging
import mmap
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.errors import ProjectError
from editor.mosaic.layer import add_mosaic_layer
from editor.mosaic.plan import MosaicPlan, PanelParams
from editor.mosaic.transforms import canvas_bbox
from editor.mosaic import checks
from editor.project import member_map
from editor.render.cache import RenderCache

SHAPE = (300, 420)


def _panels(rgb: bool) -> tuple[list[np.ndarray], MosaicPlan]:
    rng = np.random.default_rng(11)
    panels, params = [], []
    for k, (dy, dx, rot) in enumerate([(0.0, 0.0, 0.0), (10.0, 380.0, 1.5), (250.0, 150.0, -2.0)]):
        d = rng.random(SHAPE + ((3,) if rgb else ()), dtype=np.float32) * np.float32(1 + k)
        d[100:104, 200:260] = np.nan
        if rgb:
            d[..., 1] *= np.float32(0.5)  # channels differ: a plane mix-up would show
        t = {"kind": "similarity", "scale": 1.0, "rotation_deg": rot, "dx": dx, "dy": dy}
        panels.append(d)
        params.append(PanelParams(name=f"p{k}", transform=t, shape=SHAPE, gain=[1.0] * 3,
                                  offset=[0.0] * 3, gradient=[[0.0, 0.0]] * 3,
                                  bbox=canvas_bbox(t, SHAPE, None)))
    return panels, MosaicPlan(shape=(560, 820), panels=params)


def _save(tmp_path: Path, rgb: bool = True, image_layer: bool = False) -> Path:
    panels, plan = _panels(rgb)
    doc = Document(820, 560, cache=RenderCache(0))
    add_mosaic_layer(doc, panels, plan.to_dict())
    if image_layer:  # the first panel's source also shown as an image layer
        from editor.core.layers import ImageLayer

        sid = doc.layers[0].panels[0]["source"]
        doc.layers.append(ImageLayer(name="also", source_id=sid))
    path = tmp_path / "m.nebula"
    doc.save(path)
    return path


@pytest.fixture
def small_maps(monkeypatch, tmp_path):
    monkeypatch.setenv("NEBULAYER_MAP_MIN", str(64 * 1024))  # these panels are 0.5-1.5 MB
    monkeypatch.setenv("NEBULAYER_MAP_DIR", str(tmp_path))


def _in_place(a: np.ndarray) -> bool:
    while a is not None and not isinstance(a, mmap.mmap):
        a = a.base
    return a is not None


def _mapped_files() -> str:
    return Path("/proc/self/maps").read_text()


def _renders(doc: Document) -> list[np.ndarray]:
    return [np.asarray(doc.render(scale=s)) for s in (1.0, 1 / 3, 1 / 8, 1 / 12, 1 / 21)]


@pytest.mark.parametrize("rgb", [True, False])
def test_mosaic_panels_are_mapped_from_the_project_file_and_render_as_converted_ones(
        tmp_path, small_maps, monkeypatch, rgb):
    path = _save(tmp_path, rgb)
    doc = Document.load(path, tiled=True, cache=RenderCache(0))
    srcs = list(doc.sources.values())
    assert len(srcs) == 3
    for s in srcs:
        assert s.pixels.dtype == np.dtype(">f4") and _in_place(s.pixels)
        assert not s.pixels.flags.writeable
        assert s.pixels.shape == SHAPE + ((3,) if rgb else ())
    assert str(path) in _mapped_files()
    got = _renders(doc)
    order = [doc.sources[p["source"]] for p in doc.layers[0].panels]
    for s, want in zip(order, _panels(rgb)[0]):  # the very pixels saved
        assert np.array_equal(np.asarray(s.pixels), want, equal_nan=True)
    assert all(checks.wait_checked(s.pixels) == "" for s in srcs)
    monkeypatch.setattr(member_map, "map_member_in_place", lambda *a: None)  # the former way
    old = Document.load(path, tiled=True, cache=RenderCache(0))
    assert all(s.pixels.dtype == np.float32 for s in old.sources.values())
    for a, b in zip(got, _renders(old)):
        assert a.tobytes() == b.tobytes()


def test_a_panel_source_also_used_by_an_image_layer_is_converted_as_before(tmp_path, small_maps):
    path = _save(tmp_path, image_layer=True)
    doc = Document.load(path, tiled=True, cache=RenderCache(0))
    shared = doc.layers[0].panels[0]["source"]
    for sid, s in doc.sources.items():
        assert (s.pixels.dtype == np.float32) == (sid == shared), sid


def _rewrite(path: Path, member: str, compress: int) -> None:
    """The project again with ``member`` stored with ``compress``."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", allowZip64=True) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info),
                         compress_type=compress if info.filename == member else info.compress_type)
    shutil.move(tmp, path)


def test_a_compressed_panel_is_copied_with_the_reason_logged(tmp_path, small_maps, caplog):
    path = _save(tmp_path)
    with zipfile.ZipFile(path) as zf:
        member = next(i.filename for i in zf.infolist() if i.filename.endswith(".fits"))
    _rewrite(path, member, zipfile.ZIP_DEFLATED)
    with caplog.at_level(logging.INFO, logger="editor.project.member_map"):
        doc = Document.load(path, tiled=True, cache=RenderCache(0))
    assert "compressed member" in caplog.text and member in caplog.text
    kinds = sorted(str(s.pixels.dtype) for s in doc.sources.values())
    assert kinds == [">f4", ">f4", "float32"]
    np.asarray(doc.render(scale=1 / 4))


def _tampered(path: Path, **change) -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as zf:
        info = copy.copy(next(i for i in zf.infolist() if i.filename.endswith(".fits")))
    for k, v in change.items():
        setattr(info, k, v)
    return info


def test_offsets_and_sizes_that_point_outside_the_member_or_the_file_are_never_mapped(
        tmp_path, small_maps, caplog):
    path = _save(tmp_path)
    size = path.stat().st_size
    shape = SHAPE + (3,)
    cases = {
        "local header outside the file": dict(header_offset=size + 100),
        "bad local header": dict(header_offset=3),
        "member runs past the end of the file": dict(file_size=size, compress_size=size),
        "sizes disagree": dict(compress_size=12),
        "encrypted member": dict(flag_bits=1),
        "local header names another member": dict(orig_filename="sources/other.fits"),
    }
    with caplog.at_level(logging.INFO, logger="editor.project.member_map"):
        for reason, change in cases.items():
            caplog.clear()
            assert member_map.map_member_in_place(path, _tampered(path, **change), shape) is None
            assert reason in caplog.text, reason
        good = _tampered(path)
        for wrong in ((300, 421, 3), (301, 420, 3), (300, 420), (10**6, 10**6, 3)):
            caplog.clear()  # the project's shape is not the member's: copied, and refused there
            assert member_map.map_member_in_place(path, good, wrong) is None
            assert "the project says" in caplog.text or "truncated" in caplog.text
        assert member_map.map_member_in_place(path, good, shape) is not None


def test_a_fits_header_that_does_not_describe_plain_float32_pixels_is_copied(tmp_path, small_maps,
                                                                            caplog):
    path = _save(tmp_path)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"BITPIX  =                  -32")
    raw[at:at + 30] = b"BITPIX  =                   16"
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.INFO, logger="editor.project.member_map"):
        with pytest.raises(ProjectError) as err:  # the copy's reader says what is wrong
            Document.load(path, tiled=True, cache=RenderCache(0))
    assert "BITPIX 16, not -32" in caplog.text
    assert "\n" not in str(err.value)


def test_a_damaged_panel_fails_its_mosaic_layer_in_one_line_once_checked(tmp_path, small_maps):
    path = _save(tmp_path)
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".fits"))
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 2880 * 2 + 5000] ^= 0x40  # inside the pixels of the first panel
    path.write_bytes(bytes(raw))
    doc = Document.load(path, tiled=True, cache=RenderCache(0))  # no longer read whole to open
    problems = sorted(checks.wait_checked(s.pixels) for s in doc.sources.values())
    assert problems[:2] == ["", ""] and "checksum" in problems[2]
    doc.render(scale=1 / 4)
    layer = doc.layers[0]
    assert layer.error and "checksum" in layer.error and "\n" not in layer.error


def test_the_checksum_is_checked_on_the_file_opened_even_after_a_save_replaced_it(
        tmp_path, small_maps, monkeypatch):
    import os
    import weakref

    queued = []
    monkeypatch.setattr(member_map, "_enqueue", lambda *a: queued.append(a))
    path = _save(tmp_path)
    doc = Document.load(path, tiled=True, cache=RenderCache(0))
    assert len(queued) == 3 and all(checks.damage_of(s.pixels) is None for s in doc.sources.values())
    (tmp_path / "other").mkdir()
    other = _save(tmp_path / "other", rgb=False)  # other bytes where the members were
    os.replace(other, path)  # as a save does (atomic rename): the maps keep the opened file
    for fd, start, label, info, planes in queued:
        member_map._check_crc(fd, start, label, info, id(planes), weakref.ref(planes))
    assert [checks.damage_of(s.pixels) for s in doc.sources.values()] == ["", "", ""]
    np.asarray(doc.render(scale=1 / 4))
