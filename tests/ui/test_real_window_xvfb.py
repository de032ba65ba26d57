"""The editor started as a user starts it, on a real X server (Xvfb), screenshot checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.xvfb, pytest.mark.timeout(180)]
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_window_on_a_real_x_server_shows_the_fits_image(shared_data, tmp_path):
    from PIL import Image

    out = tmp_path / "shot.png"
    env = {**os.environ, "NEBULAYER_DATA_DIR": str(tmp_path / "data")}
    env.pop("QT_QPA_PLATFORM", None)  # the real xcb platform this time
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
         str(REPO / "tests" / "ui" / "make_screenshot.py"),
         str(shared_data / "fits" / "horsehead_dss_ukschmidt.fits"), "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=150)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[:2] == (920, 1500)
    centre = img[300:600, 500:1000].astype(float)
    assert centre.std() > 10  # the nebula is drawn, not an empty canvas
    assert img[:20].mean() < 90  # dark theme menu bar
