"""In the French and Japanese window, what comes from below the UI speaks the same language:
the error dialog for a real FITS cut short, the one for a project refused by the size limits,
and the Edit menu's undo entry after an edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.i18n.test_messages_below_ui import M51, project_over_the_layer_limit, truncated_fits
from tests.ui.window_test_helpers import open_file, wait_job

EXPECTED = {
    "fr": {"truncated": "est tronqué : l’en-tête déclare 512x512 pixels",
           "limits": "5001 calques (au plus 5000 autorisés)",
           "undo": "&Annuler Ajouter Niveaux",
           "redo": "&Rétablir Ajouter Niveaux"},
    "ja": {"truncated": "途中で切れています: ヘッダーでは 512x512 ピクセル",
           "limits": "レイヤーが 5001 枚あります（最大 5000 枚）",
           "undo": "取り消し: レベル補正を追加(&U)",
           "redo": "やり直し: レベル補正を追加(&R)"},
}


def french_or_japanese_window(qtbot: Any, monkeypatch: pytest.MonkeyPatch, lang: str) -> Any:
    from PyQt6.QtWidgets import QApplication

    from editor.ui.common import i18n
    from editor.ui.shell.app import create_window, make_application

    monkeypatch.setenv("NEBULAYER_LANG", lang)
    make_application()
    assert i18n.install(QApplication.instance()) == lang
    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    return win


def _failed_open(qtbot: Any, win: Any, path: Path) -> None:
    job = win.files.open_paths([str(path)])
    if job is not None:
        qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.wait(50)


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_errors_and_undo_names_from_below_the_ui_are_translated(
        qtbot: Any, dialogs: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        shared_data: Path, isolated_user_dirs: Path, lang: str) -> None:
    want = EXPECTED[lang]
    win = french_or_japanese_window(qtbot, monkeypatch, lang)

    cut = truncated_fits(shared_data, tmp_path)
    _failed_open(qtbot, win, cut)
    errors = dialogs.texts("critical")
    assert len(errors) == 1 and str(cut) in errors[0] and want["truncated"] in errors[0], errors

    heavy = project_over_the_layer_limit(tmp_path)
    _failed_open(qtbot, win, heavy)
    errors = dialogs.texts("critical")
    assert len(errors) == 2 and str(heavy) in errors[1] and want["limits"] in errors[1], errors

    open_file(qtbot, win, shared_data / M51)
    lid = win.editor.layers.add_adjustment("levels")
    qtbot.wait(50)
    assert win.model.doc.layer(lid).name == {"fr": "Niveaux", "ja": "レベル補正"}[lang]
    assert win.act_undo.text() == want["undo"]
    win.act_undo.trigger()
    qtbot.wait(50)
    assert win.act_redo.text() == want["redo"]
    win.act_redo.trigger()
    win.model.doc.mark_saved()  # nothing to ask on close


@pytest.mark.parametrize("lang, composite, separator", [("fr", "composite", ","), ("ja", "合成結果", ".")])
def test_pixel_readout_and_data_range_follow_the_language(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch, shared_data: Path, isolated_user_dirs: Path,
        lang: str, composite: str, separator: str) -> None:
    """The value under the cursor and the Info panel's data range are numbers of the locale
    (French writes 0,12345), with translated labels."""
    import re

    win = french_or_japanese_window(qtbot, monkeypatch, lang)
    open_file(qtbot, win, shared_data / M51)
    qtbot.waitUntil(lambda: win.editor.renderer.last_result is not None, timeout=30000)
    text = win.editor.describe_pixel(100.5, 100.5)
    assert f"{composite} 0{separator}" in text, text  # "composite 0,00243"
    decimals = re.findall(r"\d+([.,])\d{5}\b", text)
    assert len(decimals) == 2 and set(decimals) == {separator}, text  # the source value too
    from editor.ui.panels.metadata_panel import _fmt_range

    assert _fmt_range((0.0, 0.5)) == f"0 .. 0{separator}5"
    win.model.doc.mark_saved()
