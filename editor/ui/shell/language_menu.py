"""Help > Language: follow the system, or one of the translated languages (applied at the next start)."""

from __future__ import annotations

from PyQt6.QtGui import QAction, QActionGroup
from PyQt6.QtWidgets import QMenu, QWidget

from editor.ui.common.i18n import LANGUAGES, current_language, save_language, saved_language, tr


def add_language_menu(parent_menu: QMenu, window: QWidget) -> QMenu:
    """A checkable list of languages; the choice is saved and used from the next start on."""
    menu = parent_menu.addMenu(tr("&Language"))
    menu.setToolTipsVisible(True)
    group = QActionGroup(menu)
    saved = saved_language()
    entries = [("", tr("System language"))] + [(code, name) for code, name in LANGUAGES.items()]
    for code, label in entries:
        act = QAction(label, menu, checkable=True)
        act.setChecked(code == saved)
        act.setData(code)
        group.addAction(act)
        menu.addAction(act)
        act.triggered.connect(lambda _c=False, c=code: _choose(window, c))
    menu.addSeparator()
    note = menu.addAction(tr("The language changes at the next start."))
    note.setEnabled(False)
    return menu


def _choose(window: QWidget, code: str) -> None:
    save_language(code)
    shown = LANGUAGES.get(code) or tr("System language")
    bar = getattr(window, "statusBar", None)
    if bar is not None:
        bar().showMessage(tr("Language set to {language}: restart Nebulayer to apply it (now: {now}).")
                          .format(language=shown, now=LANGUAGES[current_language()]), 10000)
