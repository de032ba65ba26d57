"""Tests of issue 11's value ranges, sky coordinates and command-line conventions."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
