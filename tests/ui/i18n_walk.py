"""Collect every string a person can read in a window or dialog (for the translation tests)."""

from __future__ import annotations

import re
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (QAbstractButton, QAbstractItemView, QComboBox, QDockWidget, QGroupBox,
                             QLabel, QLineEdit, QMainWindow, QMenu, QTabWidget, QToolBar, QWidget)


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text or "")  # rich-text labels
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def menu_texts(menu: QMenu, out: list[str]) -> None:
    """Every action of ``menu`` and its sub-menus (what the menu bar shows when opened)."""
    for act in menu.actions():
        if act.isSeparator():
            continue
        out += [act.text(), act.toolTip() if act.toolTip() != act.text().replace("&", "") else ""]
        if act.menu() is not None:
            menu_texts(act.menu(), out)


def widget_texts(root: QWidget) -> list[str]:
    """Texts of ``root`` and its visible children: labels, buttons, group boxes, tabs, dock
    titles, headers, combo items, placeholders, tool tips, tool-bar and menu actions."""
    out: list[str] = [root.windowTitle()]
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if w is not root and not w.isVisibleTo(root) and not isinstance(w, QMenu):
            continue
        out.append(w.toolTip())
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QGroupBox):
            out.append(w.title())
        elif isinstance(w, QDockWidget):
            out.append(w.windowTitle())
        elif isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())] + [w.tabToolTip(i) for i in range(w.count())]
        elif isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            header = getattr(w, "horizontalHeader", None) or getattr(w, "header", None)
            if header is not None and not header().isHidden():
                m = header().model()
                out += [str(m.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(header().count())]
        elif isinstance(w, QToolBar):
            for act in w.actions():
                out += [act.text(), act.toolTip()]
    if isinstance(root, QMainWindow):
        for act in root.menuBar().actions():
            out.append(act.text())
            if act.menu() is not None:
                menu_texts(act.menu(), out)
    for menu in root.findChildren(QMenu):
        menu_texts(menu, out)
    return [t for t in (_clean(s) for s in out) if re.search(r"[^\W\d_]{2,}", t)]
