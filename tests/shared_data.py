"""Where the real camera/FITS files of ../shared/data are, for every test area (tests/ and the
example plugins' tests): one definition, imported by both conftest files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("NEBULAYER_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real camera/FITS files of ../shared/data (see its PROVENANCE.md), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (set NEBULAYER_SHARED_DATA)")
    return SHARED_DATA
