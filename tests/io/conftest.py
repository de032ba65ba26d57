"""Helpers for the image-file tests: small synthetic files with known pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits


@pytest.fixture
def write_fits_raw(tmp_path: Path):
    """Write ``stored`` exactly as given (FITS row order) with astropy; returns the path."""

    def _write(name: str, stored: np.ndarray, **cards) -> Path:
        path = tmp_path / name
        hdu = fits.PrimaryHDU(stored)
        for key, value in cards.items():
            hdu.header[key.replace("_", "-")] = value
        hdu.writeto(path)
        return path

    return _write
