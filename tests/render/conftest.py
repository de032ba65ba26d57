"""Shares the document-model fixtures of tests/core (private registry, cache, documents)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "core"))

from conftest_core_shared import *  # noqa: E402,F401,F403
