"""Translations for every layer of the editor, without Qt: ``_()``, ``ngettext()``, ``N_()``.

Errors, undo entry names, default layer names and job labels are made below the UI (io, core,
project, stacking...), so the gettext catalogs are reached from here; the UI's ``tr()``
(``editor/ui/common/i18n.py``) is this same catalog. Messages are translated when they are made
(an error's text, an undo step's name), with ``_("... {name} ...").format(name=...)`` (``tr`` in
modules where ``_`` is a throwaway variable); constants marked ``N_()`` are translated where shown.

The language, like git and Siril (GNU gettext): ``$NEBULAYER_LANG`` if set, else the C library's
order (``LC_ALL``, ``LC_MESSAGES``, ``LANG``; ``LANGUAGE`` first unless the locale is C); C/POSIX
or a language without a catalog means English. The GUI calls :func:`use` with the language it
chose (menu choice, Qt's system locale): it is written to ``$NEBULAYER_LANG`` so worker
processes speak it too. Tests set ``NEBULAYER_LANG=en`` (tests/conftest.py): deterministic.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

DOMAIN = "nebulayer"
LOCALE_DIR = Path(__file__).resolve().parent
ENV_VAR = "NEBULAYER_LANG"
#: Languages with a catalog (English is the messages themselves).
LANGUAGES = ("en", "fr", "ja")

_catalogs: dict[str, _gettext.NullTranslations] = {}


def normalise(code: str | None) -> str | None:
    """``fr_FR.UTF-8`` -> ``fr``; None for C/POSIX/empty."""
    if not code:
        return None
    code = code.split(":")[0].split(".")[0].split("@")[0].replace("-", "_")
    if code in ("C", "POSIX", ""):
        return None
    return code.split("_")[0].lower()


def system_language() -> str | None:
    """The language the C library would use for messages, None when nothing is set."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            if normalise(value) is None:  # "C" set explicitly: untranslated, as gettext does
                return "en"
            for wanted in os.environ.get("LANGUAGE", "").split(":"):  # GNU: a preference list
                lang = normalise(wanted)
                if lang in LANGUAGES:
                    return lang
            return normalise(value)
    return None


def language() -> str:
    """The language messages are made in now: one of :data:`LANGUAGES`."""
    lang = normalise(os.environ.get(ENV_VAR)) or system_language() or "en"
    return lang if lang in LANGUAGES else "en"


def use(lang: str) -> str:
    """Speak ``lang`` from now on, in this process and the processes it starts."""
    lang = lang if lang in LANGUAGES else "en"
    os.environ[ENV_VAR] = lang
    return lang


def catalog(lang: str | None = None) -> _gettext.NullTranslations:
    lang = lang or language()
    found = _catalogs.get(lang)
    if found is None:
        found = _catalogs[lang] = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return found


def reset() -> None:
    """Forget the loaded catalogs (a catalog recompiled in this process)."""
    _catalogs.clear()
    _current.clear()
    _patterns.clear()


#: ($NEBULAYER_LANG it was chosen with, the catalog): messages are made in loops (project
#: checks), so the language is worked out again only when that variable changed (the locale
#: variables are read once, when it is unset).
_current: list = []


def _now() -> _gettext.NullTranslations:
    key = os.environ.get(ENV_VAR)
    if not _current or _current[0] != key:
        _current[:] = [key, catalog()]
    return _current[1]


