"""Translations of the user interface: ``tr("text")`` everywhere the UI shows words.

Mechanism: GNU gettext catalogs (``editor/locale/<lang>/LC_MESSAGES/nebulayer.po``, compiled to
``.mo`` with Babel and committed; ``tests/ui/test_i18n.py`` fails when a ``.mo`` is older than its
``.po``). Chosen over Qt's .ts/.qm because Qt's ``lrelease`` is not shipped with PyQt6 (only
``pylupdate6``), while Babel is a small, maintained pure-Python package that extracts, merges and
compiles. Qt's own strings (standard buttons, file dialogs) come from the ``qtbase_<lang>.qm``
files that PyQt6 ships, loaded by :func:`install`.

The language: ``$NEBULAYER_LANG`` (tests, scripts) > the choice saved from Help > Language >
the system locale (``LC_ALL``/``LC_MESSAGES``/``LANG``, then ``QLocale.system()``). Languages
without a catalog fall back to English. A change made in the menu applies at the next start.
"""

from __future__ import annotations

import os
from pathlib import Path

from PyQt6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PyQt6.QtGui import QFont, QFontDatabase
from PyQt6.QtWidgets import QApplication

import editor.locale as messages

DOMAIN = "nebulayer"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
ENV_VAR = "NEBULAYER_LANG"
SETTINGS_KEY = "language"
#: Languages with a catalog, and their names as their speakers write them (menu entries).
LANGUAGES = {"en": "English", "fr": "Français", "ja": "日本語"}
#: Fonts with Japanese glyphs, first found wins (Debian fonts-ipafont-gothic, Noto CJK, macOS, Windows).
JAPANESE_FONTS = ("IPAPGothic", "IPAGothic", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic UI",
                  "Meiryo", "MS Gothic")

_qt_translators: list[QTranslator] = []


def _settings() -> QSettings:
    from editor.paths import settings_file

    return QSettings(str(settings_file()), QSettings.Format.IniFormat)


def system_language() -> str:
    """The language the system asks for, as the C library reads it (the non-Qt layer's rule:
    LC_ALL, LC_MESSAGES, LANG, with GNU's LANGUAGE list), else Qt's idea of the system locale."""
    return messages.system_language() or messages.normalise(QLocale.system().name()) or "en"


def saved_language() -> str:
    """The choice saved from the menu; "" means "follow the system"."""
    value = _settings().value(SETTINGS_KEY, "")
    return value if isinstance(value, str) and value in LANGUAGES else ""


def save_language(code: str) -> None:
    """Remember ``code`` ("" = system) for the next start."""
    _settings().setValue(SETTINGS_KEY, code if code in LANGUAGES else "")


def current_language() -> str:
    """The language the UI speaks in this run: a key of :data:`LANGUAGES`."""
    for choice in (messages.normalise(os.environ.get(ENV_VAR)), saved_language(), system_language()):
        if choice:
            return choice if choice in LANGUAGES else "en"
    return "en"


def tr(text: str) -> str:
    """``text`` in the UI's language (English when there is no translation).

    The one catalog of :mod:`editor.locale`, which the layers below (errors, undo names) use
    too; the language lives in ``$NEBULAYER_LANG`` (set here on first use, and by
    :func:`install`), so a test that changes it for one test changes it back for the next."""
    if os.environ.get(messages.ENV_VAR) is None:
        messages.use(current_language())
    return messages._(text)


def reset() -> None:
    """Forget the loaded catalogs (a catalog recompiled in this process)."""
    messages.reset()


def install(app: QApplication) -> str:
    """Apply the language to ``app``: Qt's own translations, the default QLocale (dates and
    numbers in spin boxes and ``QLocale().toString``), and a font with the script's glyphs."""
    reset()
    lang = messages.use(current_language())  # errors and undo names made below the UI follow
    for old in _qt_translators:
        app.removeTranslator(old)
    _qt_translators.clear()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if lang != "en":
        for name in ("qtbase",):
            translator = QTranslator(app)
            if translator.load(f"{name}_{lang}", qt_dir):
                app.installTranslator(translator)
                _qt_translators.append(translator)
    QLocale.setDefault(_locale_for(lang))
    if lang == "ja":
        _use_japanese_font(app)
    return lang


def _locale_for(lang: str) -> QLocale:
    """The system locale when it speaks ``lang`` (keeps fr_CA vs fr_FR), else the language's
    main locale."""
    system = QLocale.system()
    if messages.normalise(system.name()) == lang:
        return system
    return QLocale(lang)


def _use_japanese_font(app: QApplication) -> None:
    """Put a Japanese-capable family right after the UI font so kana/kanji never show as boxes."""
    available = set(QFontDatabase.families())
    found = [f for f in JAPANESE_FONTS if f in available]
    if not found:
        return
    font = QFont(app.font())
    font.setFamilies([font.family(), *found])
    app.setFont(font)


def format_number(value: float, decimals: int = 2) -> str:
    """``value`` with the locale's decimal separator and digit grouping."""
    return QLocale().toString(float(value), "f", decimals)


def format_datetime(value, short: bool = True) -> str:
    """A ``datetime``/``QDateTime`` the way the locale writes dates and times."""
    from PyQt6.QtCore import QDateTime

    if not isinstance(value, QDateTime):
        value = QDateTime(value)
    fmt = QLocale.FormatType.ShortFormat if short else QLocale.FormatType.LongFormat
    return QLocale().toString(value, fmt)



N_ = messages.N_  # marks a text for extraction where defined; translated where shown, with tr()
