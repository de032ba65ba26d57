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
