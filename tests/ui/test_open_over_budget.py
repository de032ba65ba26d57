"""A project whose canvas is larger than the memory budget opens in the editor the tiled way
(as `nebulayer render` opens it): its source stays mapped from disk, the canvas shows tiles,
a levels layer edits it, the histogram comes from the reduced picture, it saves; what would
need the whole canvas in memory (Merge Down, a PNG export, a raster mask) is refused in one
line."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QPointF

from window_test_helpers import wait_job

pytestmark = pytest.mark.timeout(300)

W, H = 6000, 4000  # RGB float32: 275 MiB of canvas
BUDGET = "256M"


def _pixels() -> np.ndarray:
    """A colour picture whose every pixel is known: ramps across and down, a tint per channel."""
    x = (np.arange(W, dtype=np.float32) % 997) / np.float32(997 * 1.25) + np.float32(0.1)
    y = (np.arange(H, dtype=np.float32) % 313) / np.float32(313 * 10)
    grey = y[:, None] + x[None, :]
    return np.ascontiguousarray(grey[:, :, None] * np.array([1.0, 0.9, 0.8], np.float32))


@pytest.fixture
def big_project(tmp_path, monkeypatch):
    from editor import Document

    monkeypatch.setenv("NEBULAYER_MAP_DIR", str(tmp_path))
    path = tmp_path / "big.nebula"
    Document.from_image(_pixels()).save(path)  # saved under the default budget
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", BUDGET)
    return path


def _drag_slider(widget, positions: list[int]) -> None:
    slider = widget.slider
    slider.setSliderDown(True)
    for p in positions:
        slider.setValue(p)
    slider.setSliderDown(False)


def test_a_project_larger_than_the_budget_opens_by_tiles_is_edited_and_saved(
        qtbot, window, dialogs, big_project, tmp_path):
    from editor.io.budget import memory_budget
    from editor.project.archive import load_project
    from editor.render.budget_plan import is_mapped

    assert 12 * W * H > memory_budget()  # the canvas alone passes the budget
    job = wait_job(qtbot, window.files.open_paths([str(big_project)]), timeout=120000)
    assert job.error is None, job.error
    doc = window.model.doc
    assert (doc.width, doc.height) == (W, H)
    (src,) = doc.sources.values()
    assert is_mapped(src.pixels)  # on disk, not in memory
    tiles = window.editor.tiles
    assert tiles.enabled  # under 30 MP, but a one-piece render would not fit
    qtbot.waitUntil(tiles.complete, timeout=60000)

    # 100 %: a full-resolution tile shows the source's own value there
    window.editor.canvas.zoom_to(1.0, QPointF(600, 400))
    qtbot.waitUntil(tiles.complete, timeout=60000)
    assert tiles.level == 0
    x0, y0, vw, vh = window.editor.canvas.visible_region()
    x, y = x0 + vw // 2, y0 + vh // 2
    np.testing.assert_allclose(tiles.linear_value(x, y), src.pixels[y, x], rtol=1e-6)

    # a levels layer, edited with its slider as a user does: the tiles follow
    lid = window.editor.layers.add_adjustment("levels")
    assert lid and window.model.selected == lid
    black = window.editor.adjust.editor.control("black")
    start = black.slider.value()
    _drag_slider(black, [start + 30, start + 60])
    assert doc.layer(lid).params["black"] > 0.0
    qtbot.waitUntil(lambda: tiles.complete() and tiles.linear_value(x, y) is not None
                    and not np.allclose(tiles.linear_value(x, y), src.pixels[y, x]),
                    timeout=60000)
    expected = doc.render(region=(x, y, 1, 1))[0, 0]  # a one-pixel region fits any budget
    np.testing.assert_allclose(tiles.linear_value(x, y), expected, rtol=1e-5, atol=1e-6)
    # the histogram, from the controller's reduced picture
    qtbot.waitUntil(lambda: window.editor.histogram.result is not None, timeout=60000)
    assert window.editor.renderer.last_result.linear.size <= 3 * 200_000
    assert not window.editor.render_info.text().startswith("⚠")

    # whatever needs the whole canvas in memory: one line, no MemoryError
    problem = window.keys.merge_problem()
    assert problem is not None and "memory budget" in problem and "\n" not in problem
    png = wait_job(qtbot, window.files.export_to(str(tmp_path / "out.png"), 8))
    assert png.error and "memory budget" in png.error and "\n" not in png.error
    assert not (tmp_path / "out.png").exists()
    assert not [t for t in dialogs.texts() if "Traceback" in t or "MemoryError" in t]

    # saving: the mapped source written back band by band, the edit kept
    saved = tmp_path / "saved.nebula"
    job = wait_job(qtbot, window.files.save_to(str(saved)), timeout=120000)
    assert job.error is None, job.error
    assert not doc.dirty
    again = load_project(saved, tiled=True)
    assert again.layer(lid).params["black"] == doc.layer(lid).params["black"]
    (src2,) = again.sources.values()
    for row in (0, 1234, H - 1):
        np.testing.assert_array_equal(src2.pixels[row], src.pixels[row])


def test_raster_masks_of_a_canvas_past_the_budget_are_refused_in_one_line(monkeypatch):
    from editor import Document
    from editor.errors import DocumentError

    doc = Document.new(3000, 2000)
    doc.add_image(np.zeros((2000, 3000), np.float32))
    lid = doc.add_adjustment("levels", black=0.1)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "60M")  # a mask is 23 MiB, a stroke 3x that
    with pytest.raises(DocumentError, match="memory budget") as new:
        doc.new_raster_mask(1.0)
    with pytest.raises(DocumentError, match="memory budget") as stroke:
        doc.paint_mask(lid, {"points": [(10.0, 10.0)], "size": 20.0, "value": 0.0})
    assert doc.layer(lid).mask is None and "\n" not in str(new.value) + str(stroke.value)
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "1G")
    doc.set_mask(lid, doc.new_raster_mask(1.0))  # within the budget it works as before
    assert doc.layer(lid).mask is not None


def test_a_fits_image_larger_than_the_budget_opens_mapped_and_shows_by_tiles(
        qtbot, window, dialogs, tmp_path, monkeypatch):
    from astropy.io import fits

    from editor.io import open_image
    from editor.render.budget_plan import is_mapped

    rng = np.random.default_rng(5)
    path = tmp_path / "big16.fits"
    fits.PrimaryHDU((rng.random((3, 3000, 4000)) * 65535).astype(np.uint16)).writeto(path)
    want = open_image(path, memory_budget=1 << 31)  # what a bigger budget decodes
    monkeypatch.setenv("NEBULAYER_MAP_DIR", str(tmp_path))
    monkeypatch.setenv("NEBULAYER_MEMORY_BUDGET", "128M")  # decoding needs 206 MiB
    job = wait_job(qtbot, window.files.open_paths([str(path)]), timeout=120000)
    assert job.error is None, job.error
    doc = window.model.doc
    (src,) = doc.sources.values()
    assert is_mapped(src.pixels) and src.path == str(path)
    tiles = window.editor.tiles
    assert tiles.enabled
    window.editor.canvas.zoom_to(1.0, QPointF(600, 400))
    qtbot.waitUntil(tiles.complete, timeout=60000)
    x0, y0, vw, vh = window.editor.canvas.visible_region()
    x, y = x0 + vw // 3, y0 + vh // 3
    np.testing.assert_array_equal(tiles.linear_value(x, y), want.data[y, x])
    assert [str(n) for n in src.meta.notes] == [str(n) for n in want.meta.notes]


def test_a_document_with_pixels_past_the_autosave_limit_is_not_autosaved_and_says_so(
        qtbot, window, monkeypatch):
    from editor import Document
    from editor.ui.shell import recovery

    doc = Document.from_image(np.full((300, 400), 0.1, np.float32))
    doc.add_adjustment("levels", white=0.5)
    window.set_document(doc)
    said: list[str] = []
    window.autosaver.failed.connect(said.append)
    monkeypatch.setattr(recovery, "AUTOSAVE_MAX_BYTES", 400 * 300 * 4 - 1)
    window.autosaver.save_now(wait=True)
    window.autosaver.save_now(wait=True)
    assert not window.autosaver.path.exists()
    assert len(said) == 1 and "Autosave is off" in said[0]  # once, not every two minutes
    monkeypatch.setattr(recovery, "AUTOSAVE_MAX_BYTES", 400 * 300 * 4)
    window.autosaver.save_now(wait=True)
    assert window.autosaver.path.is_file()
