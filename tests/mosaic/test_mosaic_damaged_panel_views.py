"""A panel found damaged by the background checksum check (after the first views showed its
bytes) leaves no view showing the damaged pixels (issue 13: the fit view kept the damaged
mosaic from the caches while a new 100 % view was black). The mosaic layer's render key names
the damaged panel, so every cached render, tile and level of the layer is left behind, the
views are told to render again, and the one-line failure names the panel once ("mosaic panel
6", not "mosaic panel panel 6")."""

from __future__ import annotations

import weakref
import zipfile
from pathlib import Path

import numpy as np

from editor.core.document import Document
from editor.mosaic import checks
from editor.mosaic.layer import add_mosaic_layer
from editor.project import member_map
from editor.render.cache import RenderCache
from editor.render.pyramid import document_key
from editor.render.resample import Window
from editor.render.tiles import TiledRender
from tests.mosaic.test_mosaic_open_in_place import _panels, small_maps  # noqa: F401 (fixture)


def _damaged_project(tmp_path: Path, panel: int) -> Path:
    """A saved mosaic with default panel names ("panel 1".."panel 3"), one pixel byte of
    panel ``panel`` flipped (the zip CRC no longer matches)."""
    panels, plan = _panels(True)
    d = plan.to_dict()
    for k, p in enumerate(d["panels"]):
        p["name"] = f"panel {k + 1}"
    doc = Document(820, 560, cache=RenderCache(0))
    add_mosaic_layer(doc, panels, d)
    sid = doc.layers[0].panels[panel]["source"]
    path = tmp_path / "m.nebula"
    doc.save(path)
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".fits") and sid in i.filename)
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 2880 * 2 + 5000] ^= 0x40
    path.write_bytes(bytes(raw))
    return path


def test_after_the_check_finds_a_damaged_panel_every_scale_shows_the_same_failure(
        tmp_path, small_maps, monkeypatch):  # noqa: F811
    queued = []
    monkeypatch.setattr(member_map, "_enqueue", lambda *a: queued.append(a))  # checked below
    told = []

    class View:  # a view registered as the editor's is: a bound method, held weakly
        def damaged(self) -> None:
            told.append(True)

    view = View()
    checks.on_damage(view.damaged)
    path = _damaged_project(tmp_path, 1)
    doc = Document.load(path, tiled=True, cache=RenderCache(256 * 2**20))
    # Before the check: the views render the damaged bytes and cache them at every scale.
    key_before = document_key(doc)
    full_before = np.asarray(doc.render(scale=1.0))
    reduced_before = np.asarray(doc.render(scale=1 / 4))
    tile_before = TiledRender(doc, 1 / 4, tile=64).render(Window(0, 140, 0, 205))
    assert np.isfinite(full_before).any() and doc.layers[0].error is None

    for fd, start, label, info, planes in queued:
        member_map._check_crc(fd, start, label, info, id(planes), weakref.ref(planes))
    assert told == [True]  # the views were told once (one damaged panel)

    assert document_key(doc) != key_before  # cached display tiles are not reused
    layer = doc.layers[0]
    errors = []
    for scale in (1.0, 1 / 4):
        got = np.asarray(doc.render(scale=scale))
        errors.append(layer.error)
        layer.error = None
        assert not np.array_equal(got, full_before if scale == 1.0 else reduced_before)
        assert np.array_equal(np.nan_to_num(got), np.zeros_like(got)), scale  # the layer fails
    tile = TiledRender(doc, 1 / 4, tile=64).render(Window(0, 140, 0, 205))
    assert not np.array_equal(tile, tile_before)
    assert np.array_equal(np.nan_to_num(tile), np.zeros_like(tile))
    assert errors[0] == errors[1] == (
        "mosaic panel 2: pixel data does not match its checksum (the file is damaged)")


def test_a_panel_label_names_the_panel_once():
    from editor.render.kinds.mosaic import panel_label

    assert panel_label({"name": "panel 6"}, 5) == "6"
    assert panel_label({"name": "Panel 12"}, 0) == "12"
    assert panel_label({"name": "M31 east"}, 0) == "M31 east"
    assert panel_label({"name": ""}, 3) == "4"
    assert panel_label({}, 0) == "1"
