"""Issue 13's gigapixel and batch goals, measured with the real command line.

    python tests/benchmarks/bench_gigapixel.py mosaic [--megapixels 60 250 1000] [--blend feather]
    python tests/benchmarks/bench_gigapixel.py batch [--projects 6] [--megapixels 6]

``mosaic``: for each canvas size (aspect 40000:25000, so 1000 MP is the 40000x25000 RGB
canvas of the goal) 12 panels (a 4 x 3 grid, 6 % overlaps, each turned by -2..2 deg) are cut
from a real RGB frame (the 2MASS J/H/K galactic centre plates of ../shared/data, mirror-tiled
at zoom 1.5, so every panel has real stars and nebulosity), saved as one .nebula project with
a mosaic layer (panels embedded uncompressed, so the renderer maps them from disk;
``NEBULAYER_MAP_MIN`` is lowered to 8 MiB so the small sizes take the same mapped path), then
``nebulayer render P -o OUT.tif --bits 32 --budget 8G`` runs as a subprocess. Printed per
size: wall time, time per megapixel (linear in pixels means a flat column), the child's peak
resident memory (VmHWM read by the child itself at exit: ``ru_maxrss`` carries over across
exec) against the budget, and the load average. The project and the output are deleted after
each size (1000 MP needs ~13 GB of panels, the same again mapped while rendering, ~4.5 GB of
proxies and a 12 GB float TIFF: free disk is checked first).

``open``: what opening a mosaic project costs in the editor, for the code of a commit
(default: the one before issue 13's in-place panels) and the current tree, alternating, in
the same run: a child process per run opens the project as the window does
(``Document.load(..., tiled=True)``) and renders the first fit view's whole-canvas previews
(the fit level of a 1920x1080 window, its overview and 8x placeholder levels, the 150 000-pixel
placeholder, the 1024 px auto-stretch measure, the 512 px levels histogram; mosaicview.md).
Printed per run: open time, temporary disk (the unlinked maps the child holds), VmHWM after
opening and after the view, first-fit-view time, load. ``--project P`` reuses a project
(e.g. one kept from a build with ``--keep``), else one of ``--megapixels`` is built.

    python tests/benchmarks/bench_gigapixel.py open --megapixels 300 [--before COMMIT] [--runs 2]

``batch``: N projects (a real plate enlarged to ~M megapixels RGB, levels, curves with a
contrast mask, high pass), rendered by ``nebulayer render P1 .. PN -o DIR/`` serially (tiles on
the cores' threads) and with ``--workers 2``; the files must be byte-identical; prints both
wall times and the speed-up.

Machine: 2 cores shared with other jobs; every figure is printed with ``uptime``'s load.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

GIB = 1024**3
BUDGET = "8G"
GRID = (4, 3)  # panels across, down
OVERLAP = 0.06
ASPECT = 40000 / 25000

#: Runs the CLI in the child and writes the child's own VmHWM (kB) at exit.
RUNNER = """
import atexit, os, sys
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(os.environ['GP_HWM_FILE'], 'w').write(line.split()[1])
atexit.register(_hwm)
from editor.cli import main
sys.exit(main(sys.argv[1:]))
"""


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def free_gib(path: Path) -> float:
    return shutil.disk_usage(path).free / GIB


LAST_CPU = [0.0]
#: Largest RssAnon / RssFile (GiB) seen by polling the last child (what its peak is made of:
#: process memory, or pages of the memory-mapped panels).
RSS_SPLIT = {"anon": 0.0, "file": 0.0}


def _poll(pid: int, stop: threading.Event) -> None:
    RSS_SPLIT.update(anon=0.0, file=0.0)
    while not stop.wait(0.25):
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for line in text.splitlines():
            for key, name in (("RssAnon:", "anon"), ("RssFile:", "file")):
                if line.startswith(key):
                    RSS_SPLIT[name] = max(RSS_SPLIT[name], int(line.split()[1]) * 1024 / GIB)


def run_cli(args: list[str], env: dict[str, str] | None = None, log: Path | None = None
            ) -> tuple[float, float, int]:
    """(wall seconds, child peak GiB, exit code) of ``nebulayer ARGS`` in a child process."""
    with tempfile.NamedTemporaryFile(delete=False, suffix=".hwm") as f:
        hwm_file = f.name
    child_env = dict(os.environ, **(env or {}), GP_HWM_FILE=hwm_file)
    out = open(log, "w") if log else subprocess.DEVNULL
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    stop = threading.Event()
    try:
        proc = subprocess.Popen([sys.executable, "-c", RUNNER, *args], env=child_env,
                                cwd=REPO, stdout=out, stderr=out)
        poller = threading.Thread(target=_poll, args=(proc.pid, stop), daemon=True)
        poller.start()
        rc = proc.wait()
        stop.set()
        poller.join()
    finally:
        if log:
            out.close()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the child and the descendants it waited for (pool workers included)
    LAST_CPU[0] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    try:
        peak = int(Path(hwm_file).read_text()) * 1024 / GIB
    except (OSError, ValueError):
        peak = float("nan")
    os.unlink(hwm_file)
    return wall, peak, rc


# ----------------------------------------------------------------------------- mosaic


def rgb_frame() -> np.ndarray:
    """The 2MASS K/H/J plates as R/G/B, each scaled to ~0.05 sky .. 1 bright stars (linear)."""
    from astropy.io import fits

    from tests.shared_data import SHARED_DATA

    planes = []
    for band in "khj":
        d = fits.getdata(SHARED_DATA / "fits" / "multiband_gc" / f"gc_2mass_{band}.fits").astype(np.float32)
        lo, hi = np.nanpercentile(d, [5, 99.9])
        planes.append(np.clip((d - lo) / (hi - lo), -0.05, None) * np.float32(0.9) + np.float32(0.05))
    return np.stack(planes, axis=-1).astype(np.float32)


def canvas_shape(megapixels: float) -> tuple[int, int]:
    w = int(round(math.sqrt(megapixels * 1e6 * ASPECT)))
    return int(round(w / ASPECT)), w


def panel_specs(shape: tuple[int, int]) -> list[tuple[int, int, dict]]:
    """(height, width, similarity transform) of the GRID panels covering ``shape``."""
    from editor.mosaic.transforms import similarity_matrix

    H, W = shape
    nx, ny = GRID
    pw = int(math.ceil(W / nx * (1 + OVERLAP)))
    ph = int(math.ceil(H / ny * (1 + OVERLAP)))
    rots = [0.0, 1.2, -1.5, 2.0, -0.7, 1.8, -2.0, 0.5, -1.1, 1.4, -0.3, 0.9]
    out = []
    for j in range(ny):
        for i in range(nx):
            rot = rots[(j * nx + i) % len(rots)]
            cx, cy = (i + 0.5) * W / nx, (j + 0.5) * H / ny  # cell centre on the canvas
            t = {"kind": "similarity", "scale": 1.0, "rotation_deg": rot, "dx": 0.0, "dy": 0.0}
            m = similarity_matrix(t)
            c = m[:2, :2] @ np.array([(pw - 1) / 2, (ph - 1) / 2])
            t["dx"], t["dy"] = float(cx - c[0]), float(cy - c[1])
            out.append((ph, pw, t))
    return out


def make_panel(frame: np.ndarray, ph: int, pw: int, t: dict, path: Path, zoom: float = 1.5
               ) -> np.ndarray:
    """The panel's pixels (a read-only memmap in ``path``): the mirror-tiled ``frame`` at
    ``zoom`` seen through the panel's transform, bilinear, made in row blocks on 2 threads."""
    from editor.mosaic.panels import bilinear
    from editor.mosaic.transforms import similarity_matrix

    m = similarity_matrix(t)
    fh, fw = frame.shape[:2]
    planes = [np.ascontiguousarray(frame[..., c]) for c in range(3)]
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(ph, pw, 3))

    def fold(u: np.ndarray, n: int) -> np.ndarray:
        u = np.mod(u, 2 * (n - 1))
        return np.where(u > n - 1, 2 * (n - 1) - u, u)

    def block(y0: int) -> None:
        y1 = min(ph, y0 + 256)
        yy, xx = np.mgrid[y0:y1, 0:pw].astype(np.float64)
        cx = m[0, 0] * xx + m[0, 1] * yy + m[0, 2]
        cy = m[1, 0] * xx + m[1, 1] * yy + m[1, 2]
        r = fold(cy / zoom, fh).astype(np.float32)
        c = fold(cx / zoom, fw).astype(np.float32)
        got = bilinear(planes, r, c, clamp=True)
        out[y0:y1] = np.stack(got, axis=-1)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(block, range(0, ph, 256)))
    out.flush()
    del out
    return np.load(path, mmap_mode="r")


