"""fitsverify as a test assertion."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def assert_fitsverify_clean(path: Path) -> None:
    """The file passes NASA's fitsverify with 0 warnings and 0 errors (skip if not installed)."""
    if shutil.which("fitsverify") is None:
        pytest.skip("fitsverify not installed (Debian package fitsverify)")
    out = subprocess.run(["fitsverify", str(path)], capture_output=True, text=True)
    assert "Verification found 0 warning(s) and 0 error(s)" in out.stdout, out.stdout[-2000:]
