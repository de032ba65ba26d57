"""Issue 17, layout at 1366x768 in French: the Info panel's key column shows translated keys
in full ("plage des données"), unselected tabs show the accent of "Éditeur", and the
histogram's statistics fit the panel."""

from __future__ import annotations

import numpy as np
from PyQt6.QtGui import QFontMetrics


def _bright_rows(qtbot, text: str) -> int:
    """Rows holding text pixels in an unselected top tab labelled ``text``."""
    from PyQt6.QtWidgets import QTabWidget, QWidget

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), text)
    tabs.addTab(QWidget(), "Acquisition")
    tabs.setCurrentIndex(1)  # the first tab is the unselected (lowered) one
    tabs.resize(300, 80)
    tabs.show()
    qtbot.waitExposed(tabs)
    rect = tabs.tabBar().tabRect(0)
    img = tabs.tabBar().grab(rect).toImage()
    rows = 0
    for y in range(img.height()):
        if any(img.pixelColor(x, y).lightness() > 110 for x in range(4, img.width() - 4)):
            rows += 1
    return rows


def test_unselected_tab_shows_the_accent_of_capital_e(qtbot, french):
    from editor.ui.shell.app import make_application

    make_application()  # the editor's theme
    # one letter, so no ascender ("d") hides whether the accent made it (any UI font)
    assert _bright_rows(qtbot, "É") > _bright_rows(qtbot, "E")


def test_french_info_panel_keys_fit_their_column(qtbot, french):
    from editor.core.document import Document
    from editor.ui.shell.app import create_window

    win = create_window([], offer_recovery=False, open_sample=False)
    qtbot.addWidget(win)
    win.resize(1366, 740)
    win.show()
    try:
        img = np.random.default_rng(1).random((40, 60)).astype(np.float32)
        doc = Document.from_image(img)
        src = next(iter(doc.sources.values()))
        src.meta.data_range = (0.0, 1.0)
        src.meta.header = {"SIMPLE": True, "HIERARCH ESO DET CHIP NAME": "E2V"}
        win.set_document(doc)
        panel = win.editor.metadata
        win.editor.docks["Info"].raise_()
        qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0)
        tree = panel.tree
        fm = QFontMetrics(tree.font())
        rows = {}
        for i in range(tree.topLevelItemCount()):
            group = tree.topLevelItem(i)
            rows.update({group.child(j).text(0): group.child(j) for j in range(group.childCount())})
        assert "plage des données" in rows and "HIERARCH ESO DET CHIP NAME" in rows
        translated = [k for k in rows if not k.isupper()]  # the panel's own keys, in French
        need = max(fm.horizontalAdvance(k) for k in translated) + 2 * tree.indentation()
        assert tree.columnWidth(0) >= need, (tree.columnWidth(0), need)
        # a very long key is cut so the values stay visible; it is in full on hover
        from editor.ui.panels.metadata_panel import VALUE_COLUMN_MIN

        assert tree.columnWidth(0) <= tree.viewport().width() - VALUE_COLUMN_MIN
        assert rows["HIERARCH ESO DET CHIP NAME"].toolTip(0) == "HIERARCH ESO DET CHIP NAME"
    finally:
        win.editor.renderer.shutdown()


def test_histogram_clipping_percentages_are_short():
    from editor.ui.panels.histogram_panel import _fmt_pct

    assert _fmt_pct(0.0005086) == "<0.01"
    assert _fmt_pct(0.0) == "0" and _fmt_pct(12.345) == "12.35"