def build_project(megapixels: float, folder: Path, blend: str) -> tuple[Path, tuple[int, int], float]:
    """(project path, canvas shape, panel megapixels) of a GRID mosaic of ``megapixels``."""
    from editor.core.document import Document
    from editor.mosaic.layer import add_mosaic_layer
    from editor.mosaic.plan import MosaicPlan, PanelParams
    from editor.mosaic.transforms import canvas_bbox
    from editor.render.cache import RenderCache

    shape = canvas_shape(megapixels)
    frame = rgb_frame()
    panels, params = [], []
    for k, (ph, pw, t) in enumerate(panel_specs(shape)):
        panels.append(make_panel(frame, ph, pw, t, folder / f"panel{k}.npy"))
        params.append(PanelParams(name=f"panel {k + 1}", transform=t, shape=(ph, pw),
                                  gain=[1.0] * 3, offset=[0.0] * 3, gradient=[[0.0, 0.0]] * 3,
                                  bbox=canvas_bbox(t, (ph, pw), None)))
    plan = MosaicPlan(shape=shape, panels=params, blend=blend)
    doc = Document(shape[1], shape[0], cache=RenderCache(0))
    add_mosaic_layer(doc, panels, plan.to_dict(), names=[p.name for p in params])
    path = folder / f"mosaic_{int(megapixels)}mp.nebula"
    doc.save(path)
    panel_mp = sum(p.shape[0] * p.shape[1] for p in panels) / 1e6
    del doc, panels
    for k in range(len(params)):
        (folder / f"panel{k}.npy").unlink()
    return path, shape, panel_mp


