"""The editor speaks French and Japanese: every string a person reads in the main window, its
menus, panels, the Acquisition tab and the dialogs has a translation, and the compiled
catalogs match their sources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.ui.i18n_walk import widget_texts
from tests.ui.window_test_helpers import open_file, wait_render

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sample_project.nebula"
#: Proper names, units and codes that read the same in every language.
SAME_EVERYWHERE = {"Nebulayer", "FITS", "RGB", "LRGB", "PNG", "GIF", "APNG", "TIFF", "INDI", "STF", "HDU",
                   "JPEG", "OK", "English", "Français", "日本語", "LRGB…"}
#: Words French writes as English does (checked one by one).
SAME_IN = {"fr": {"Auto", "Format", "Image", "Image…", "Port", "Notes", "Acquisition", "Saturation",
                  "Correction", "Type", "Menu", "ISO", "Gain", "Offset", "Original", "Sigma clipping", "dark", "flat",
                  "luminance", "Gamma"},
           "ja": set()}


def _in_language(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from PyQt6.QtWidgets import QApplication

    from editor.ui.common import i18n
    from editor.ui.shell.app import make_application

    monkeypatch.setenv("NEBULAYER_LANG", lang)
    make_application()
    assert i18n.install(QApplication.instance()) == lang


def collect(qtbot: Any, lang: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from editor.io.choices import FileChoices, ImageChoice
    from editor.ui.compare.export_dialog import CompareExportDialog
    from editor.ui.panels.lrgb_dialog import LrgbDialog
    from editor.ui.review.export_dialog import ReviewExportDialog
    from editor.ui.shell.app import create_window
    from editor.ui.shell.file_actions import ExportDialog
    from editor.ui.shell.open_choice import OpenChoiceDialog
    from editor.ui.shell.shortcuts import ShortcutsDialog, shortcut_rows
    from editor.ui.sky.mosaic_dialog import NewMosaicDialog

    _in_language(lang, monkeypatch)
    win = create_window(offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    win.resize(1500, 950)
    win.show()
    open_file(qtbot, win, SAMPLE)
    seen: dict[str, str] = {}

    def note(where: str, widget: Any) -> None:
        for text in widget_texts(widget):
            seen.setdefault(text, where)

    note("main window", win)
    win.tabs.setCurrentIndex(win._acq_index)
    qtbot.wait(50)
    note("acquisition tab", win)
    win.tabs.setCurrentIndex(0)
    doc = win.model.doc
    choices = FileChoices([ImageChoice(0, "0 3 planes of 64 x 48", 64, 48, 3, True, False),
                           ImageChoice(1, "1 SCI 64 x 48", 64, 48, 1, False, True)])
    dialogs = [("export dialog", lambda: ExportDialog(win, "sample")),
               ("LRGB dialog", lambda: LrgbDialog(doc, win)),
               ("compare export dialog", lambda: CompareExportDialog(doc, win)),
               ("review export dialog", lambda: ReviewExportDialog(doc, win)),
               ("open-choice dialog", lambda: OpenChoiceDialog(win, "cube.fits", choices)),
               ("new mosaic dialog", lambda: NewMosaicDialog(win)),
               ("shortcuts dialog", lambda: ShortcutsDialog(shortcut_rows(win), win))]
    for where, make in dialogs:
        dlg = make()
        qtbot.addWidget(dlg)
        dlg.show()
        note(where, dlg)
        if isinstance(dlg, ShortcutsDialog):  # the menu path and command columns are UI text
            for r in range(dlg.table.rowCount()):
                for c in (0, 1):
                    text = dlg.table.item(r, c).text()
                    if any(ch.isalpha() for ch in text):
                        seen.setdefault(text, where)
        dlg.close()
    win.close()
    return seen


def _data(text: str) -> bool:
    """Texts that come from the files, not from the program: file and layer names, HDU labels."""
    return (text.startswith(("HDU ", "Background — layer")) or ".nebula" in text
            or text.endswith((".fits", ".fit", ".tif", ".png")))


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_every_visible_string_is_translated(qtbot: Any, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    english = collect(qtbot, "en", monkeypatch)
    translated = collect(qtbot, lang, monkeypatch)
    untranslated = sorted((f"{where}: {text!r}" for text, where in translated.items()
                           if text in english and text not in SAME_EVERYWHERE | SAME_IN[lang]
                           and not _data(text)))
    assert len(translated) > 150
    assert not untranslated, f"{len(untranslated)} strings not translated to {lang}:\n" + "\n".join(untranslated)


def test_japanese_text_has_a_font_with_its_glyphs(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PyQt6.QtGui import QFontDatabase, QRawFont
    from PyQt6.QtWidgets import QApplication

    from editor.ui.common.i18n import tr

    _in_language("ja", monkeypatch)
    families = QApplication.instance().font().families()
    japanese = [f for f in families
                if QFontDatabase.WritingSystem.Japanese in QFontDatabase.writingSystems(f)]
    assert japanese, f"no Japanese font in {families} (install fonts-ipafont-gothic)"
    raw = QRawFont.fromFont(QFontDatabase.font(japanese[0], "", 12))
    assert all(raw.supportsCharacter(ch) for ch in tr("&Layer") if ch.isalpha())
    assert tr("&Layer") == "レイヤー(&L)"


def test_dates_and_numbers_follow_the_language(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    from editor.ui.common.i18n import format_datetime, format_number

    when = datetime.datetime(2026, 12, 4, 21, 30)
    _in_language("fr", monkeypatch)
    assert format_number(1234.5, 1) in ("1\u202f234,5", "1\xa0234,5", "1 234,5")
    assert format_datetime(when).startswith("04/12/2026")
    _in_language("ja", monkeypatch)
    assert format_number(0.25) == "0.25"
    assert format_datetime(when).startswith("2026/12/04")


def test_compiled_catalogs_match_their_sources() -> None:
    from editor.locale.compile import catalogs, compiled

    pos = catalogs()
    assert {p.parts[-3] for p in pos} >= {"fr", "ja"}
    stale = [str(p) for p in pos if not p.with_suffix(".mo").is_file()
             or p.with_suffix(".mo").read_bytes() != compiled(p)]
    assert not stale, f"run `python -m editor.locale.compile`: {stale}"


def test_help_language_menu_saves_the_choice_for_the_next_start(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from editor.ui.common import i18n
    from editor.ui.shell.app import create_window

    _in_language("fr", monkeypatch)
    win = create_window(offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    menu = next(a.menu() for a in win.help_menu.actions() if a.menu() and a.menu().title() == "&Langue")
    entries = {a.text(): a for a in menu.actions() if a.isCheckable()}
    assert list(entries) == ["Langue du système", "English", "Français", "日本語"]
    assert entries["Langue du système"].isChecked()  # nothing saved yet: the system decides
    entries["日本語"].trigger()
    assert i18n.saved_language() == "ja"
    assert "redémarrez" in win.statusBar().currentMessage()
    assert i18n.current_language() == "fr"  # NEBULAYER_LANG still wins in this run
    monkeypatch.delenv("NEBULAYER_LANG")
    assert i18n.current_language() == "ja"  # the next start speaks Japanese
