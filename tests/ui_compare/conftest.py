"""A real document with two states for the comparison widgets (offscreen Qt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

HORSEHEAD = Path("fits") / "horsehead_dss_ukschmidt.fits"


@pytest.fixture()
def processed_doc(shared_data: Path):
    """The Horsehead as opened (snapshot "Original") plus a square-root layer: a brighter "Current"."""
    from editor.core.document import Document
    from editor.render.comparison import take_original_snapshot

    doc = Document.from_image(shared_data / HORSEHEAD)
    original = take_original_snapshot(doc)
    base = np.asarray(doc.render(), dtype=np.float32)
    lo, hi = float(np.nanmin(base)), float(np.nanmax(base))
    doc.add_image(np.sqrt((base - lo) / (hi - lo)).astype(np.float32), name="sqrt")
    return doc, original


@pytest.fixture()
def view(qtbot, processed_doc):
    """A CompareView of ``processed_doc`` on screen (offscreen platform), first render done."""
    from editor.ui.compare.view import CompareView

    doc, _ = processed_doc
    v = CompareView()
    qtbot.addWidget(v)
    v.resize(1000, 650)
    v.show()
    qtbot.waitExposed(v)
    with qtbot.waitSignal(v.rendered, timeout=20000):
        v.set_document(doc)
    yield v
    v.shutdown()
