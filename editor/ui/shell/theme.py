"""Dark theme: Fusion style with a dark palette, like the editors astrophotographers know.

A dark UI matters at the telescope (night vision) and keeps the image the brightest thing on
screen, which is what judging a stretch needs.
"""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

_WINDOW = QColor(45, 45, 48)
_BASE = QColor(30, 30, 32)
_TEXT = QColor(220, 220, 220)
_DISABLED = QColor(120, 120, 120)
_HIGHLIGHT = QColor(42, 130, 218)

STYLE_SHEET = """
QDockWidget::title { background: #2d2d30; padding: 3px; }
QToolTip { color: #dcdcdc; background-color: #1e1e20; border: 1px solid #555; }
QGroupBox { border: 1px solid #444; margin-top: 8px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; padding: 0 3px; }
QTabBar::tab:top { background: #2d2d30; color: #dcdcdc; border: 1px solid #4a4a4e;
    border-bottom: none; border-top-left-radius: 3px; border-top-right-radius: 3px;
    padding: 4px 12px; margin-right: 1px; margin-top: 2px; }
QTabBar::tab:top:selected { background: #3c3c40; margin-top: 0px; }
QTabBar::tab:top:hover:!selected { background: #353538; }
QTabBar::tab:top:disabled { color: #787878; }
"""
# Top tabs are drawn by the style sheet: Fusion's own lowered unselected tab clipped the
# accent of capitals ("Éditeur" read "Editeur" in French); these are 4 px taller.


def dark_palette() -> QPalette:
    """The palette used for every widget of the editor."""
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, _WINDOW)
    p.setColor(role.WindowText, _TEXT)
    p.setColor(role.Base, _BASE)
    p.setColor(role.AlternateBase, _WINDOW)
    p.setColor(role.ToolTipBase, _BASE)
    p.setColor(role.ToolTipText, _TEXT)
    p.setColor(role.Text, _TEXT)
    p.setColor(role.Button, _WINDOW)
    p.setColor(role.ButtonText, _TEXT)
    p.setColor(role.BrightText, QColor(255, 80, 80))
    p.setColor(role.Link, _HIGHLIGHT)
    p.setColor(role.Highlight, _HIGHLIGHT)
    p.setColor(role.HighlightedText, QColor(255, 255, 255))
    p.setColor(role.PlaceholderText, _DISABLED)
    group = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group, r, _DISABLED)
    return p


def apply_dark_theme(app: QApplication) -> None:
    """Switch ``app`` to Fusion + the dark palette (and pyqtgraph to matching colours)."""
    import pyqtgraph as pg

    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
    pg.setConfigOptions(background=_BASE, foreground=_TEXT)
