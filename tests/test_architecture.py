"""Everything below the UI works without Qt: scriptable and testable on a machine without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Importing a module mapped to None raises ImportError: this is Python without PyQt6/pyqtgraph.
SCRIPT = """
import sys
for name in ("PyQt6", "pyqtgraph"):
    sys.modules[name] = None
import numpy as np
import filters, editor.acquisition, editor.plugins.registry
from editor import Document, open_image, export_image
doc = Document.from_image(sys.argv[1])
doc.add_adjustment("levels", midtone=0.4)
out = doc.render(scale=0.5)
assert out.dtype == np.float32 and np.isfinite(out).all()
bad = [m for m in sys.modules if m.startswith(("PyQt6", "pyqtgraph")) and sys.modules[m] is not None]
assert not bad, bad
print("ok")
"""


def test_core_render_and_io_run_without_qt_installed() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "samples" / "deep_sky_field.fits")],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
