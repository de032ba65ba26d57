"""A mosaic panel the background checksum check finds damaged after the editor has shown the
project: the window renders again and the status bar says which panel, in one line (issue 13:
the fit view kept the damaged pixels and the message was only in a layer's tooltip)."""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pytest

from window_test_helpers import wait_job

pytestmark = pytest.mark.timeout(300)


def test_a_panel_found_damaged_after_the_first_picture_fails_every_view_and_says_so(
        qtbot, window, dialogs, tmp_path, monkeypatch):
    from editor.project import member_map
    from tests.mosaic.test_mosaic_damaged_panel_views import _damaged_project

    monkeypatch.setenv("NEBULAYER_MAP_MIN", str(64 * 1024))
    monkeypatch.setenv("NEBULAYER_MAP_DIR", str(tmp_path))
    queued = []
    monkeypatch.setattr(member_map, "_enqueue", lambda *a: queued.append(a))  # checked below
    path = _damaged_project(tmp_path, 1)
    job = wait_job(qtbot, window.files.open_paths([str(path)]), timeout=120000)
    assert job.error is None, job.error
    editor = window.editor
    qtbot.waitUntil(lambda: editor.renderer.last_result is not None and editor.renderer.is_idle(),
                    timeout=60000)
    qtbot.wait(1000)  # the views settle (a refine, the tiles' small picture): nothing more comes
    qtbot.waitUntil(editor.renderer.is_idle, timeout=60000)
    assert np.nanmax(editor.renderer.last_result.linear) > 0  # the damaged bytes, unchecked
    assert not editor.render_info.text().startswith("⚠")
    shown = editor.renderer.last_result

    def check() -> None:  # on another thread, as the checking thread runs
        for fd, start, label, info, planes in queued:
            member_map._check_crc(fd, start, label, info, id(planes), weakref.ref(planes))

    t = threading.Thread(target=check)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: editor.render_info.text().startswith("⚠")
                    and editor.renderer.last_result is not shown and editor.renderer.is_idle(),
                    timeout=60000)
    assert editor.render_info.text() == (
        "⚠ mosaic panel 2: pixel data does not match its checksum (the file is damaged)")
    assert not np.nan_to_num(editor.renderer.last_result.linear).any()  # not the cached mosaic
