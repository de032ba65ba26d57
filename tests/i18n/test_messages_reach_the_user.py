"""What reaches the user from the layers below the UI speaks their language: the filters'
parameter checks (through the hook the editor installs; the filters alone stay English and
editor-free), reader notes (English data in FITS HISTORY, translated where shown), plugin
manifest checks, the project limits' per-value checks, the review page (its language, dates and
numbers) and the command line's help and reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.errors import DocumentError, ProjectError
from tests.shared_data import REPO

M51 = "fits/m51_kpno_b_int16.fits"
MEF = "fits/hst_acs_j8bt06nyq_flt_mef.fits"


@pytest.fixture
def speak(monkeypatch: pytest.MonkeyPatch):
    def set_language(lang: str) -> None:
        monkeypatch.setenv("NEBULAYER_LANG", lang)
    return set_language


def test_a_refused_filter_parameter_is_said_in_the_users_language(speak) -> None:
    from editor.core.document import Document

    doc = Document.from_image(np.full((8, 8), 0.5, np.float32))
    said = {}
    for lang in ("en", "fr", "ja"):
        speak(lang)
        with pytest.raises(DocumentError) as info:  # the registry's minimum of the radius
            doc.add_adjustment("gaussian_blur", sigma=-2.0)
        said[lang] = str(info.value)
    assert said["en"] == "sigma: -2.0 is below the minimum 0.0"
    assert said["fr"] == "sigma: -2.0 est sous le minimum 0.0"
    assert said["ja"] == "sigma: -2.0 は最小値 0.0 を下回っています"


def test_a_filters_own_check_speaks_the_editors_language(speak) -> None:
    import editor.plugins.registry  # noqa: F401  (loading the filters installs the hook)
    import filters

    speak("fr")
    with pytest.raises(ValueError, match=re.escape("le blanc (0.1) doit dépasser le noir (0.5)")):
        filters.levels(np.zeros((4, 4), np.float32), black=0.5, white=0.1)
    speak("ja")
    with pytest.raises(ValueError, match=re.escape("白 (0.1) は黒 (0.5) より大きくなければなりません")):
        filters.levels(np.zeros((4, 4), np.float32), black=0.5, white=0.1)


def test_the_filters_alone_stay_english_and_editor_free() -> None:
    code = ("import sys, numpy as np, filters\n"
            "try:\n    filters.levels(np.zeros((4, 4), np.float32), black=0.5, white=0.1)\n"
            "except ValueError as exc:\n    print(exc)\n"
            "print(any(m == 'editor' or m.startswith('editor.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         timeout=120, check=True, env={**os.environ, "NEBULAYER_LANG": "fr"})
    assert out.stdout.split("\n")[:2] == ["white (0.1) must be above black (0.5)", "False"]


def test_reader_notes_are_english_data_shown_in_the_users_language(
        shared_data: Path, tmp_path: Path, speak) -> None:
    from editor.io import export_image, open_image
    from editor.locale import localise

    speak("fr")
    image = open_image(shared_data / M51)
    notes = list(image.meta.notes)
    assert "rows stored bottom-up in the file, shown top row first" in notes  # the data: English
    shown = [localise(n) for n in notes]
    assert "lignes stockées de bas en haut dans le fichier, montrées ligne du haut en premier" in shown
    assert "échantillons >i2 ramenés à 0..1 (divisés par 32767)" in shown  # fields kept
    speak("ja")
    assert "ファイルでは行が下から上へ格納されています。上の行から表示します" in [localise(n) for n in notes]
    # FITS HISTORY is English whatever the language (a file-format convention, ASCII cards)
    out = tmp_path / "m51.fits"
    export_image(image.data, out, meta=image.meta)
    history = [str(h) for h in fits.getheader(out)["HISTORY"]]
    assert any("rows stored bottom-up in the file" in h for h in history), history


def test_notes_read_back_from_a_project_file_are_shown_translated(
        shared_data: Path, tmp_path: Path, speak) -> None:
    """A project stores its sources' notes as English text: the formatted ones are found again
    from their templates ("int16 samples scaled ... (divided by 32767)")."""
    from editor.core.document import Document
    from editor.locale import localise

    doc = Document.from_image(shared_data / M51)
    doc.save(tmp_path / "m51.nebula")
    loaded = Document.load(tmp_path / "m51.nebula")
    notes = [n for src in loaded.sources.values() for n in src.meta.notes]
    assert notes and all(type(n) is str for n in notes)  # plain text now
    speak("fr")
    shown = [localise(n) for n in notes]
    assert "échantillons >i2 ramenés à 0..1 (divisés par 32767)" in shown, shown
    speak("ja")
    assert ">i2 のサンプルを 0..1 にスケールしました (32767 で割りました)" in [localise(n) for n in notes]
    assert localise("a sentence no template makes") == "a sentence no template makes"


def test_a_note_that_crossed_a_process_is_still_shown_translated(shared_data: Path, speak) -> None:
    import pickle

    from editor.io import open_image
    from editor.locale import localise

    image = open_image(shared_data / MEF)
    note = next(n for n in image.meta.notes if n.startswith("file holds"))
    copy = pickle.loads(pickle.dumps(note))  # a worker process's result
    speak("fr")
    assert copy == note and localise(copy).startswith("le fichier contient ")
    assert "(choisissez avec --hdu N)" in localise(copy)


def test_a_bad_plugin_manifest_is_explained_in_the_users_language(speak) -> None:
    from editor.plugins.manifest import ManifestError, validate_manifest

    speak("ja")
    with pytest.raises(ManifestError, match="'name' は空でない文字列でなければなりません"):
        validate_manifest({"id": "club.stars", "name": "", "version": "1.0", "filters": []})
    speak("fr")
    with pytest.raises(ManifestError, match="« name » doit être une chaîne non vide"):
        validate_manifest({"id": "club.stars", "name": "", "version": "1.0", "filters": []})


def test_a_project_with_an_absurd_number_is_refused_in_the_users_language(tmp_path: Path, speak) -> None:
    from editor.core.document import Document

    doc = Document.from_image(np.full((8, 8), 0.25, np.float32))
    lid = doc.add_adjustment("levels")
    saved = tmp_path / "ok.nebula"
    doc.save(saved)
    path = tmp_path / "absurd.nebula"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "document.json":
                record = json.loads(data)
                layer = next(rec for rec in record["layers"] if rec.get("id") == lid)
                layer["opacity"] = 1e300
                data = json.dumps(record).encode()
            dst.writestr(info, data)
    speak("fr")
    with pytest.raises(ProjectError, match="est absurde"):
        Document.load(path)
    speak("ja")
    with pytest.raises(ProjectError, match="ありえない値です"):
        Document.load(path)


@pytest.mark.parametrize("lang, words", [
    ("fr", ["Détails de la prise de vue", "Avant / après", "Réalisé avec Nebulayer", "Aller aux images",
            "Niveaux — Gamma 0,6 ; autres réglages par défaut",  # a step, with the locale's decimal comma
            "60 x 60 s", "21 nov. 2026, 22:00:00 UTC"]),  # the sample's DATE-OBS, as French writes it
    ("ja", ["撮影データ", "処理前 / 処理後", "画像へ移動", "レベル補正 — ガンマ 0.6、ほかの設定は既定値",
            "60 x 60 秒", "2026/11/21 22:00:00 UTC"]),
])
def test_the_review_page_is_written_in_the_chosen_language(
        tmp_path: Path, speak, lang: str, words: list[str]) -> None:
    import datetime

    from editor.core.document import Document
    from editor.locale import format_date
    from editor.review import export_review, place_note

    doc = Document.from_image(REPO / "samples" / "deep_sky_field.fits")
    doc.take_snapshot("Original")
    doc.add_adjustment("levels", name="Lift", midtone=0.6)
    place_note(doc, "pin", 40, 30, text="halo")
    doc.save(tmp_path / "field.nebula")
    speak(lang)
    html = export_review([tmp_path / "field.nebula"], tmp_path / "review", long_side=256).read_text("utf-8")
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html, word
    assert format_date(datetime.date.today()) in html  # "5 décembre 2026", "2026年12月5日"
    for english in ("Skip to the pictures", "Before / after", "Left of the line", "Capture details",
                    "Processing steps", "Made with", "on the left", "Showing:", "Crop at 100 %"):
        assert english not in html, english


def test_the_review_command_takes_a_language_and_the_locale(tmp_path: Path) -> None:
    from editor.core.document import Document

    doc = Document.from_image(REPO / "samples" / "deep_sky_field.fits")
    doc.take_snapshot("Original")
    doc.save(tmp_path / "field.nebula")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEBULAYER_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}

    def review(out: str, *extra: str, **env: str) -> str:
        run = subprocess.run([sys.executable, "-m", "editor.cli", "review", str(tmp_path / "field.nebula"),
                              "-o", str(tmp_path / out), "--long-side", "128", *extra],
                             capture_output=True, text=True, cwd=REPO, timeout=300, env={**clean, **env})
        assert run.returncode == 0, run.stderr
        return (tmp_path / out / "index.html").read_text("utf-8") + run.stderr

    assert '<html lang="ja">' in review("a", "--lang", "ja", LANG="fr_FR.UTF-8")
    french = review("b", LANG="fr_FR.UTF-8")
    assert '<html lang="fr">' in french and "Aller aux images" in french
    assert '<html lang="en">' in review("c")


def test_the_info_report_is_written_in_the_locales_words_and_numbers(shared_data: Path) -> None:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEBULAYER_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    run = subprocess.run([sys.executable, "-m", "editor.cli", "info", str(shared_data / M51)],
                         capture_output=True, text=True, cwd=REPO, timeout=120,
                         env={**clean, "LANG": "fr_FR.UTF-8"})
    assert run.returncode == 0, run.stderr
    assert "taille du fichier : 520,3 Kio (532800 octets)" in run.stdout
    assert "dimensions : 512 x 512 (L x H)" in run.stdout
    assert "note : lignes stockées de bas en haut dans le fichier" in run.stdout  # a reader note
    assert "OBJECT: m51" in run.stdout  # header keywords are the file's own words


def test_cli_help_and_summaries_follow_the_locale() -> None:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEBULAYER_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    french = subprocess.run([sys.executable, "-m", "editor.cli", "--help"], capture_output=True, text=True,
                            cwd=REPO, timeout=120, env={**clean, "LANG": "fr_FR.UTF-8"})
    assert "convertir un fichier image dans un autre format" in french.stdout
    japanese = subprocess.run([sys.executable, "-m", "editor.cli", "plugins"], capture_output=True, text=True,
                              cwd=REPO, timeout=120, env={**clean, "LC_ALL": "ja_JP.UTF-8"})
    assert "件読み込み" in japanese.stdout and "プラグインフォルダー" in japanese.stdout
    wrong = subprocess.run([sys.executable, "-m", "editor.cli", "convert", "--bits", "12", "a", "b"],
                           capture_output=True, text=True, cwd=REPO, timeout=120,
                           env={**clean, "LANG": "fr_FR.UTF-8"})
    assert wrong.returncode == 2  # argparse's own error line, in French
    assert wrong.stderr.startswith("utilisation : nebulayer convert")
    assert "erreur : argument --bits : choix invalide : 12 (choisir parmi 8, 16, 32)" in wrong.stderr
