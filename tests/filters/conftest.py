"""Helpers for the filters tests: real images from ../shared/data, normalised to 0..1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits


def load_fits(path: Path) -> np.ndarray:
    """First image HDU as float32, scaled to 0..1 by its min/max."""
    with fits.open(path) as hdul:
        data = next(h.data for h in hdul if h.data is not None and h.data.ndim == 2)
        a = np.asarray(data, dtype=np.float32)
    lo, hi = np.nanmin(a), np.nanmax(a)
    return (a - lo) / (hi - lo)


@pytest.fixture(scope="session")
def horsehead(shared_data: Path) -> np.ndarray:
    """DSS plate of the Horsehead, 893 x 891 mono."""
    return load_fits(shared_data / "fits" / "horsehead_dss_ukschmidt.fits")


@pytest.fixture(scope="session")
def gc_rgb(shared_data: Path) -> np.ndarray:
    """2MASS K, H, J of the Galactic Centre as R, G, B (720 x 721 x 3), each band 0..1."""
    folder = shared_data / "fits" / "multiband_gc"
    return np.dstack([load_fits(folder / f"gc_2mass_{b}.fits") for b in "khj"])


@pytest.fixture(scope="session")
def m13_subs(shared_data: Path) -> list[np.ndarray]:
    """The five M13 subframes (1040 x 1392, uint16 ADU / 65535)."""
    out = []
    for f in sorted((shared_data / "fits" / "m13_subs").glob("M13_blue_*.fits")):
        with fits.open(f) as hdul:
            out.append(np.asarray(hdul[0].data, dtype=np.float32) / 65535.0)
    assert len(out) == 5
    return out
