"""Stacking time and peak memory, Nebulayer vs Siril, as ratios to one memory pass (not collected
by pytest).

    python tests/benchmarks/bench_stacking.py [--lights 10] [--size 512] [--big 16x3000x2000]

1. The synthetic calibrated session of tests/stacking (Horsehead plate, bias, darks, flats,
   rotated lights): `nebulayer stack` and `siril-cli` (Siril's own preprocessing script) on the
   same files, each in a child process; wall time and the child's peak resident memory.
   The memory pass is a child that opens every light once and sums them: the least any stacker
   must do. Ratios are to that pass, measured in the same run.
2. Memory bound: ``--big NxWxH`` plain star-field lights stacked with
   NEBULAYER_MEMORY_BUDGET=1G, N/4 of them then all N: the peak does not grow with N (frames
   wait on disk; one band of rows of all frames is in memory at a time).
   Also prints the band height chosen for 100 frames of 24 MP under the default 8 GiB budget.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.stacking.siril import run_siril, siril_cli  # noqa: E402
from tests.stacking.synthetic import make_dataset  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, code)
"""

MEMORY_PASS = """
import sys
import numpy as np
from editor.io import open_image
total = None
for path in sys.argv[1:]:
    data = open_image(path).data
    total = data.astype(np.float64) if total is None else total + data
print(float(np.nanmean(total)))
"""


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True,
                         env=env, cwd=REPO)
    seconds, peak, code = out.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{cmd[0]} failed: {out.stderr.strip()[-300:]}")
    return float(seconds), int(peak)


def mib(n: int) -> str:
    return f"{n / 2**20:7.0f} MiB"


def star_field(path: Path, shape: tuple[int, int], seed: int) -> None:
    from astropy.io import fits

    sky = np.random.default_rng(0)  # one field; each frame drifts over it, with its own noise
    h, w = shape
    ys = sky.uniform(10, h - 10, 3000) + seed * 0.7
    xs = sky.uniform(10, w - 10, 3000) - seed * 0.4
    fluxes = sky.uniform(500, 20000, 3000)
    img = np.random.default_rng(seed + 1).normal(1000, 20, shape).astype(np.float32)
    for y, x, f in zip(ys, xs, fluxes):
        yi, xi = int(y), int(x)
        if 5 <= yi < h - 5 and 5 <= xi < w - 5:
            yy, xx = np.mgrid[yi - 5:yi + 6, xi - 5:xi + 6]
            img[yi - 5:yi + 6, xi - 5:xi + 6] += f * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / 4.5)
    fits.PrimaryHDU(np.clip(img, 0, 65535).astype(np.uint16),
                    fits.Header({"EXPTIME": 30.0, "IMAGETYP": "Light Frame"})).writeto(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lights", type=int, default=10)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--big", default="16x2000x1500", help="NxWxH for the memory-bound runs "
                    "(N/4 then N lights), or 'none'")
    args = ap.parse_args()
    plate = REPO.parent / "shared" / "data" / "fits" / "horsehead_dss_ukschmidt.fits"
    nebulayer = [str(REPO / ".venv" / "bin" / "nebulayer")]
    with tempfile.TemporaryDirectory(prefix="bench-stacking-") as tmp:
        tmp = Path(tmp)
        data = make_dataset(plate, tmp / "frames", size=args.size, n_lights=args.lights)
        base_t, base_m = measure([sys.executable, "-c", MEMORY_PASS, *map(str, data.lights)])
        print(f"session: {args.lights} lights of {args.size}x{args.size} + "
              f"{len(data.darks)} darks, flats, bias")
        print(f"  memory pass (open + sum the lights): {base_t:6.2f} s {mib(base_m)}")
        ours_t, ours_m = measure(nebulayer + ["stack", *map(str, data.lights), "--darks",
                                              *map(str, data.darks), "--flats",
                                              *map(str, data.flats), "--bias",
                                              *map(str, data.bias), "-o", str(tmp / "ours.fits")])
        print(f"  nebulayer stack: {ours_t:6.2f} s {mib(ours_m)}   x{ours_t / base_t:.1f} time, "
              f"x{ours_m / base_m:.2f} memory of the pass")
        if siril_cli():
            t = time.perf_counter()
            run_siril(tmp / "siril", data.lights, data.darks, data.flats, data.bias)
            sir_t = time.perf_counter() - t
            sir_t2, sir_m = measure([sys.executable, "-c", "import sys; sys.path.insert(0, "
                                     f"{str(REPO)!r}); from pathlib import Path; "
                                     "from tests.stacking.siril import run_siril; import glob; "
                                     f"d={str(tmp / 'frames')!r}; g=lambda p: sorted(Path(d)"
                                     ".glob(p)); run_siril(Path("
                                     f"{str(tmp / 'siril2')!r}), g('Light*'), g('Dark*'), "
                                     "g('Flat*'), g('Bias*'))"])
            print(f"  siril-cli:       {sir_t:6.2f} s {mib(sir_m)}   x{sir_t / base_t:.1f} time, "
                  f"x{sir_m / base_m:.2f} memory of the pass")
            print(f"  nebulayer / siril: x{ours_t / sir_t:.2f} time, x{ours_m / sir_m:.2f} memory")
        else:
            print("  siril-cli not installed: no comparison")

        from editor.stacking.integration import band_rows

        rows = band_rows(100, (4000, 6000), None)
        print(f"100 frames of 24 MP (6000x4000 mono) under the default 8 GiB budget: bands of "
              f"{rows} rows ({100 * rows * 6000 * 4 / 2**20:.0f} MiB of pixels per band)")
        if args.big != "none":
            n, w, h = (int(v) for v in args.big.split("x"))
            big = tmp / "big"
            big.mkdir()
            paths = []
            for i in range(n):
                star_field(big / f"L{i:03d}.fits", (h, w), i)
                paths.append(str(big / f"L{i:03d}.fits"))
            env = dict(os.environ, NEBULAYER_MEMORY_BUDGET="1G")
            frame = w * h * 4
            for count in (max(2, n // 4), n):
                t, m = measure(nebulayer + ["stack", *paths[:count], "-o", str(tmp / "big.fits"),
                                            "--workdir", str(tmp / "work")], env)
                print(f"memory bound: {count:3d} lights of {w}x{h} ({count * frame / 2**20:5.0f} "
                      f"MiB as float32), budget 1 GiB: {t:6.1f} s, peak {mib(m)}")


if __name__ == "__main__":
    main()
