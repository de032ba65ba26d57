"""The stack, solve, mosaic and capture commands speak French and Japanese: their help, argparse's
own lines (usage, section titles, errors, plurals) and their reports; Japanese help wraps by
display width, between characters, never past the terminal's width."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from editor.locale import LOCALE_DIR, localise
from editor.locale.argparse_i18n import HelpFormatter, display_width, wrap_by_width
from tests.shared_data import REPO

COMMANDS = ("stack", "solve", "mosaic", "capture")
#: An invocation argparse refuses, per command: a missing required argument, a bad number, a
#: bad choice, an unknown option.
BAD_ARGUMENTS = {
    "stack": ["stack"],
    "solve": ["solve", "--timeout", "soon", "m42.fits"],
    "mosaic": ["mosaic", "a.fits", "-o", "m.nebula", "--blend", "soft"],
    "capture": ["capture", "--exposure", "30", "--out", "night", "--colour"],
}
#: Words that are the same in English and French (and kept as such in Japanese help: option
#: values the user types, format and catalogue names).
WORD = r"[a-zA-Zéèêàâîôûçœ][a-zA-Zéèêàâîôûçœ’']+"


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, lang: str,
         argv: list[str]) -> str:
    from editor.cli import main

    monkeypatch.setenv("NEBULAYER_LANG", lang)
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr()
    return out.out + out.err


def _phrases(text: str) -> set[str]:
    """Pairs of words written one after the other, leaving out what the user types (options,
    choices in braces, metavars, quoted values) and file names."""
    text = re.sub(r"(?m)^  [a-z_]+(?= )", " ", text)  # a positional argument's name, before its help
    text = re.sub(r"nebulayer( \w+)?|\{[^}]*\}|\[[^\]]*\]|'[^']*'|\S*[-./_<>|]\S*|\b[A-Z][A-Z_0-9]+\b", " ", text)
    words = text.split()
    return {f"{a} {b}".lower() for a, b in zip(words, words[1:])
            if re.fullmatch(WORD, a.strip("(),:;")) and re.fullmatch(WORD, b.strip("(),:;"))
            and a[-1] not in ",;:)" and not b.startswith("(")}


@pytest.mark.parametrize("lang", ["fr", "ja"])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_and_argument_errors_leave_no_english_sentence(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, command: str, lang: str) -> None:
    for argv, sentences in (([command, "--help"], 8), (BAD_ARGUMENTS[command], 1)):
        english = _run(monkeypatch, capsys, "en", argv)
        shown = _run(monkeypatch, capsys, lang, argv)
        left = sorted(_phrases(shown) & _phrases(english))
        assert len(_phrases(english)) >= sentences, english  # the comparison has English to find
        assert not left, f"English left in `nebulayer {' '.join(argv)}` ({lang}): {left}\n{shown}"
        if lang == "ja":  # no English words at all, beyond what the user types
            assert not _phrases(shown), shown
    assert ("utilisation : " if lang == "fr" else "使い方: ") in shown


def test_the_locale_alone_chooses_the_language_of_argparse_errors() -> None:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NEBULAYER_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    run = subprocess.run([sys.executable, "-m", "editor.cli", "stack", "--darks"], capture_output=True,
                         text=True, cwd=REPO, timeout=120, env={**clean, "LANG": "ja_JP.UTF-8"})
    assert run.returncode == 2
    assert run.stderr.startswith("使い方: nebulayer stack")
    assert "nebulayer stack: エラー: 引数 --darks: 引数が 1 つ以上必要です" in run.stderr, run.stderr


@pytest.mark.parametrize(("lang", "said"), [("fr", "argument --pair : 2 arguments attendus"),
                                            ("ja", "引数 --pair: 引数が 2 個必要です"),
                                            ("en", "argument --pair: expected 2 arguments")])
def test_argparse_plurals_are_translated(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                         lang: str, said: str) -> None:
    from editor.locale.argparse_i18n import ArgumentParser, install

    monkeypatch.setenv("NEBULAYER_LANG", lang)
    install()
    parser = ArgumentParser(prog="demo")
    parser.add_argument("--pair", nargs=2)
    with pytest.raises(SystemExit):
        parser.parse_args(["--pair", "1"])
    assert said in capsys.readouterr().err


#: argparse texts only a programmer sees (a parser built wrong): they stay English.
PROGRAMMER_TEXTS = {
    ".__call__() not defined", "'required' is an invalid argument for positionals",
    "mutually exclusive arguments must be optional", "cannot merge actions - two groups are named %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r", "invalid conflict_resolution value: %r",
    "cannot have multiple subparser arguments", "conflicting subparser: %s",
    "conflicting subparser alias: %s", "%r is not callable", "conflicting option string: %s",
}


def _argparse_texts() -> set[str]:
    """Every text the running Python's argparse passes to ``_`` or ``ngettext``."""
    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext") and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)}


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_every_user_facing_argparse_text_of_this_python_is_translated(lang: str) -> None:
    """A newer Python's argparse may bring new texts: this fails until they are in the catalogs
    (add them to ``editor.locale.argparse_i18n.ARGPARSE_TEXTS``)."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    texts = _argparse_texts() - PROGRAMMER_TEXTS
    missing = []
    for text in sorted(texts):
        entry = catalog.get(text) or next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == text), None)
        found = entry.string[0] if entry is not None and isinstance(entry.string, tuple) else getattr(entry, "string", "")
        if not found:
            missing.append(text)
    assert len(texts) > 20 and not missing, missing


def test_the_stack_report_is_translated_and_its_history_stays_english(monkeypatch: pytest.MonkeyPatch) -> None:
    from editor.stacking.pipeline import FrameReport, StackResult, _joined
    from editor.stacking.registration import Transform

    import numpy as np

    from editor.locale import D_

    moved = Transform(np.array([[1.0, 0, 2.5], [0, 1.0, -1.25], [0, 0, 1]]), D_("similarity"), matched=40,
                      rms=0.2)
    good = FrameReport(Path("m42_001.fits"), True, registration=moved.describe(), stars=52, fwhm=2.5,
                       weight=1.0, calibration=_joined([D_("dark x{k:.3f}", k=1.02)]))
    skipped = FrameReport(Path("m42_002.fits"), False, reason="clouds")
    result = StackResult(image=np.zeros((2, 2), np.float32), header={}, history=[], frames=[good, skipped])
    english = str(good.line())  # what goes into the master's FITS HISTORY
    assert english.startswith("m42_001.fits: similarity: dx +2.50 dy -1.25 px") and "dark x1.020" in english
    monkeypatch.setenv("NEBULAYER_LANG", "fr")
    report = result.summary()
    assert report.startswith("empilement : 1 sur 2 brutes ; réjection 0,00\xa0% en bas"), report
    assert "m42_001.fits : similitude : dx +2.50 dy -1.25 px" in report and "noir ×1.020" in report
    assert "m42_002.fits : écartée (clouds)" in report
    assert str(good.line()) == english  # localising never changes the stored text
    monkeypatch.setenv("NEBULAYER_LANG", "ja")
    assert localise(good.line()).startswith("m42_001.fits: 相似変換: dx +2.50 dy -1.25 px、回転")


def test_the_mosaic_table_speaks_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    from editor.mosaic.cli import describe_plan

    panel = SimpleNamespace(name="east.fits", gain=[0.98], offset=[0.0012], gradient=[(0.0, 0.0)],
                            transform={"kind": "stars", "dx": 10.5, "dy": -3.25, "rotation_deg": 0.5,
                                       "scale": 1.0})
    plan = SimpleNamespace(shape=(100, 200), report={"align": "stars", "balance": {"unlinked": ["west.fits"]}},
                           blend="feather", reference=0, panels=[panel])
    monkeypatch.setenv("NEBULAYER_LANG", "ja")
    table = describe_plan(plan)
    assert table.splitlines()[0] == "キャンバス 200x100、星で位置合わせ、ぼかし合成、基準パネル 1"
    assert "east.fits: シフト (10.50, -3.25) 回転 0.500° 倍率 1.0000; ゲイン 0.9800; オフセット 0.0012" in table
    assert "注: west.fits は他のパネルと重なっていない" in table
    monkeypatch.setenv("NEBULAYER_LANG", "fr")
    assert "décalage (10,50 ; -3,25)" in describe_plan(plan)  # a comma is the decimal mark


JAPANESE_HELP = ("ピクセルのリジェクト（既定 auto: 8 枚未満はシグマ、8 枚以上はウィンソライズド。linear-fit "
                 "は平均偏差で測るためシグマは 5 前後に）、長いパス /very/long/path/to/the/lights/folder/m42")


@pytest.mark.parametrize("width", [30, 41, 60, 80])
def test_japanese_help_wraps_between_characters_within_the_width(width: int) -> None:
    parser = argparse.ArgumentParser(prog="demo", formatter_class=lambda prog: HelpFormatter(prog, width=width),
                                     description=JAPANESE_HELP)
    parser.add_argument("--reject", help=JAPANESE_HELP + JAPANESE_HELP)
    text = parser.format_help()
    lines = text.splitlines()
    assert all(display_width(line) <= width for line in lines), "\n".join(
        f"{display_width(line):3} {line}" for line in lines)
    # the help column is filled: broken between characters, not only at the rare spaces
    help_lines = [line for line in lines if line.startswith(" " * 10) and line.strip()]
    assert len(help_lines) >= 3
    assert sum(display_width(line) >= width - 3 for line in help_lines) >= len(help_lines) // 2
    # no line starts with a closing mark or ends with an opening one (kinsoku)
    assert not any(line.strip()[0] in "、。）」：" for line in lines if line.strip())
    assert not any(line.rstrip()[-1] in "（「" for line in lines if line.strip())
    shown = "".join(line.strip() for line in text.split("--reject REJECT")[-1].splitlines())
    assert shown.replace(" ", "") == (JAPANESE_HELP * 2).replace(" ", "")  # nothing lost or doubled


def test_text_without_wide_characters_wraps_as_argparse_does() -> None:
    text = "how overlapping panels join: feathered edges or multiband (feather), with long-hyphenated words"
    ours = HelpFormatter("demo", width=50)
    theirs = argparse.HelpFormatter("demo", width=50)
    assert ours._split_lines(text, 30) == theirs._split_lines(text, 30)
    assert ours._fill_text(text, 40, "  ") == theirs._fill_text(text, 40, "  ")
    lines = wrap_by_width("フラットとダーク、" * 6, 7)
    assert all(display_width(line) <= 7 for line in lines) and "".join(lines) == "フラットとダーク、" * 6
    assert not any(line[0] in "ッー、" for line in lines), lines  # small kana, long mark, comma


def test_french_plurals_have_their_plural_forms() -> None:
    """French has three plural forms in the catalog (one, many, other): a plural written into
    the first only would say "2 argument attendu"."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    plurals = [m for m in catalog if isinstance(m.id, tuple) and m.string and m.string[0]]
    same = [m.id[0] for m in plurals if m.string[0] == m.string[catalog.plural_forms and 2]]
    assert len(plurals) >= 5 and not same, same
