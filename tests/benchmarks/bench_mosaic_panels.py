"""Mosaic engine on a ~100 MP canvas: 4 rotated, perturbed panels with WCS -> plan, preview,
the first fit view's six preview scales (the former rule's reductions alone vs the whole new
previews), region and full render; time as multiples of one memory pass over the canvas,
peak memory.

    python tests/benchmarks/bench_mosaic_panels.py [--side 10000] [--blend feather|multiband]

The panels are the real 2MASS K plate (../shared/data) enlarged to the canvas size (bilinear,
WCS scaled to match), cut into 4 overlapping panels turned by 0.5-3 deg, with their own gain,
offset and noise (tests/mosaic/cutting.py). A memory pass = copying one canvas-sized float32
array, measured in the same run, so the figures compare across machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

GIB = 1024**3


def _hwm_reset() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def memory_pass(shape: tuple[int, int]) -> float:
    a = np.ones(shape, np.float32)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    from editor.mosaic.build import plan_mosaic
    from editor.mosaic.compose import render_mosaic
    from tests.mosaic.cutting import cut_panel, header_of, load_plate, perturb
    from tests.shared_data import SHARED_DATA

    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=10000, help="canvas side (px), ~side^2 pixels")
    ap.add_argument("--blend", choices=("feather", "multiband"), default="feather")
    a = ap.parse_args()

    plate = load_plate(SHARED_DATA / "fits" / "multiband_gc" / "gc_2mass_k.fits")
    f = a.side / plate.data.shape[0]
    t0 = time.perf_counter()
    s = int(a.side * 0.53)
    specs = [(0, 0, s, s, 0.0), (0, a.side - s, s, s, 1.5), (a.side - s, 0, s, s, -2.0),
             (a.side - s, a.side - s, s, s, 3.0)]
    perturbs = [(1.0, 0.0), (1.3, 20.0), (0.7, -10.0), (1.15, 30.0)]
    panels = []
    for k, (spec, (g, o)) in enumerate(zip(specs, perturbs)):
        d, w = cut_panel(plate, *spec, zoom=f, order=1)
        panels.append((perturb(d, g, o, (0.0, 0.0), 1.0, seed=k), header_of(w)))
        del d
    print(f"made 4 panels of {s}x{s} in {time.perf_counter() - t0:.1f} s", flush=True)
    pixels = [p for p, _ in panels]

    def step(name: str, fn, canvas_shape: tuple[int, int] | None = None):
        _hwm_reset()
        base = _status("VmRSS:")
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        passes = "" if canvas_shape is None else f"  = {dt / memory_pass(canvas_shape):7.0f} memory passes"
        print(f"{name:<28} {dt:7.1f} s{passes}   peak +{_status('VmHWM:') - base:5.2f} GiB "
              f"over {base:5.2f} GiB", flush=True)
        return out

    plan = step("plan (WCS frame + balance)",
                lambda: plan_mosaic(panels, align="wcs", blend=a.blend))
    h, w = plan.shape
    print(f"canvas {w}x{h} = {w * h / 1e6:.0f} MP; panels {4 * s * s / 1e6:.0f} MP; "
          f"gains {[round(p.gain[0], 3) for p in plan.panels]} (truth 1, 0.769, 1.429, 0.870)")
    step("preview (scale 0.1)", lambda: render_mosaic(plan, pixels, 0.1))
    # The first fit view's preview scales (mosaicview.md) in a 1920x1080 window: the fit
    # level, its overview and placeholder levels, the 150 000-pixel placeholder, the auto
    # stretch's 1024 px and the levels histogram's 512 px measures. New: per-panel levels,
    # each derived from one made before; former rule: every panel block-reduced per scale.
    import math

    from editor.mosaic.panels import PanelCache, preview_block, reduce_blocks

    fit = 2.0 ** -math.ceil(math.log2(max(w / 1920, h / 1080)))
    scales = [fit, fit / 16, fit / 8, math.sqrt(150000 / (w * h)), 1024 / max(w, h), 512 / max(w, h)]
    print(f"first fit view: 1/scale {[round(1 / v, 1) for v in scales]}; load "
          f"{'/'.join(f'{v:.1f}' for v in __import__('os').getloadavg())}")
    step("  former: a reduction per scale",
         lambda: [reduce_blocks(p, preview_block(sc)) for sc in scales for p in pixels])
    cache = PanelCache()
    step("  new: levels, six scales", lambda: [render_mosaic(plan, pixels, sc, cache=cache,
                                                             keys=list(range(4))) for sc in scales])
    step("region 2000x2000 (scale 1)",
         lambda: render_mosaic(plan, pixels, 1.0, (h // 2 - 1000, h // 2 + 1000, w // 2 - 1000, w // 2 + 1000)))
    full = step("full render (scale 1)", lambda: render_mosaic(plan, pixels, 1.0), (h, w))
    print(f"full render: {full.nbytes / GIB:.2f} GiB, {np.isnan(full).mean() * 100:.1f} % uncovered (NaN)")


if __name__ == "__main__":
    main()
