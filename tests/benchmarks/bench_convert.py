"""`nebulayer convert IN OUT --stretch auto` against Siril doing the same whole process (a
script, not collected by pytest).

    python tests/benchmarks/bench_convert.py [--megapixels 24] [--repeats 3] [--mono] [--old]

The input: the real 2MASS K/H/J plates of ../shared/data (fits/multiband_gc) as R/G/B,
enlarged to the size asked for, normalised to 0..1 and given a little sky noise, written as a
float32 3 x H x W FITS in a temporary folder (without the shared data: a synthetic sky).
Each program runs in its own process from start to finish (start-up, imports, reading,
measuring, stretching, writing a 16-bit uncompressed TIFF); wall time and the child's peak
resident memory (VmHWM of /proc/<pid>/status, polled every 2 ms: ru_maxrss is useless here,
an exec'd child inherits its parent's high-water mark) are taken for each run, the runs
alternate between the programs, and the medians and their ratios are printed.

Siril's side: siril-cli 1.0.6 has no scriptable ``autostretch``, so the script is ``load``,
``stat`` (Siril measures each channel's mean, median, sigma, average deviation, min and max
of the whole image: what its autostretch measures), ``mtf`` with the linked STF parameters
(computed beforehand by editor.io.stf, not timed; Nebulayer computes them itself) and
``savetif`` (16-bit, uncompressed). Nebulayer: ``convert --stretch auto --bits 16
--compression none``. ``--old`` also times the general (non-streamed) convert path.
The goal (issue 13): <= 1.5x Siril's time and <= 2x its peak memory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEBULAYER_SHARED_DATA", REPO.parent / "shared" / "data"))

OLD_PATH = ("import sys; import editor.io.convert_stream as c; "
            "c.convert_streamed = lambda *a, **k: None; from editor.cli import main; "
            "sys.exit(main(sys.argv[1:]))")


def make_input(path: Path, megapixels: float, mono: bool) -> None:
    """A float32 FITS of about ``megapixels`` (3:2), 0..1, from the 2MASS plates if present."""
    from astropy.io import fits
    from scipy import ndimage

    w = int(round((megapixels * 1e6 * 1.5) ** 0.5))
    h = int(round(w / 1.5))
    rng = np.random.default_rng(1)
    bands = "k" if mono else "khj"
    planes = []
    for b in bands:
        src = SHARED / "fits" / "multiband_gc" / f"gc_2mass_{b}.fits"
        if src.exists():
            a = fits.getdata(src).astype(np.float32)
            a = np.nan_to_num(a, nan=float(np.nanmedian(a)))
        else:
            a = 0.1 + 0.02 * rng.random((360, 540), dtype=np.float32)
        planes.append(ndimage.zoom(a, (h / a.shape[0], w / a.shape[1]), order=1).astype(np.float32))
    cube = np.stack(planes)
    cube /= np.float32(cube.max() * 1.05)
    cube += np.float32(0.003) * rng.standard_normal(cube.shape, dtype=np.float32)
    np.clip(cube, 0, 1, out=cube)
    fits.PrimaryHDU(cube[0] if mono else cube).writeto(path, overwrite=True)


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak resident bytes) of one child process, start to exit."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except (OSError, ValueError):
            pass
        time.sleep(0.002)
    seconds = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.strip()[-400:]}")
    return seconds, peak


def load() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=24.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mono", action="store_true", help="a mono image instead of RGB")
    parser.add_argument("--old", action="store_true", help="also time the general path")
    args = parser.parse_args()
    siril = shutil.which("siril-cli")
    if siril is None:
        print("SKIPPED: siril-cli is not installed (apt-get install siril): nothing to compare")
        return 0
    from editor.io.stf import stf_params

    with tempfile.TemporaryDirectory(prefix="bench_convert_") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "in.fits"
        make_input(src, args.megapixels, args.mono)
        from astropy.io import fits

        data = fits.getdata(src)
        data = data[None] if data.ndim == 2 else data
        from editor.io.stf import even_sample_indices

        k = even_sample_indices(*data.shape[1:])
        samples = [np.ascontiguousarray(p[::-1]).reshape(-1)[k] for p in data]  # top row first
        c0, m, c1 = stf_params(samples)
        del data, samples
        (tmp / "siril.ssf").write_text(
            "requires 0.99.4\nload in.fits\nstat\n"
            f"mtf {c0[0]:.8f} {m[0]:.8f} {c1[0]:.8f}\nsavetif siril_out\nclose\n")
        nebulayer = [sys.executable, "-m", "editor.cli"]
        ours_args = ["convert", str(src), str(tmp / "ours.tif"), "--stretch", "auto",
                     "--bits", "16", "--compression", "none"]
        cases = {"nebulayer convert": nebulayer + ours_args,
                 "siril-cli": [siril, "-s", str(tmp / "siril.ssf"), "-d", str(tmp)]}
        if args.old:
            cases["nebulayer, general path"] = [sys.executable, "-c", OLD_PATH] + \
                ours_args[:2] + [str(tmp / "old.tif")] + ours_args[3:]
        shape = fits.getheader(src)
        print(f"input: {src.stat().st_size / 2**20:.0f} MiB float32 FITS, "
              f"{shape['NAXIS1']} x {shape['NAXIS2']}{'' if args.mono else ' x 3'}; "
              f"STF c0 {c0[0]:.5f} m {m[0]:.5f} c1 {c1[0]:.3f}")
        for cmd in cases.values():  # warm-up: file in the page cache, imports compiled
            run(cmd, REPO)
        results: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
        loads = [load()]
        for _ in range(args.repeats):
            for name, cmd in cases.items():
                results[name].append(run(cmd, REPO))
            loads.append(load())
        print(f"{args.repeats} runs each, alternating; {' / '.join(loads)} (2 cores)")
        print(f"{'program':26s} {'median s':>9s} {'runs s':>22s} {'peak MiB':>9s}")
        med = {}
        for name, runs in results.items():
            t = statistics.median(r[0] for r in runs)
            mem = statistics.median(r[1] for r in runs)
            med[name] = (t, mem)
            print(f"{name:26s} {t:9.2f} {' '.join(f'{r[0]:.2f}' for r in runs):>22s} "
                  f"{mem / 2**20:9.0f}")
        ours, theirs = med["nebulayer convert"], med["siril-cli"]
        print(f"\nnebulayer / siril: time x{ours[0] / theirs[0]:.2f} (goal <= 1.5), "
              f"peak memory x{ours[1] / theirs[1]:.2f} (goal <= 2)")
        if args.old:
            old = med["nebulayer, general path"]
            print(f"general path / siril: time x{old[0] / theirs[0]:.2f}, "
                  f"peak memory x{old[1] / theirs[1]:.2f}")
        a = _pixels(tmp / "ours.tif")
        b = _pixels(tmp / "siril_out.tif")
        diff = np.abs(a.astype(np.int32) - b.astype(np.int32))
        print(f"ours vs Siril's TIFF: max |difference| {int(diff.max())} of 65535, "
              f"mean {float(diff.mean()):.2f}")
    return 0


def _pixels(path: Path) -> np.ndarray:
    import tifffile

    return tifffile.imread(path)


if __name__ == "__main__":
    raise SystemExit(main())
