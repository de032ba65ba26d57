"""Fixtures for the example plugins' tests (run from the repository: pytest plugins/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.shared_data import shared_data  # noqa: F401 (fixture, one definition for all tests)


def _load_fits(path: Path) -> np.ndarray:
    from astropy.io import fits

    with fits.open(path) as hdul:
        data = np.asarray(hdul[0].data, dtype=np.float32)
    lo, hi = np.nanmin(data), np.nanmax(data)
    out = (data - lo) / (hi - lo)  # 0..1 like the editor's normalised sources
    out.flags.writeable = False
    return out


@pytest.fixture(scope="session")
def m13(shared_data: Path) -> np.ndarray:
    """Amateur 5 s frame of M13 (1040 x 1392, 16-bit), as float32 0..1, read-only."""
    return _load_fits(shared_data / "fits" / "m13_subs" / "M13_blue_0001.fits")


@pytest.fixture(scope="session")
def horsehead(shared_data: Path) -> np.ndarray:
    """DSS photographic plate scan of the Horsehead (893 x 891), float32 0..1, read-only."""
    return _load_fits(shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