def bench_mosaic(sizes: list[float], blend: str, workdir: Path, threads: int) -> None:
    rows = []
    env = {"NEBULAYER_MAP_MIN": str(8 * 1024**2), "NEBULAYER_MAP_DIR": str(workdir)}
    for mp in sizes:
        H, W = canvas_shape(mp)
        panel_gb = H * W * (1 + OVERLAP) ** 2 * 12 / GIB
        need = panel_gb * 2.4 + H * W * 12 / GIB + 1
        free = free_gib(workdir)
        print(f"\n== {W}x{H} RGB ({W * H / 1e6:.0f} MP), {blend}: needs ~{need:.0f} GiB of disk, "
              f"{free:.0f} GiB free in {workdir}", flush=True)
        if need > free - 8:  # leave others room
            print("   skipped: not enough free disk", flush=True)
            continue
        t = time.perf_counter()
        project, shape, panel_mp = build_project(mp, workdir, blend)
        print(f"   built {project.name}: 12 panels, {panel_mp:.0f} MP of panels, "
              f"{project.stat().st_size / GIB:.1f} GiB, in {time.perf_counter() - t:.0f} s",
              flush=True)
        out = workdir / f"mosaic_{int(mp)}mp.tif"
        log = workdir / f"render_{int(mp)}mp.log"
        load0 = load()
        wall, peak, rc = run_cli(["render", str(project), "-o", str(out), "--bits", "32",
                                  "--budget", BUDGET, "--threads", str(threads)], env, log)
        load1 = load()
        ok = rc == 0 and out.is_file()
        if ok:
            import tifffile

            with tifffile.TiffFile(out) as tf:
                page = tf.pages[0]
                ok = tuple(page.shape[:2]) == shape
                # a spot check without reading 12 GB: the middle tile is finite (covered)
                i = len(page.dataoffsets) // 2
                tf.filehandle.seek(page.dataoffsets[i])
                tile = page.decode(tf.filehandle.read(page.databytecounts[i]), i)[0]
                ok = ok and bool(np.isfinite(tile).mean() > 0.9)
        mpx = W * H / 1e6
        rows.append((mpx, wall, peak, ok, load0, load1))
        print(f"   render: exit {rc}, {wall:.1f} s = {wall / mpx * 1000:.1f} ms/MP, child peak "
              f"{peak:.2f} GiB of the {BUDGET} budget ({peak / 8:.0%}; polled: process "
              f"{RSS_SPLIT['anon']:.2f} GiB + mapped file pages {RSS_SPLIT['file']:.2f} GiB), "
              f"output ok: {ok}; "
              f"load before {load0}, after {load1}", flush=True)
        if rc != 0:
            print(log.read_text()[-2000:])
        for f in (project, out):
            f.unlink(missing_ok=True)
    if rows:
        print("\n| canvas | wall | ms per MP | child peak (budget 8 GiB) | output | load before / after |")
        print("|---|---|---|---|---|---|")
        for mpx, wall, peak, ok, l0, l1 in rows:
            print(f"| {mpx:.0f} MP | {wall:.1f} s | {wall / mpx * 1000:.1f} | {peak:.2f} GiB "
                  f"({peak / 8:.0%}) | {'ok' if ok else 'BAD'} | {l0} / {l1} |")
        if len(rows) > 1:
            a, b = rows[0], rows[-1]
            print(f"time per MP, largest / smallest: {(b[1] / b[0]) / (a[1] / a[0]):.2f} "
                  "(1.00 = linear in pixels)")


