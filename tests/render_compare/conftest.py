"""Real-data fixtures for the comparison tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

HORSEHEAD = Path("fits") / "horsehead_dss_ukschmidt.fits"


@pytest.fixture(scope="session")
def horsehead(shared_data: Path) -> np.ndarray:
    """The DSS Horsehead plate scan as float32 0..1 (893 x 891, mono)."""
    from astropy.io import fits

    with fits.open(shared_data / HORSEHEAD) as hdul:
        data = hdul[0].data.astype(np.float32)
    lo, hi = np.nanmin(data), np.nanmax(data)
    out = (data - lo) / (hi - lo)
    out.flags.writeable = False
    return out


@pytest.fixture(scope="session")
def horsehead_path(shared_data: Path) -> Path:
    return shared_data / HORSEHEAD


@pytest.fixture()
def processed_doc(horsehead_path: Path):
    """A real document: the Horsehead as opened (snapshot "Original") plus a brighter layer on top.

    The extra layer is the square root of the plate (a crude stretch), so "Current" and
    "Original" differ everywhere the sky is not black.
    """
    from editor.core.document import Document
    from editor.render.comparison import take_original_snapshot

    doc = Document.from_image(horsehead_path)
    original = take_original_snapshot(doc)
    base = np.asarray(doc.render(), dtype=np.float32)
    lo, hi = float(np.nanmin(base)), float(np.nanmax(base))
    doc.add_image(np.sqrt((base - lo) / (hi - lo)).astype(np.float32), name="sqrt")
    return doc, original
