"""The Info panel shows a source's file name in full and its folder shortened (home as ~,
long middles left out), never the whole machine path; the tooltip has the full path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from window_test_helpers import open_file

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("path, limit, shown", [
    ("/home/ann/Astro/2024/M42/lights/m42.fits", 40, "~/Astro/2024/M42/lights"),
    ("/home/ann/Astro/2024/M42/lights/m42.fits", 20, "~/Astro/…/M42/lights"),
    ("/home/ann/m42.fits", 40, "~"),
    ("/home/annabel/m42.fits", 40, "/home/annabel"),  # not inside /home/ann
    ("/mnt/data/astro/2023/winter/orion/M42/session2/lights/x.fits", 30,
     "/mnt/…/M42/session2/lights"),
    ("/home/ann/" + "d" * 60 + "/x.fits", 30, "~/" + "d" * 13 + "…" + "d" * 14),
])
def test_folders_use_tilde_for_home_and_leave_out_the_middle_when_long(path, limit, shown):
    from editor.ui.panels.metadata_panel import display_folder

    assert display_folder(path, limit, home="/home/ann") == shown
    assert len(shown) <= limit


def _file_rows(panel):
    general = panel.tree.topLevelItem(0)
    return {general.child(i).text(0): general.child(i) for i in range(general.childCount())}


def test_info_panel_shows_file_name_and_short_folder_with_full_path_tooltip(
        qtbot, window, tmp_path, monkeypatch):
    from editor.io import Image, export_image

    home = tmp_path / "home"
    folder = home / "Astro" / "2024-11 Orion" / "M42" / "stacked results"
    folder.mkdir(parents=True)
    path = folder / "M42_drizzle_integration_final.fits"
    export_image(Image(np.full((20, 30), 0.25, np.float32)), str(path))
    monkeypatch.setenv("HOME", str(home))  # Path.home() follows HOME
    assert Path.home() == home
    open_file(qtbot, window, path)
    rows = _file_rows(window.editor.metadata)
    assert "path" not in rows
    assert rows["file"].text(1) == "M42_drizzle_integration_final.fits"  # in full
    folder_text = rows["folder"].text(1)
    assert folder_text.startswith("~/") and str(tmp_path) not in folder_text
    assert folder_text.endswith("stacked results")
    assert rows["file"].toolTip(1) == rows["folder"].toolTip(1) == str(path)


def test_info_panel_says_in_memory_for_an_image_without_a_file(qtbot, window):
    from editor.core.document import Document

    window.set_document(Document.from_image(np.zeros((8, 8), np.float32)))
    qtbot.waitUntil(lambda: window.editor.metadata.tree.topLevelItemCount() > 0)
    assert _file_rows(window.editor.metadata)["file"].text(1) == "(in memory)"


def test_info_panel_says_in_the_project_for_pixels_embedded_in_a_saved_project(qtbot, window, tmp_path):
    from editor.core.document import Document

    project = tmp_path / "made_by_a_script.nebula"
    Document.from_image(np.zeros((8, 8), np.float32)).save(project)
    window.set_document(Document.load(project))
    qtbot.waitUntil(lambda: window.editor.metadata.tree.topLevelItemCount() > 0)
    assert _file_rows(window.editor.metadata)["file"].text(1) == "(in the project file)"
