"""NEBULAYER_MEMORY_BUDGET bounds the real peak of a render (measured resident size of a
separate process: sources, cache, temporaries and the interpreter itself), and a job that
cannot fit is refused up front in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3

# Runs the CLI in a fresh interpreter and prints its own peak resident size: VmHWM of
# /proc/self/status, the high-water mark of this address space. (getrusage's ru_maxrss is
# carried over exec on Linux: a child of this big test process would report its parent's.)
HWM = """
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
"""
PEAK = HWM + """
import json, sys
from editor.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "peak": hwm()}))
"""
BASELINE = HWM + """
import json
import numpy, scipy.ndimage, astropy.io.fits, tifffile, editor.cli, editor.render.tiles_cli
import editor.render.tiles_export, editor.core.document, filters
print(json.dumps({"peak": hwm()}))
"""


def _run(code: str, args: list[str], budget: str, tmp: Path) -> tuple[dict, str]:
    env = {"NEBULAYER_MEMORY_BUDGET": budget, "PATH": "/usr/bin:/bin", "HOME": str(tmp),
           "NEBULAYER_MAP_DIR": str(tmp), "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, timeout=1200)
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "{}"
    return json.loads(last), run.stderr


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_12000x9000_rgb_render_peaks_under_a_2g_budget(shared_data, tmp_path):
    from tests.tiles.big_doc import make_project

    project = make_project(shared_data, tmp_path / "big.nebula", 9000, 12000)  # 1.2 GiB pixels
    base, _ = _run(BASELINE, [], "2G", tmp_path)
    out = tmp_path / "big.tif"
    got, err = _run(PEAK, ["render", str(project), "-o", str(out)], "2G", tmp_path)
    assert got.get("code") == 0, err
    print(f"peak {got['peak'] / GIB:.2f} GiB, interpreter + libraries {base['peak'] / GIB:.2f} GiB")
    assert got["peak"] < 2 * GIB  # the whole process, interpreter included
    import tifffile

    with tifffile.TiffFile(out) as tf:
        assert tf.pages[0].shape == (9000, 12000, 3)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("nebulayer-map-")]


def test_a_render_that_cannot_fit_is_refused_in_one_line(tmp_path):
    from editor import Document

    doc = Document.from_image(np.random.default_rng(0).random((300, 400, 3), np.float32))
    doc.add_adjustment("levels", black=0.1)
    project = doc.save(tmp_path / "p.nebula") or tmp_path / "p.nebula"
    got, err = _run(PEAK, ["render", str(project), "-o", str(tmp_path / "o.tif")], "40M",
                    tmp_path)
    assert got.get("code") == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "memory budget" in lines[0] and "NEBULAYER_MEMORY_BUDGET" in lines[0]
    assert not (tmp_path / "o.tif").exists()
