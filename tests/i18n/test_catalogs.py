"""Every message marked for translation anywhere in editor/ (the UI and the layers below it:
errors, undo entry names, default layer names) has a French and a Japanese translation that
keeps its placeholders, and the compiled catalogs are the ones the sources compile to."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from editor.locale import LOCALE_DIR

REPO = Path(__file__).resolve().parents[2]
#: The folders the README's `pybabel extract` command reads: the editor, and the filters'
#: parameter checks (marked M_, translated by the hook the editor installs).
SOURCES = (REPO / "editor", REPO / "filters")
#: Its keywords (tr/_ = gettext, N_ = marker, D_ = English data shown translated, M_ = filters).
KEYWORDS = {"tr": None, "_": None, "N_": None, "D_": None, "M_": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}


def marked_messages() -> dict[tuple[str, str | None], str]:
    """(msgid, context) -> first file that marks it, for every marked message under editor/
    and filters/."""
    found: dict[tuple[str, str | None], str] = {}
    for folder in SOURCES:
        for filename, _lineno, message, _comments, context in extract_from_dir(
                str(folder), method_map=[("**.py", "python")], keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((msgid, context), f"{folder.name}/{filename}")
    return found


def _fields(text: str) -> list[tuple[str, str, str]]:
    return sorted((f, c or "", s or "") for _, f, s, c in string.Formatter().parse(text) if f is not None)


@pytest.fixture(scope="module")
def marked() -> dict[tuple[str, str | None], str]:
    found = marked_messages()
    assert len(found) > 900  # the UI's texts and the errors/undo names below it
    return found


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_every_marked_message_has_a_translation(marked: dict, lang: str) -> None:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    missing = []
    for (msgid, context), where in sorted(marked.items(), key=str):
        entry = catalog.get(msgid, context=context)
        text = entry.string if entry is not None else ""
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry is not None and entry.fuzzy):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, (f"{len(missing)} messages have no {lang} translation (see README "
                         f"'Languages' to update the catalogs):\n" + "\n".join(missing))


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_translations_keep_every_placeholder(lang: str) -> None:
    """``.format(name=...)`` on a translation that lost or renamed a field would raise in the
    middle of an error report: the fields (names, conversions, format specs) must match."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    wrong = []
    for entry in catalog:
        if not entry.id or not entry.string or not isinstance(entry.id, str):
            continue
        if "{" not in entry.id or "python-brace-format" not in entry.flags:
            continue
        try:
            same = _fields(entry.id) == _fields(entry.string)
        except ValueError as exc:  # an unbalanced brace in the translation
            same = False
            entry.string += f"  <- {exc}"
        if not same:
            wrong.append(f"{entry.id!r} -> {entry.string!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_argparse_texts_keep_their_printf_fields(lang: str) -> None:
    """argparse's own texts (editor.cli.ARGPARSE_TEXTS) are filled with ``%``: a translation
    that lost ``%(prog)s`` or a ``%s`` would break the command line's usage and error lines."""
    from editor.cli import ARGPARSE_TEXTS

    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    fields = re.compile(r"%\([a-z_]+\)[sdr]|%[sdr]")
    wrong = [f"{text!r} -> {catalog.get(text).string!r}" for text in ARGPARSE_TEXTS
             if catalog.get(text) is None
             or sorted(fields.findall(text)) != sorted(fields.findall(catalog.get(text).string))]
    assert len(ARGPARSE_TEXTS) > 10 and not wrong, "\n".join(wrong)


def test_the_template_lists_every_marked_message(marked: dict) -> None:
    with (LOCALE_DIR / "nebulayer.pot").open("rb") as f:
        template = read_po(f)
    absent = [f"{where}: {msgid!r}" for (msgid, context), where in sorted(marked.items(), key=str)
              if template.get(msgid, context=context) is None]
    assert not absent, "regenerate editor/locale/nebulayer.pot (README 'Languages'):\n" + "\n".join(absent)


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_built_in_operations_names_and_parameter_labels_are_translated(lang: str) -> None:
    """Names, descriptions, parameter labels, help and choices of the built-in filters and masks
    come from their specs (filters/ may not import the editor): the UI translates them where
    shown and a new layer is named with the translated name, so each needs an entry."""
    from editor.plugins.registry import get_registry

    with (LOCALE_DIR / lang / "LC_MESSAGES" / "nebulayer.po").open("rb") as f:
        catalog = read_po(f)
    texts: dict[str, str] = {}
    for spec in get_registry().specs():
        if spec.source != "builtin":
            continue
        texts.setdefault(spec.name, spec.id)
        if spec.doc:
            texts.setdefault(spec.doc, spec.id)
        for p in spec.params:
            for text in (p.label or p.name, p.doc, *p.choices):
                if text and any(ch.isalpha() for ch in text):
                    texts.setdefault(text, f"{spec.id}.{p.name}")
    missing = [f"{where}: {text!r}" for text, where in sorted(texts.items())
               if not (catalog.get(text) and catalog.get(text).string)]
    assert len(texts) > 50
    assert not missing, f"{len(missing)} built-in operation texts without a {lang} translation:\n" + "\n".join(missing)