def _(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return _now().gettext(message) if message else message


#: The same function, for modules that use ``_`` as a throwaway variable name.
tr = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language (Japanese has one form)."""
    return _now().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context`` (one English word, two meanings: the "Background"
    layer is not the sky background)."""
    return _now().pgettext(context, message)


def N_(message: str) -> str:
    """Marks a constant for the catalogs; it is translated where it is shown, with ``_()``."""
    return message


class Text(str):
    """English text kept as data (a reader's note goes into FITS HISTORY, which is English, and
    into the project file) that remembers its template and fields, so it can be shown in the
    user's language with :func:`localise`. Made by :func:`D_`."""

    msgid: str
    fields: dict


def D_(msgid: str, **fields: object) -> Text:
    """``msgid.format(**fields)`` in English, marked for the catalogs; :func:`localise` shows
    it translated. For texts that are both stored and shown (reader and export notes)."""
    text = Text(msgid.format(**fields))
    text.msgid, text.fields = msgid, fields
    return text


def localise(text: object) -> str:
    """``text`` in the current language: a :func:`D_` text (or a filter's message) is made
    again from its translated template, its fields localised too; a plain string is looked up
    as a whole (a constant note), else matched against the templates (a note read back from a
    project file, stored as text); anything else is ``str()``-ed."""
    msgid = getattr(text, "msgid", None)
    fields = getattr(text, "fields", None)
    if isinstance(msgid, str) and isinstance(fields, dict):
        shown = {k: localise(v) if hasattr(v, "msgid") else _(v) if isinstance(v, str) else v
                 for k, v in fields.items()}
        try:
            return _(msgid).format(**shown)
        except (KeyError, IndexError, ValueError):  # a broken translation: show the English
            return str(text)
    if isinstance(text, BaseException):
        return localise(text.args[0]) if len(text.args) == 1 and isinstance(text.args[0], str) else str(text)
    if not isinstance(text, str):
        return str(text)
    shown = _(text)
    return shown if shown is not text and shown != text else _rematch(text)


#: (regex, msgid) of the current catalog's templates with fields, for :func:`_rematch`.
_patterns: dict[int, list] = {}


def _rematch(text: str) -> str:
    """A plain English note made from a template (a note read back from a project file, where
    notes are stored as text): found again by matching the catalog's templates, and shown from
    the translated one with the same field texts. ``text`` itself when nothing matches."""
    import re
    import string

    found = _now()
    translations = getattr(found, "_catalog", None)
    if not translations:  # English: the text is what it says
        return text
    patterns = _patterns.get(id(found))
    if patterns is None:
        patterns = []
        for msgid in translations:
            if not isinstance(msgid, str) or "{" not in msgid:
                continue
            try:
                parts = list(string.Formatter().parse(msgid))
            except ValueError:
                continue
            literal = "".join(p[0] for p in parts)
            names = [p[1] for p in parts if p[1] is not None]
            if len(literal.strip()) < 12 or not all(n.isidentifier() for n in names) or len(set(names)) != len(names):
                continue
            regex = "".join(re.escape(lit) + (f"(?P<{name}>.+?)" if name is not None else "")
                            for lit, name, _spec, _conv in parts)
            patterns.append((re.compile(regex + r"\Z", re.S), msgid))
        _patterns.clear()
        _patterns[id(found)] = patterns
    for regex, msgid in patterns:
        match = regex.match(text)
        if match:
            # the fields are the texts as written: drop their format specs and conversions
            template = re.sub(r"\{(\w+)(![rsa])?(:[^{}]*)?\}", r"{\1}", translations[msgid])
            try:
                return template.format(**match.groupdict())
            except (KeyError, IndexError, ValueError):
                return text
    return text


def format_number(value: float, decimals: int | None = None, grouping: bool = True) -> str:
    """``value`` as the current language writes numbers (``1 234,5`` in French): Babel's
    rules, so pages made below the UI (the review page, the CLI) agree with the UI's QLocale.
    ``decimals`` fixes the count of decimals; None keeps up to 6 significant ones."""
    from babel.numbers import format_decimal

    whole = "#,##0" if grouping else "0"
    fmt = whole + ("." + "0" * decimals if decimals else "") if decimals is not None else whole + ".######"
    return format_decimal(value, format=fmt, locale=language())


def format_date(value: object, style: str = "long") -> str:
    """A date (``datetime.date``) as the current language writes it ("5 décembre 2026",
    "2026年12月5日")."""
    from babel.dates import format_date as babel_date

    return babel_date(value, format=style, locale=language())


def format_datetime(value: object, style: str = "medium") -> str:
    """A date and time (``datetime.datetime``) as the current language writes them."""
    from babel.dates import format_datetime as babel_datetime

    return babel_datetime(value, format=style, locale=language())
