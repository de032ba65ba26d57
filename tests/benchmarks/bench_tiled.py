"""Issue 13's figures for the tiled engine, as ratios to one memory pass measured in the same
run (not collected by pytest). Each case runs in its own interpreter so its peak resident
size is its own.

    python tests/benchmarks/bench_tiled.py [--megapixels 40] [--big-megapixels 100]
        [--changes 15] [--skip-big] [--big-project PATH] [--only full,preview]
    python tests/benchmarks/bench_tiled.py --only preview --against REV (old kernels side by side)
    python tests/benchmarks/bench_tiled.py --case full|preview|... (one case, JSON)

Memory pass: ``np.add(a, b, out=c)`` on an RGB float32 array of the document's size (best of
5), printed with each figure so the noise of a shared machine shows. The document: the
Horsehead plate tiled to size, RGB, with the issue's 5 layers (levels, curves, levels through
a high-pass contrast mask r=1000, asinh).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
GIB = 1024**3


def size_for(mp: float) -> tuple[int, int]:
    w = int(round((mp * 1e6 * 1.5) ** 0.5))
    return int(round(mp * 1e6 / w)), w


def memory_pass(shape: tuple[int, ...]) -> float:
    a = np.ones(shape, np.float32)
    b, c = np.ones_like(a), np.empty_like(a)
    best = min(_time(lambda: np.add(a, b, out=c)) for _ in range(5))
    return best


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _peak() -> int:
    """Peak resident size of this process (VmHWM; ru_maxrss carries a parent's over exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _doc(mp: float, cache=None):
    from editor import Document
    from tests.tiles.big_doc import five_layers, tiled_plate

    h, w = size_for(mp)
    pixels = tiled_plate(SHARED, h, w)
    pixels.flags.writeable = False  # handed over: the document keeps it without a copy
    doc = Document.from_image(pixels, **({} if cache is None else {"cache": cache}))
    five_layers(doc)
    return doc


# ----------------------------------------------------------------------------- cases
def _fused(on: bool) -> None:
    """Point-wise layers fused per tile (the engine's default) or layer by layer, to compare
    the two in one run."""
    from editor.render import engine

    engine.FUSE = on


def case_full(mp: float) -> dict:
    """5-layer full render in process, tile by tile on 2 threads, with the document's cache;
    then the same layer by layer (no fusion), best of 2 each."""
    from editor.render.tiles import TiledRender

    doc = _doc(mp)
    t_pass = memory_pass((doc.height, doc.width, 3))
    base = _peak()
    import psutil

    held = psutil.Process().memory_info().rss  # what the document holds, before rendering
    load = os.getloadavg()[0]
    t = _time(lambda: TiledRender(doc, workers=2).render())
    t_again = _time(lambda: TiledRender(doc, workers=2).render())
    cpu = time.process_time()
    t_third = _time(lambda: TiledRender(doc, workers=2).render())
    cpu = time.process_time() - cpu
    peak = _peak()
    parts = _cpu_by_part(doc)
    _fused(False)
    cpu_plain = time.process_time()
    t_plain = min(_time(lambda: TiledRender(doc, workers=2).render()) for _ in range(2))
    cpu_plain = (time.process_time() - cpu_plain) / 2
    _fused(True)
    return {"pass": t_pass, "render": t, "render_cached": t_again, "render_best": min(t_again, t_third),
            "parts": parts,
            "cpu": cpu, "layer_by_layer": t_plain, "cpu_layer_by_layer": cpu_plain, "peak": peak, "peak_before": base,
            "held": held, "mp": doc.width * doc.height / 1e6, "load": load,
            "load_end": os.getloadavg()[0]}


def _cpu_by_part(doc) -> dict:
    """Where one more fused full render's CPU goes (thread CPU seconds, both tile threads):
    each layer's chunk kernel, the contrast mask made per chunk, the rest of the chunk loop
    (blends, buffers, Python), and everything outside the chunk loop; rendered as the timed
    renders are (a 40 MP render keeps no step results, only what it measured)."""
    import threading
    from collections import defaultdict

    from editor.render import fused
    from editor.render.tiles import TiledRender

    names = {layer.id: f"{k} {getattr(layer, 'kind', layer.type)}" for k, layer in enumerate(doc.layers)}
    parts: dict = defaultdict(float)
    lock = threading.Lock()

    def timed(name, fn):
        def call(*a, **kw):
            t0 = time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                with lock:
                    parts[name] += time.thread_time() - t0
        return call

    real = fused.step_of, fused._chunk, fused.ChunkAlpha.__call__

    def step_of(job, node, shape):
        st = real[0](job, node, shape)
        if st is not None:
            st.op = timed(names.get(node["id"], node["kind"]), st.op)
        return st

    fused.step_of, fused._chunk = step_of, timed("chunk loop", real[1])
    fused.ChunkAlpha.__call__ = timed("contrast mask (per chunk)", real[2])
    try:
        cpu = time.process_time()
        TiledRender(doc, workers=2).render()
        cpu = time.process_time() - cpu
    finally:
        fused.step_of, fused._chunk, fused.ChunkAlpha.__call__ = real
    loop = parts.pop("chunk loop", 0.0)
    parts["blends and the rest of the chunk loop"] = loop - sum(parts.values())
    parts["outside the chunk loop"] = cpu - loop
    return dict(parts)


def case_old_full(mp: float) -> dict:
    """The same document through ``doc.render()`` (the whole-canvas path), for comparison."""
    doc = _doc(mp)
    t_pass = memory_pass((doc.height, doc.width, 3))
    t = _time(lambda: doc.render(copy=False))
    return {"pass": t_pass, "render": t, "peak": _peak()}


def case_preview(mp: float, changes: int, against: str | None = None) -> dict:
    """A change of the levels layer below the masked one, then the preview at scale 0.25:
    tile by tile (TiledRender, tile 1024, 2 threads) and as the canvas asks for it
    (``doc.render(scale=0.25)``: one window, chunks on 2 threads), each fused and layer by
    layer."""
    from editor.render.tiles import TiledRender

    doc = _doc(mp)
    t_pass = memory_pass((doc.height // 4, doc.width // 4, 3))
    lid = doc.layers[1].id  # levels, below the masked levels
    ways = {"tiled": lambda: TiledRender(doc, 0.25, tile=1024, workers=2).render(),
            "canvas": lambda: doc.render(scale=0.25)}
    out: dict = {"pass": t_pass, "load": os.getloadavg()[0]}
    for fuse in (True, False):
        _fused(fuse)
        for name, fn in ways.items():
            fn()
            lat, cpu = [], []
            for v in np.linspace(0.45, 0.55, changes):
                t, c = time.perf_counter(), time.process_time()
                doc.set_params(lid, merge_key="bench", midtone=float(v))
                fn()
                lat.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            key = name if fuse else f"{name}_layer_by_layer"
            out[key] = {"median": statistics.median(lat), "worst": max(lat),
                        "cpu": statistics.median(cpu)}
    _fused(True)
    # the first two keys, as before: the tiled preview fused
    out["median"], out["worst"] = out["tiled"]["median"], out["tiled"]["worst"]
    out["parts"] = preview_parts(doc, lid, changes)
    out["kernels"] = kernel_times(doc, against)
    if against:
        out["fused_against"] = fused_against(doc, against)
    out["load_end"] = os.getloadavg()[0]
    return out


#: What one preview's time is spent on (``preview_parts``): (module, function, label). Each
#: is timed exclusive of the others nested in it, in wall and process CPU time (all threads).
PARTS = (("editor.render.fused", "apply", "point-wise layers (fused chunks: kernels, blends)"),
         ("editor.render.engine", "RenderJob._mask", "contrast mask at preview scale"),
         ("editor.render.measure", "render_origin", "measuring render (1/32 of the canvas)"),
         ("editor.render.measure", "run_measure", "coarse field of the mask (measure)"),
         ("editor.render.cache", "RenderCache.put", "cache stores"),
         ("numpy", "copyto", "copies (doc.render's copy for the caller)"))


def preview_parts(doc, lid: str, changes: int) -> dict:
    """Median ms per preview (canvas way, fused) of each of :data:`PARTS` and of the rest
    (keys, job set-up, Python), wall and CPU, over ``changes`` more changes."""
    import functools
    import importlib
    import threading

    main = threading.main_thread()
    spent: dict[str, list[float]] = {}
    depth: list[list[float]] = []
    undo = []
    for mod_name, path, label in PARTS:
        owner = importlib.import_module(mod_name)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        real = getattr(owner, name, None)
        if real is None:  # renamed: that part is counted in "the rest"
            continue

        def timed(*a, _real=real, _label=label, **k):
            if threading.current_thread() is not main:
                return _real(*a, **k)
            t, c = time.perf_counter(), time.process_time()
            depth.append([0.0, 0.0])
            try:
                return _real(*a, **k)
            finally:
                dt, dc = time.perf_counter() - t, time.process_time() - c
                inner = depth.pop()
                got = spent.setdefault(_label, [0.0, 0.0])
                got[0] += dt - inner[0]
                got[1] += dc - inner[1]
                if depth:
                    depth[-1][0] += dt
                    depth[-1][1] += dc

        setattr(owner, name, functools.wraps(real)(timed) if callable(real) else timed)
        undo.append((owner, name, real))
    try:
        rows: dict[str, list[tuple[float, float]]] = {}
        for v in np.linspace(0.46, 0.56, changes):
            spent.clear()
            t, c = time.perf_counter(), time.process_time()
            doc.set_params(lid, merge_key="bench", midtone=float(v))
            doc.render(scale=0.25)
            total = (time.perf_counter() - t, time.process_time() - c)
            rest = [total[0] - sum(w for w, _ in spent.values()),
                    total[1] - sum(c for _, c in spent.values())]
            for label, got in list(spent.items()) + [("the rest (keys, set-up, Python)", rest),
                                                     ("whole preview", list(total))]:
                rows.setdefault(label, []).append((got[0], got[1]))
    finally:
        for owner, name, real in undo:
            setattr(owner, name, real)
    return {label: {"wall": statistics.median(w for w, _ in got) * 1000,
                    "cpu": statistics.median(c for _, c in got) * 1000}
            for label, got in rows.items()}


def kernel_times(doc, against: str | None = None) -> dict:
    """Each point-wise layer's chunk kernel alone on its own input at scale 0.25 (the whole
    preview in 1 MiB chunks, one thread, best of 5, ms): the floor of the fused run.
    ``against``: a git revision; its kernels are timed too, in turn with these ("kernel old")."""
    from editor.render import fused
    from editor.render.document_render import render_job

    job = render_job(doc, 0.25, None, None)
    nodes = [n for n in job.tree if n["visible"]]
    x = np.array(job.composite(nodes[:1], job.full, None).data)
    rows = max(1, fused.CHUNK_BYTES // x[0].nbytes)
    old = None if against is None else _modules_at(against)
    out = {}
    for n in nodes[1:]:
        st = fused.step_of(job, n, x.shape)
        if st is None:
            continue
        buf = np.empty_like(x[:rows])
        ops = {"": st.op}
        if old is not None:
            ops[" old"] = _old_op(old, job, n, x.shape)

        def run(op) -> None:
            for r0 in range(0, x.shape[0], rows):
                part = x[r0:r0 + rows]
                op(part, buf[:len(part)])

        best = {k: float("inf") for k in ops}
        for _ in range(5):
            for k, op in ops.items():
                best[k] = min(best[k], _time(lambda: run(op)))
        for k, t in best.items():
            out[f"{n['kind']}{k} ({n['id']})"] = t * 1000
        st.op(x, x)  # the next layer's input
    return out


#: The point-wise factories of the benchmark's kinds: (file, function).
_POINTWISE = {"levels": ("filters/levels.py", "levels_pointwise"),
              "curves": ("filters/curves.py", "curves_pointwise"),
              "asinh_stretch": ("filters/stretch.py", "asinh_pointwise")}


def _modules_at(rev: str) -> dict:
    """The kernel modules and fused.py as they are at git revision ``rev``, loaded under other
    names (their filters are not registered again), to time old and new in one process."""
    import types

    from filters import registry

    mods = {}
    for path in sorted({f for f, _ in _POINTWISE.values()} | {"editor/render/fused.py"}):
        src = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{path}"], check=True,
                             capture_output=True, text=True).stdout
        name = "_at_" + path.replace("/", "_").removesuffix(".py")
        mod = types.ModuleType(name)
        mod.__file__ = path
        sys.modules[name] = mod  # dataclasses look their module up
        real, registry.register = registry.register, lambda spec: spec
        try:
            exec(compile(src, f"{rev}:{path}", "exec"), mod.__dict__)
        finally:
            registry.register = real
        mods[path] = mod
    return mods


def _old_op(mods: dict, job, node: dict, shape: tuple):
    from editor.render.steps import resolved_params

    spec = job.registry.get(node["kind"])
    path, fn = _POINTWISE[node["kind"]]
    return getattr(mods[path], fn)(spec.scaled(resolved_params(spec, node["params"]), job.scale),
                                   tuple(shape))


def fused_against(doc, rev: str, reps: int = 15) -> dict:
    """The preview's two fused segments (levels, curves | masked levels, asinh) on their real
    inputs, with this tree's kernels and fused loop and with those of git revision ``rev``, in
    turn: median wall and CPU ms of each, and whether the pixels are the same."""
    from editor.render import fused
    from editor.render.document_render import render_job

    mods = _modules_at(rev)
    job = render_job(doc, 0.25, None, None)
    nodes = [n for n in job.tree if n["visible"]]
    src = np.array(job.composite(nodes[:1], job.full, None).data)
    below = job.composite(nodes[:3], job.full, None)
    alpha = job.alpha(nodes[3], below, job.full, None)

    def segments(op_of, loop):
        a = [(op_of(n), "normal", 1.0) for n in nodes[1:3]]
        b = [(op_of(nodes[3]), "normal", alpha), (op_of(nodes[4]), "normal", 1.0)]
        mid, out = np.empty_like(src), np.empty_like(src)

        def run() -> np.ndarray:
            loop(a, src, mid)
            loop(b, mid, out)
            return out
        return run

    ways = {"new": segments(lambda n: fused.step_of(job, n, src.shape).op, fused.apply),
            "old": segments(lambda n: _old_op(mods, job, n, src.shape),
                            mods["editor/render/fused.py"].apply)}
    got: dict = {k: ([], []) for k in ways}
    for r in range(reps):
        for k in (ways if r % 2 else list(ways)[::-1]):
            t, c = time.perf_counter(), time.process_time()
            ways[k]()
            got[k][0].append(time.perf_counter() - t)
            got[k][1].append(time.process_time() - c)
    a, b = ways["new"](), ways["old"]()
    diff = float(np.nanmax(np.abs(a - b))) if a.size else 0.0
    return {"load": os.getloadavg()[0], "same": bool(np.array_equal(a, b, equal_nan=True)),
            "max_diff": diff, **{k: {"wall": statistics.median(w) * 1000,
                                     "cpu": statistics.median(c) * 1000}
                                 for k, (w, c) in got.items()}}


def case_first_view(project: str) -> dict:
    """First 100 % view 1920x1080 at the centre of a saved project, cold (just opened)."""
    from editor import Document
    from editor.render.tiles import render_level_region

    t_open = time.perf_counter()
    doc = Document.load(project)
    opened = time.perf_counter() - t_open
    t_pass = memory_pass((1080, 1920, 3))
    x, y = doc.width // 2 - 960, doc.height // 2 - 540
    t = _time(lambda: render_level_region(doc, 0, (x, y, 1920, 1080), tile=512, workers=2))
    return {"pass": t_pass, "open": opened, "view": t, "mp": doc.width * doc.height / 1e6}


def case_export16(mp: float, compression: str) -> dict:
    from editor.render.cache import RenderCache
    from editor.render.tiles import TiledRender
    from editor.render.tiles_export import export_tiled

    doc = _doc(mp, RenderCache(0))
    t_pass = memory_pass((doc.height, doc.width, 3))
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.tif"
        t_render = _time(lambda: TiledRender(doc, workers=2, cache=RenderCache(0)).render())
        t = _time(lambda: export_tiled(TiledRender(doc, tile=1024, workers=2,
                                                   cache=RenderCache(0)), out, bits=16,
                                       compression=compression))
        size = out.stat().st_size
    return {"pass": t_pass, "export": t, "render": t_render, "bytes": size}


def run_case(name: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--case", name, *args], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    if proc.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cli_peak(args: list[str], budget: str) -> dict:
    code = ("import json,sys,time\nfrom editor.cli import main\nt=time.perf_counter()\n"
            "c=main(sys.argv[1:])\nhwm=[int(l.split()[1])*1024 for l in open('/proc/self/status')"
            " if l.startswith('VmHWM:')][0]\n"
            "print(json.dumps({'code':c,'time':time.perf_counter()-t,'peak':hwm}))")
    env = dict(os.environ, PYTHONPATH=str(REPO), NEBULAYER_MEMORY_BUDGET=budget)
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        raise SystemExit(f"nebulayer {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def batch(n: int, mp: float, workers: int) -> tuple[float, float, bool]:
    """n projects rendered serially and with --workers: (serial s, workers s, same pixels)."""
    import tifffile

    from editor import Document
    from tests.tiles.big_doc import five_layers, tiled_plate

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        h, w = size_for(mp)
        paths = []
        for k in range(n):
            doc = Document.from_image(tiled_plate(SHARED, h, w) * np.float32(1 + 0.05 * k))
            five_layers(doc, radius=200.0)
            paths.append(str(doc.save(d / f"p{k}.nebula") or d / f"p{k}.nebula"))
        (d / "s").mkdir()
        (d / "w").mkdir()
        ts = cli_peak(["render", *paths, "-o", f"{d}/s/"], "8G")["time"]
        tw = cli_peak(["render", *paths, "-o", f"{d}/w/", "--workers", str(workers)], "8G")["time"]
        same = all(np.array_equal(tifffile.imread(d / "s" / f"p{k}.tif"),
                                  tifffile.imread(d / "w" / f"p{k}.tif")) for k in range(n))
    return ts, tw, same


class _Rows(list):
    """The table's rows, each also printed as soon as it is measured."""

    def append(self, row: tuple) -> None:
        print(f"  {row[0]}: {row[1]}", flush=True)
        super().append(row)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default=None)
    ap.add_argument("--megapixels", type=float, default=40.0)
    ap.add_argument("--big-megapixels", type=float, default=100.0)
    ap.add_argument("--changes", type=int, default=15)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--big-project", default=None, help="reuse this saved big project")
    ap.add_argument("--only", default=None, help="comma-separated: full,preview (the table "
                    "rows of issue 13's speed goals only)")
    ap.add_argument("--against", default=None, help="preview: also time the kernels and the "
                    "fused segments of this git revision, in turn with the work tree's")
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    if a.case:
        fn = {"full": lambda: case_full(a.megapixels),
              "old_full": lambda: case_old_full(a.megapixels),
              "preview": lambda: case_preview(a.megapixels, a.changes, a.against),
              "first_view": lambda: case_first_view(a.rest[0]),
              "export16": lambda: case_export16(a.megapixels, a.rest[0])}[a.case]
        print(json.dumps(fn()))
        return
    mp = ["--megapixels", str(a.megapixels)]
    rows = _Rows()
    only = None if a.only is None else set(a.only.split(","))
    if only is None or "full" in only:
        r = run_case("full", *mp)
        p = r["pass"]
        print(f"memory pass ({r['mp']:.1f} MP RGB): {p * 1000:.1f} ms")
        rows.append((f"full render, 5-layer {a.megapixels:g} MP RGB, in memory passes",
                     f"{r['render'] / p:.0f} passes first ({r['render']:.2f} s; pass {p * 1000:.0f} ms), "
                     f"best of the next two {r['render_best'] / p:.1f} ({r['cpu']:.2f} s CPU); "
                     f"layer by layer {r['layer_by_layer'] / p:.1f} ({r['cpu_layer_by_layer']:.2f} s "
                     f"CPU); load {r['load']:.1f}..."
                     f"{r['load_end']:.1f}", "<= 15"))
        rows.append(("  CPU of one more full render by part",
                     ", ".join(f"{k} {v:.2f} s" for k, v in r["parts"].items()), ""))
        rows.append(("peak RSS, same document, in process with cache",
                     f"{r['peak'] / GIB:.2f} GiB (before rendering: {r['held'] / GIB:.2f} GiB held, "
                     f"{r['peak_before'] / GIB:.2f} GiB peak while building the document)",
                     "< 2 GiB"))
    if only is None:
        o = run_case("old_full", *mp)
        rows.append(("  (whole-canvas doc.render() of it, for comparison)",
                     f"{o['render'] / o['pass']:.0f} passes ({o['render']:.2f} s), peak "
                     f"{o['peak'] / GIB:.2f} GiB", ""))
    if only is None or "preview" in only:
        v = run_case("preview", *mp, "--changes", str(a.changes),
                     *(["--against", a.against] if a.against else []))
        for way, what in (("tiled", "tiles"), ("canvas", "doc.render, as the canvas")):
            f, u = v[way], v[f"{way}_layer_by_layer"]
            rows.append((f"preview after a change below a masked layer, scale 0.25 ({what})",
                         f"median {f['median'] * 1000:.0f} ms, worst {f['worst'] * 1000:.0f} ms, "
                         f"CPU {f['cpu'] * 1000:.0f} ms; layer by layer {u['median'] * 1000:.0f} / "
                         f"{u['worst'] * 1000:.0f} ms (pass at 0.25: {v['pass'] * 1000:.1f} ms; "
                         f"load {v['load']:.1f}...{v['load_end']:.1f})", "< 30 ms median, < 100 worst"))
        print("  where one preview's time goes (doc.render, fused; median ms wall / CPU of "
              "all threads):")
        for label, got in v["parts"].items():
            print(f"    {label}: {got['wall']:.1f} / {got['cpu']:.1f}")
        print("  each point-wise layer's kernel alone at 0.25 (one thread, best of 5): "
              + ", ".join(f"{k} {ms:.1f} ms" for k, ms in v["kernels"].items()))
        f = v.get("fused_against")
        if f:
            print(f"  the two fused segments, this tree / {a.against} in turn (median ms wall, CPU): "
                  f"{f['new']['wall']:.1f} / {f['old']['wall']:.1f}, {f['new']['cpu']:.1f} / "
                  f"{f['old']['cpu']:.1f}; {'same pixels' if f['same'] else 'max difference %.3g' % f['max_diff']}"
                  f" (load {f['load']:.1f})")
    if only is not None:
        _print_table(rows)
        return
    for comp in ("none", "lzw", "zstd"):
        e = run_case("export16", *mp, comp)
        rows.append((f"16-bit TIFF export of {a.megapixels:g} MP ({comp})",
                     f"{e['export'] / e['pass']:.0f} passes incl. render ({e['export']:.2f} s; "
                     f"render alone {e['render'] / e['pass']:.0f}); {e['bytes'] / 1e6:.0f} MB",
                     "<= 3 passes + disk write"))
    if not a.skip_big:
        big = a.big_project
        tmp = None
        if big is None or not Path(big).exists():
            from tests.tiles.big_doc import make_project

            if big is None:
                tmp = tempfile.TemporaryDirectory()
                big = str(Path(tmp.name) / "big.nebula")
            h, w = size_for(a.big_megapixels)
            big = str(make_project(SHARED, Path(big), h, w))
        with tempfile.TemporaryDirectory() as d:
            c = cli_peak(["render", big, "-o", f"{d}/big.tif"], "2500M")
        rows.append((f"peak RSS, {a.big_megapixels:g} MP RGB 5-layer `nebulayer render`",
                     f"{c['peak'] / GIB:.2f} GiB with NEBULAYER_MEMORY_BUDGET=2500M "
                     f"({c['time']:.0f} s incl. load)", "< 2.5 GiB"))
        f = run_case("first_view", big)
        rows.append((f"first 100% view (1920x1080) of the {f['mp']:.0f} MP document, cold",
                     f"{f['view']:.2f} s ({f['view'] / f['pass']:.0f} passes of 1920x1080; "
                     f"opening it took {f['open']:.1f} s)", "< 0.5 s"))
        if tmp is not None:
            tmp.cleanup()
    ts, tw, same = batch(4, 4.0, 2)
    rows.append(("`--workers 2` vs serial on 4 projects of 4 MP",
                 f"{'identical' if same else 'DIFFERENT'} output; {ts:.1f} s serial, {tw:.1f} s "
                 f"with 2 workers: speed-up {ts / tw:.2f}x", "identical; speed-up reported"))
    rows.append(("`convert --stretch auto` 24 MP vs Siril", "not measured here", "<= 1.5x"))
    rows.append(("1 gigapixel mosaic render", "not attempted", "within 8G"))
    _print_table(rows)


def _print_table(rows: list) -> None:
    print("\n| figure | reached | goal |\n|---|---|---|")
    for name, got, goal in rows:
        print(f"| {name} | {got} | {goal} |")


if __name__ == "__main__":
    main()
