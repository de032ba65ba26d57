"""A user's big-mosaic journey, with time and peak memory per step (not collected by pytest).

    python tests/benchmarks/bench_mosaic.py [--width 12000 --height 8400] [--keep DIR]

Builds a ~100 MP linear RGB float32 mosaic from 4 overlapping panels (32-bit FITS written with
editor.export_image), each with its own background level, light-pollution gradient and NaN
border, placed with offsets on a Document.new canvas that they do not fully cover. Adds
extract_background, neutralize_background, auto_stretch, levels through a contrast_mask
(radius 1000, blur 100) and curves; renders a 0.1 preview, the full canvas and a region;
saves the project and renders it with the CLI to a 16-bit TIFF and a 32-bit FITS.

Peak memory is the process's resident high-water mark (VmHWM, reset before each step via
/proc/self/clear_refs), and each CLI run's own VmHWM. Correctness figures: NaN/Inf count
in covered pixels, preview vs. downscaled full render, region vs. full-render crop.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from editor import Document, export_image
from editor.core.masks import GeneratedMask

GIB = 1024**3


def _hwm_reset() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _hwm() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / GIB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


def _rss() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def step(name: str, fn):
    _hwm_reset()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{name:<34} {dt:8.1f} s   peak {_hwm():6.2f} GiB   now {_rss():6.2f} GiB", flush=True)
    return out


def make_panel(h: int, w: int, level: float, grad: tuple[float, float], seed: int) -> np.ndarray:
    """Linear RGB panel: sky level + tilted gradient + faint nebula + stars + noise; NaN border."""
    rng = np.random.default_rng(seed)
    out = np.empty((h, w, 3), np.float32)
    yy = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    base = np.float32(level) + np.float32(grad[0]) * yy + np.float32(grad[1]) * xx
    tint = (1.0, 0.9, 0.8)
    for c in range(3):
        band = out[:, :, c]
        band[:] = base * np.float32(tint[c])
        band += rng.standard_normal((h, w), dtype=np.float32) * np.float32(0.002)
    n = h * w // 4000
    ys, xs = rng.integers(2, h - 2, n), rng.integers(2, w - 2, n)
    out[ys, xs] += rng.uniform(0.05, 0.8, (n, 1)).astype(np.float32)
    out[:12] = np.nan  # alignment border left by the stacker
    out[:, -9:] = np.nan
    return out


def write_panels(folder: Path, width: int, height: int) -> list[tuple[Path, tuple[int, int]]]:
    ph, pw = int(height * 0.53), int(width * 0.52)
    offs = [(0, 0), (int(height * 0.012), width - pw - int(width * 0.015)),
            (height - ph - int(height * 0.01), int(width * 0.008)), (height - ph, width - pw)]
    levels = [0.05, 0.08, 0.065, 0.11]
    grads = [(0.02, 0.03), (-0.015, 0.04), (0.03, -0.02), (0.01, 0.01)]
    out = []
    for i, (off, lv, gr) in enumerate(zip(offs, levels, grads)):
        p = folder / f"panel{i + 1}.fits"
        px = make_panel(ph, pw, lv, gr, seed=i)
        export_image(px, p, bits=32)
        del px
        out.append((p, off))
    return out


def coverage(panels, width: int, height: int) -> np.ndarray:
    from editor.io import open_image

    cov = np.zeros((height, width), bool)
    for p, (oy, ox) in panels:
        img = open_image(p).data
        valid = np.isfinite(img).all(axis=2)
        h, w = valid.shape
        cov[oy:oy + h, ox:ox + w] |= valid
    return cov


# The child reports its own VmHWM: a child's ru_maxrss counts the parent's resident memory
# at fork time on Linux, so it would report this (big) process's size.
_CLI = ("import sys, pathlib\n"
        "from editor.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "hwm = [l for l in pathlib.Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmHWM:')]\n"
        "print(int(hwm[0].split()[1]) if hwm else 0)\n"
        "sys.exit(rc)\n")


def run_cli(args: list[str]) -> tuple[int, float, float, str]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True)
    kib = int(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else 0
    return proc.returncode, time.perf_counter() - t, kib * 1024 / GIB, proc.stderr.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=12000)
    ap.add_argument("--height", type=int, default=8400)
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    ap.add_argument("--skip-cli", action="store_true")
    a = ap.parse_args()
    tmp = None
    if a.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_mosaic_")
        folder = Path(tmp.name)
    else:
        folder = a.keep
        folder.mkdir(parents=True, exist_ok=True)
    W, H = a.width, a.height
    print(f"canvas {W}x{H} = {W * H / 1e6:.0f} MP RGB float32 ({W * H * 12 / GIB:.2f} GiB a copy)")

    panels = step("write 4 panels (FITS 32)", lambda: write_panels(folder, W, H))
    doc = Document.new(W, H)

    def build():
        for p, off in panels:
            doc.add_image(str(p), offset=off)
        doc.add_adjustment("extract_background")
        doc.add_adjustment("neutralize_background")
        doc.add_adjustment("auto_stretch")
        lid = doc.add_adjustment("levels", midtone=0.4)
        doc.set_mask(lid, GeneratedMask("contrast_mask", {"radius": 1000.0, "blur": 100.0}))
        doc.add_adjustment("curves")

    step("open panels, build stack", build)
    preview = step("preview render scale 0.1", lambda: doc.render(scale=0.1, copy=False))
    full = step("full render", lambda: doc.render(copy=False))
    print(f"  cache: {doc.cache.nbytes / GIB:.2f} GiB in {len(doc.cache)} entries "
          f"(max {doc.cache.max_bytes / GIB:.2f} GiB)")

    cov = step("coverage of the panels", lambda: coverage(panels, W, H))
    bad_cov = int((~np.isfinite(full[cov])).sum())
    print(f"  non-finite values in covered pixels: {bad_cov}; "
          f"uncovered pixels: {int((~cov).sum())}, their values: "
          f"min {np.nanmin(full[~cov]) if (~cov).any() else 0:.4f} "
          f"NaN {int(np.isnan(full[~cov]).sum())}")
    f = 10
    hh, ww = (H // f) * f, (W // f) * f
    down = full[:hh, :ww].reshape(hh // f, f, ww // f, f, -1).mean(axis=(1, 3))
    pv = preview[: hh // f, : ww // f]
    ok = np.isfinite(down).all(axis=2) & np.isfinite(pv).all(axis=2)
    diff = np.abs(pv - down)[ok]
    print(f"  preview vs full downscaled x10: mean |d| {diff.mean():.4f}, p99 "
          f"{np.percentile(diff, 99):.4f}, max {diff.max():.4f}")
    region = (W // 2 - 600, H // 2 - 400, 1200, 800)
    reg = step("region render 1200x800 (middle)", lambda: doc.render(region=region))
    x, y, w, h = region
    print(f"  region vs crop: max |d| {np.nanmax(np.abs(reg - full[y:y + h, x:x + w])):.2e}, "
          f"NaN mismatch {int((np.isnan(reg) != np.isnan(full[y:y + h, x:x + w])).sum())}")
    del full, preview, reg, cov, down
    proj = folder / "mosaic.nebula"
    step("save project (references)", lambda: doc.save(proj, embed_sources=False))
    doc.cache.clear()
    del doc
    if a.skip_cli:
        return
    for out, bits in (("mosaic16.tif", 16), ("mosaic32.fits", 32)):
        rc, dt, peak, err = run_cli(["render", str(proj), "-o", str(folder / out), "--bits", str(bits)])
        print(f"CLI render -> {out:<24} {dt:8.1f} s   peak {peak:6.2f} GiB   exit {rc}  "
              f"{err.splitlines()[-1] if err else ''}", flush=True)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
