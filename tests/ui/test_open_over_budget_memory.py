"""The editor's whole process stays under NEBULAYER_MEMORY_BUDGET while it opens a project
whose canvas is larger than the budget, shows it (fit, then 100 %), edits it with a levels
layer, saves it and exports it: the peak resident size (VmHWM, read by the child itself:
getrusage's ru_maxrss carries over exec) of a separate window process, interpreter and Qt
included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3

CHILD = r"""
import json, os, sys, time

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

from PyQt6.QtCore import QPointF
from PyQt6.QtWidgets import QMessageBox
from editor.ui.shell.app import create_window, make_application

said = []
QMessageBox.critical = staticmethod(lambda *a, **k: said.append(str(a[2])))
app = make_application()
win = create_window([sys.argv[1]], offer_recovery=False, open_sample=False)  # `nebulayer FILE`
win.resize(1200, 800)
win.show()

def until(cond, timeout=600.0):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            return False
        app.processEvents()
        time.sleep(0.005)
    return True

out = {}
job = win.files.last_job
until(lambda: job.done)
out["open_error"] = job.error
tiles = win.editor.tiles
out["tiled"] = tiles.enabled
out["shown_fit"] = until(tiles.complete)
win.editor.canvas.zoom_to(1.0, QPointF(600, 400))
out["shown_100"] = until(tiles.complete)
out["displayed"] = hwm()
doc = win.model.doc
lid = win.editor.layers.add_adjustment("levels")
doc.set_params(lid, black=0.05)
time.sleep(0.1)
out["shown_levels"] = until(tiles.complete)
job = win.files.save_to(sys.argv[2])
until(lambda: job.done)
out["save_error"] = job.error
job = win.files.export_to(sys.argv[3], 16)
until(lambda: job.done)
out["export_error"] = job.error
out["said"] = said
out["peak"] = hwm()
win.editor.renderer.shutdown()
tiles.shutdown()
print(json.dumps(out), flush=True)
os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_window_opens_shows_edits_saves_and_exports_a_canvas_past_the_budget_within_it(
        shared_data, tmp_path):
    from editor import Document
    from tests.tiles.big_doc import tiled_plate

    h, w = 9000, 10000  # RGB float32: 1.0 GiB of canvas, more than the budget
    project = tmp_path / "big.nebula"
    Document.from_image(tiled_plate(shared_data, h, w)).save(project)
    env = {"NEBULAYER_MEMORY_BUDGET": "1G", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "NEBULAYER_MAP_DIR": str(tmp_path), "PYTHONPATH": str(REPO),
           "QT_QPA_PLATFORM": "offscreen", "NEBULAYER_LANG": "en",
           "NEBULAYER_DATA_DIR": str(tmp_path / "data"),
           "NEBULAYER_CONFIG_DIR": str(tmp_path / "config")}
    saved, out = tmp_path / "saved.nebula", tmp_path / "out.tif"
    run = subprocess.run([sys.executable, "-c", CHILD, str(project), str(saved), str(out)],
                         capture_output=True, text=True, env=env, timeout=1400)
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr[-2000:]
    got = json.loads(lines[-1])
    print(f"peak {got['peak'] / GIB:.2f} GiB (after display {got['displayed'] / GIB:.2f} GiB)")
    assert got["open_error"] is None and got["said"] == []
    assert got["tiled"] and got["shown_fit"] and got["shown_100"] and got["shown_levels"]
    assert got["save_error"] is None and got["export_error"] is None
    assert got["peak"] < 1 * GIB  # the whole window process, Qt and interpreter included
    import tifffile

    with tifffile.TiffFile(out) as tf:
        assert tf.pages[0].shape == (h, w, 3)
    assert saved.stat().st_size > 12 * h * w  # the source embedded again, whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("nebulayer-map-")]
