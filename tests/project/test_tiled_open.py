"""Projects opened for tiles (the editor, `nebulayer render`): a canvas, a source or a
referenced FITS larger than the memory budget opens with the big pixels mapped from disk, only
what is read into memory counts; big sources are saved band by band with the same bytes as
the in-memory writer."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from astropy.io import fits

from editor.errors import ProjectError
from editor.project.archive import load_project
from editor.project.fits_store import fits_bytes, write_fits_source
from editor.render.budget_plan import is_mapped


@pytest.fixture
def small_maps(tmp_path, monkeypatch):
    monkeypatch.setenv("NEBULAYER_MAP_DIR", str(tmp_path))
    monkeypatch.setenv("NEBULAYER_MAP_MIN", str(1 << 20))


@pytest.mark.parametrize("shape", [(7, 5), (333, 41, 3), (100, 2881)])
def test_a_source_written_band_by_band_has_the_bytes_of_the_in_memory_writer(shape, monkeypatch):
    import editor.project.fits_store as store

    monkeypatch.setattr(store, "_BAND_BYTES", 4096)  # many bands, a short last one
    pixels = np.random.default_rng(2).normal(0, 1, shape).astype(np.float32)
    pixels.flat[3] = np.nan
    out = io.BytesIO()
    assert write_fits_source(out, pixels, "Lune — M42") == len(out.getvalue())
    assert out.getvalue() == fits_bytes(pixels, "Lune — M42")


def test_a_referenced_fits_past_the_budget_is_mapped_when_opened_for_tiles(
        tmp_path, small_maps, monkeypatch):
    from editor import Document

    data = np.random.default_rng(3).random((3, 600, 700), dtype=np.float32)  # 4.8 MiB
    frame = tmp_path / "panel.fits"
    fits.PrimaryHDU(data).writeto(frame)
    doc = Document.from_image(str(frame))
    doc.add_adjustment("levels", black=0.1)
    project = tmp_path / "p.nebula"
    doc.save(project, embed_sources=False)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "3M")
    with pytest.raises(ProjectError, match="memory budget"):
        load_project(project)  # opened whole: refused as before
    opened = load_project(project, tiled=True)
    (src,) = opened.sources.values()
    assert is_mapped(src.pixels)
    np.testing.assert_array_equal(src.pixels, next(iter(doc.sources.values())).pixels)


def test_a_big_source_saved_from_its_map_is_stored_whole_and_maps_again(
        tmp_path, small_maps, monkeypatch):
    import editor.project.archive as archive
    from editor import Document

    monkeypatch.setattr(archive, "STREAM_MIN_BYTES", 1 << 20)
    pixels = np.random.default_rng(4).random((500, 800, 3), dtype=np.float32)
    first = tmp_path / "a.nebula"
    Document.from_image(pixels).save(first)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "3M")
    doc = load_project(first, tiled=True)
    doc.add_adjustment("levels", white=0.8)
    second = tmp_path / "b.nebula"
    doc.save(second)
    with zipfile.ZipFile(second) as zf:
        (member,) = [i for i in zf.infolist() if i.filename.startswith("sources/")]
        assert member.compress_type == zipfile.ZIP_STORED  # so it maps again
        with zf.open(member) as fh:
            assert fh.read() == fits_bytes(pixels, next(iter(doc.sources.values())).name)
    again = load_project(second, tiled=True)
    (src,) = again.sources.values()
    assert is_mapped(src.pixels)
    np.testing.assert_array_equal(src.pixels, pixels)


def test_a_cropped_canvas_whose_layer_frame_passes_the_budget_opens_for_tiles(
        tmp_path, small_maps, monkeypatch):
    from editor import Document

    doc = Document.from_image(np.random.default_rng(5).random((600, 700, 3), dtype=np.float32))
    doc.crop(10, 20, 300, 200)
    project = tmp_path / "cropped.nebula"
    doc.save(project)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "3M")  # the 700x600 frame is 4.8 MiB
    with pytest.raises(ProjectError, match="geometry base"):
        load_project(project)
    opened = load_project(project, tiled=True)
    assert (opened.width, opened.height) == (300, 200)
    assert opened.geometry.shape == (200, 300)