# ----------------------------------------------------------------------------- open

#: Opens a project and renders the first fit view's previews (run with the code tree to
#: measure first on sys.path); prints one JSON line.
OPEN_RUNNER = """
import json, os, sys, time
sys.path.insert(0, os.environ['GP_CODE'])
from pathlib import Path

def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) * 1024 / 1024**3

def temp_disk():
    seen = {}
    for line in open('/proc/self/maps'):
        if 'nebulayer-map-' in line:
            a, b = (int(v, 16) for v in line.split()[0].split('-'))
            inode = line.split()[4]
            seen[inode] = max(seen.get(inode, 0), b - a)
    return sum(seen.values()) / 1024**3

from editor.core.document import Document
t = time.perf_counter()
doc = Document.load(sys.argv[1], tiled=True)
opened = time.perf_counter() - t
hwm_open, disk = status('VmHWM:'), temp_disk()
H, W = doc.height, doc.width
import math
fit = 2.0 ** -math.ceil(math.log2(max(W / 1920, H / 1080)))
scales = [fit, fit / 16, fit / 8, math.sqrt(150000 / (W * H)), 1024 / max(W, H), 512 / max(W, H)]
times = []
t = time.perf_counter()
for sc in scales:
    t1 = time.perf_counter()
    img = doc.render(scale=sc, copy=False)
    times.append(round(time.perf_counter() - t1, 2))
    if os.environ.get('GP_OUT'):
        import numpy as np
        np.save(os.environ['GP_OUT'] + f'_{len(times)}.npy', np.asarray(img))
view = time.perf_counter() - t
print(json.dumps(dict(open=opened, disk=disk, hwm_open=hwm_open, hwm=status('VmHWM:'),
                      view=view, times=times, scales=[round(1 / v, 1) for v in scales],
                      shape=list(img.shape))))
"""


def bench_open(project: Path, before: str, runs: int, workdir: Path) -> None:
    import json

    old = workdir / "before"
    old.mkdir()
    subprocess.run(f"git -C {REPO} archive {before} | tar -x -C {old}", shell=True, check=True)
    trees = {f"before ({before[:10]})": old, "after (this tree)": REPO}
    print(f"project {project.name}: {project.stat().st_size / GIB:.1f} GiB; before = {before}",
          flush=True)
    rows = []
    for run in range(runs):
        for label, code in trees.items():
            maps = workdir / f"maps_{run}_{label[:5]}"
            maps.mkdir()
            env = dict(os.environ, GP_CODE=str(code), NEBULAYER_MAP_DIR=str(maps),
                       NEBULAYER_MAP_MIN=str(8 * 1024**2), PYTHONPATH=str(code),
                       GP_OUT=str(workdir / f"view_{run}_{label[:5]}"))
            l0 = load()
            proc = subprocess.run([sys.executable, "-c", OPEN_RUNNER, str(project)], env=env,
                                  cwd=code, capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr[-3000:])
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append((label, r, l0, load()))
            print(f"   {label}: open {r['open']:.1f} s, temp disk {r['disk']:.2f} GiB, VmHWM "
                  f"{r['hwm_open']:.2f} GiB after open / {r['hwm']:.2f} after the view, first fit "
                  f"view {r['view']:.1f} s {r['times']} (1/scale {r['scales']}), load {l0} / "
                  f"{load()}", flush=True)
            shutil.rmtree(maps, ignore_errors=True)
    print("\nThe first fit view's previews, after vs before (|difference| as a share of the "
          "before image's 1..99 % spread; NaN where either is NaN must agree):")
    for i, sc in enumerate(rows[0][1]["scales"] if rows else [], start=1):
        a = np.load(workdir / f"view_0_befor_{i}.npy")
        b = np.load(workdir / f"view_0_after_{i}.npy")
        spread = float(np.subtract(*np.nanpercentile(a, [99, 1])))
        d = np.abs(b - a)[np.isfinite(a) & np.isfinite(b)] / spread
        print(f"   1/scale {sc}: NaN agree {np.array_equal(np.isnan(a), np.isnan(b))}, median "
              f"{np.median(d):.1e}, 99 % {np.percentile(d, 99):.1e}, max {d.max():.1e}")
    print("\n| code | open | temp disk | VmHWM open / view | first fit view | load before / after |")
    print("|---|---|---|---|---|---|")
    for label, r, l0, l1 in rows:
        print(f"| {label} | {r['open']:.1f} s | {r['disk']:.2f} GiB | {r['hwm_open']:.2f} / "
              f"{r['hwm']:.2f} GiB | {r['view']:.1f} s | {l0} / {l1} |")


