"""Messages made below the UI (file and project errors, undo entry names, default layer names)
speak the user's language, without Qt; code matches on exception classes, which stay the same;
the CLI follows the locale like git and Siril do (LANG / LC_ALL / LC_MESSAGES, C = English)."""

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

from editor.errors import ImageReadError, ProjectError
from tests.shared_data import REPO

M51 = "fits/m51_kpno_b_int16.fits"


def truncated_fits(shared_data: Path, folder: Path) -> Path:
    """A real FITS cut after its header and a few rows: a broken download."""
    data = (shared_data / M51).read_bytes()
    path = folder / "m51_cut.fits"
    path.write_bytes(data[:2880 * 3 + 5000])
    return path


def project_over_the_layer_limit(folder: Path) -> Path:
    """A real saved project whose document.json was edited to hold 5001 layers (limit 5000)."""
    from editor.core.document import Document
    from editor.project.limits import MAX_LAYERS

    doc = Document.from_image(np.full((16, 24), 0.25, np.float32))
    doc.add_adjustment("levels")
    saved = folder / "ok.nebula"
    doc.save(saved)
    path = folder / "too_many_layers.nebula"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "document.json":
                record = json.loads(data)
                levels = record["layers"][-1]
                record["layers"] += [dict(levels, id=f"copy{i}") for i in range(MAX_LAYERS - 1)]
                data = json.dumps(record).encode()
            dst.writestr(info, data)
    return path


@pytest.fixture
def speak(monkeypatch: pytest.MonkeyPatch):
    def set_language(lang: str) -> None:
        monkeypatch.setenv("NEBULAYER_LANG", lang)
    return set_language


def test_a_truncated_fits_is_refused_in_the_users_language(shared_data: Path, tmp_path: Path, speak) -> None:
    from editor.io import open_image

    path = truncated_fits(shared_data, tmp_path)
    said = {}
    for lang in ("en", "fr", "ja"):
        speak(lang)
        with pytest.raises(ImageReadError) as info:  # the same class in every language
            open_image(path)
        said[lang] = str(info.value)
        assert said[lang].startswith(f"{path}: ")  # the file is still named first
    assert "is truncated: the header declares" in said["en"]
    assert "est tronqué : l’en-tête déclare" in said["fr"]
    assert "途中で切れています" in said["ja"]
    # the numbers are the same, only the words changed
    digits = [sorted(re.findall(r"\d+", s.removeprefix(str(path)))) for s in said.values()]
    assert digits[0] == digits[1] == digits[2]


def test_a_project_over_the_limits_is_refused_in_the_users_language(tmp_path: Path, speak) -> None:
    from editor.core.document import Document

    path = project_over_the_layer_limit(tmp_path)
    speak("fr")
    with pytest.raises(ProjectError, match="5001 calques \\(au plus 5000 autorisés\\)"):
        Document.load(path)
    speak("ja")
    with pytest.raises(ProjectError, match="レイヤーが 5001 枚あります（最大 5000 枚）"):
        Document.load(path)
    speak("en")
    with pytest.raises(ProjectError, match="5001 layers \\(at most 5000 allowed\\)"):
        Document.load(path)


def test_undo_names_and_new_layer_names_follow_the_language(speak) -> None:
    from editor.core.document import Document

    for lang, levels, undo_add, group, background in (
            ("fr", "Niveaux", "Ajouter Niveaux", "Groupe", "Arrière-plan"),
            ("ja", "レベル補正", "レベル補正を追加", "グループ", "背景")):
        speak(lang)
        doc = Document.from_image(np.full((8, 8), 0.5, np.float32))
        assert doc.layers[0].name == background  # Photoshop's first layer, not the sky background
        lid = doc.add_adjustment("levels")
        assert doc.layer(lid).name == levels
        assert doc.history.undo_text == undo_add
        doc.set_params(lid, white=0.8)
        assert doc.history.undo_text == {"fr": "Modifier Niveaux", "ja": "レベル補正を編集"}[lang]
        doc.add_group(layer_ids=[lid])
        assert doc.history.texts()[-1] == {"fr": "Grouper Groupe", "ja": "グループをグループ化"}[lang]
        doc.crop(1, 1, 4, 4)
        assert doc.history.undo_text == {"fr": "Recadrer", "ja": "切り抜き"}[lang]
        doc.rotate(90)
        assert doc.history.undo_text == {"fr": "Rotation de 90°", "ja": "90° 回転"}[lang]


def test_a_name_given_by_the_user_is_never_translated(speak) -> None:
    from editor.core.document import Document

    speak("fr")
    doc = Document.from_image(np.full((8, 8), 0.5, np.float32), name="Levels")
    assert doc.layers[0].name == "Levels"
    lid = doc.add_adjustment("curves", name="Curves")
    assert doc.layer(lid).name == "Curves"
    assert doc.history.undo_text == "Ajouter Curves"


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEBULAYER_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    return subprocess.run([sys.executable, "-m", "editor.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**clean, **env})


def test_the_cli_follows_the_locale_like_git(shared_data: Path, tmp_path: Path) -> None:
    path = truncated_fits(shared_data, tmp_path)
    english = _cli(["info", str(path)])  # no locale at all: English
    c_locale = _cli(["info", str(path)], LANG="fr_FR.UTF-8", LC_ALL="C")  # LC_ALL=C wins
    french = _cli(["info", str(path)], LANG="fr_FR.UTF-8")
    japanese = _cli(["info", str(path)], LC_MESSAGES="ja_JP.UTF-8")
    forced = _cli(["info", str(path)], LANG="ja_JP.UTF-8", NEBULAYER_LANG="en")  # tests' switch
    for run in (english, c_locale, french, japanese, forced):
        assert run.returncode == 2, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0], run.stderr  # still one line naming the file
    for run in (english, c_locale, forced):
        assert "is truncated" in run.stderr
    assert "est tronqué" in french.stderr
    assert "途中で切れています" in japanese.stderr


def test_gettext_is_not_asked_for_by_qt_below_the_ui() -> None:
    """editor.locale works in a process that never imported Qt (the CLI, worker processes)."""
    code = ("import sys, os; os.environ['NEBULAYER_LANG'] = 'fr'; "
            "from editor.core.document import Document; import numpy as np; "
            "d = Document.from_image(np.zeros((4, 4), np.float32)); d.add_adjustment('curves'); "
            "print(d.history.undo_text); print('PyQt6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         timeout=120, check=True).stdout.split("\n")
    assert out[:2] == ["Ajouter Courbes", "False"]
