"""The editor window's fixtures (isolated user folders, captured message boxes, the window)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ui"))

from tests.ui.conftest import Dialogs, dialogs, isolated_user_dirs, window  # noqa: E402,F401