# ----------------------------------------------------------------------------- batch


def build_batch(n: int, megapixels: float, folder: Path) -> list[Path]:
    from editor import Document, GeneratedMask
    from scipy import ndimage

    frame = rgb_frame()
    side = int(math.sqrt(megapixels * 1e6))
    f = side / frame.shape[0]
    big = np.stack([ndimage.zoom(frame[..., c], f, order=1) for c in range(3)], -1)
    out = []
    for k in range(n):
        img = np.ascontiguousarray(np.roll(big, 97 * k, axis=1) * np.float32(1 + 0.03 * k))
        doc = Document.from_image(img)
        doc.add_adjustment("levels", black=0.02 + 0.005 * k, white=0.8)
        lv = doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
        doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": 40.0 + k, "blur": 8.0}))
        doc.add_adjustment("highpass", radius=5.0)
        p = folder / f"b{k}.nebula"
        doc.save(p)
        out.append(p)
    return out


def bench_batch(n: int, megapixels: float, workdir: Path) -> None:
    projects = build_batch(n, megapixels, workdir)
    print(f"\n== batch: {n} projects of {megapixels:g} MP RGB (levels, curves + contrast mask, "
          "high pass)", flush=True)
    results = {}
    for label, extra in (("serial", []), ("--workers 2", ["--workers", "2"])):
        d = workdir / label.strip("-").replace(" ", "")
        d.mkdir(exist_ok=True)
        l0 = load()
        # SOURCE_DATE_EPOCH: the date the files record, the same in both runs
        wall, peak, rc = run_cli(["render", *map(str, projects), "-o", f"{d}/", *extra],
                                 env={"SOURCE_DATE_EPOCH": "1700000000"},
                                 log=workdir / f"batch_{d.name}.log")
        results[label] = (wall, d, LAST_CPU[0])
        print(f"   {label}: {wall:.1f} s (exit {rc}, parent peak {peak:.2f} GiB), load {l0} / "
              f"{load()}", flush=True)
    same = all((results["serial"][1] / f"{p.stem}.tif").read_bytes()
               == (results["--workers 2"][1] / f"{p.stem}.tif").read_bytes() for p in projects)
    s, w = results["serial"][0], results["--workers 2"][0]
    cs = results["serial"][2]
    # (the pool workers' CPU is not counted: the fork server never waits for them)
    print(f"\n| batch | serial | --workers 2 | speed-up | serial CPU (cores busy) | output |\n"
          f"|---|---|---|---|---|---|\n"
          f"| {n} x {megapixels:g} MP | {s:.1f} s | {w:.1f} s | {s / w:.2f}x | {cs:.1f} s "
          f"({cs / s:.2f}) | {'byte-identical' if same else 'DIFFERENT'} |")
    print("(on 2 cores: a speed-up needs the serial run to leave a core idle; with the load "
          "above 2 every run gets the same share of the cores)")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="case", required=True)
    m = sub.add_parser("mosaic")
    m.add_argument("--megapixels", type=float, nargs="+", default=[60, 250, 1000])
    m.add_argument("--blend", choices=("feather", "multiband"), default="feather")
    m.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    m.add_argument("--dir", default=None, help="work folder (default: a temp folder)")
    o = sub.add_parser("open")
    o.add_argument("--megapixels", type=float, default=300)
    o.add_argument("--project", default=None, help="an existing mosaic project (not deleted)")
    o.add_argument("--before", default="0f63006", help="commit measured as 'before'")
    o.add_argument("--runs", type=int, default=1)
    o.add_argument("--dir", default=None)
    b = sub.add_parser("batch")
    b.add_argument("--projects", type=int, default=6)
    b.add_argument("--megapixels", type=float, default=6)
    b.add_argument("--dir", default=None)
    a = ap.parse_args()
    base = Path(a.dir) if a.dir else None
    with tempfile.TemporaryDirectory(prefix="bench_gigapixel_", dir=base) as tmp:
        workdir = Path(tmp)
        print(f"work folder {workdir}; load {load()}; disk free {free_gib(workdir):.0f} GiB",
              flush=True)
        if a.case == "mosaic":
            bench_mosaic(a.megapixels, a.blend, workdir, a.threads)
        elif a.case == "open":
            project = Path(a.project) if a.project else build_project(a.megapixels, workdir, "feather")[0]
            bench_open(project, a.before, a.runs, workdir)
        else:
            bench_batch(a.projects, a.megapixels, workdir)


if __name__ == "__main__":
    main()
