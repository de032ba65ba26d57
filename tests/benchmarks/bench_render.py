"""Render engine figures for a 40 MP document (not collected by pytest).

    python tests/benchmarks/bench_render.py [--megapixels 40] [--changes 20]

Prints: cold full render, preview render at screen size (~0.05 scale) cold and warm, and the
latency of "move the levels slider -> preview render" (median and worst over N changes;
goal: median < 50 ms). Uses the built-in levels filter when installed, else a pointwise
stand-in with the same cost profile.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from editor.core.document import Document
from editor.render.cache import RenderCache


def _registry():
    from editor.plugins.registry import Registry, get_registry
    from filters.registry import FilterSpec, Param

    reg = get_registry()
    if reg.get("levels") is not None:
        return reg, "levels", "builtin"

    def levels(img, *, progress=None, black=0.0, white=1.0, midtone=0.5):
        x = np.clip((img - np.float32(black)) / np.float32(white - black), 0, None)
        m = np.float32(midtone)
        return ((m - 1) * x / ((2 * m - 1) * x - m)).astype(np.float32)

    own = Registry()
    own.add_manifest({"id": "bench", "version": "1", "filters": [FilterSpec(
        "levels", "Levels", levels, (Param("black", "float", 0.0), Param("white", "float", 1.0),
                                     Param("midtone", "float", 0.5)))]}, "bench")
    return own, "levels", "stand-in"


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--megapixels", type=float, default=40.0)
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--preview-scale", type=float, default=0.05)
    ap.add_argument("--screen-width", type=int, default=1920, help="also time a preview this wide")
    args = ap.parse_args()

    w = int(round((args.megapixels * 1e6 * 1.5) ** 0.5))
    h = int(round(args.megapixels * 1e6 / w))
    rng = np.random.default_rng(0)
    # Smooth background + noise, RGB, like a stacked linear frame.
    small = rng.random((h // 64 + 1, w // 64 + 1, 3)).astype(np.float32) * 0.05 + 0.02
    pixels = np.repeat(np.repeat(small, 64, axis=0), 64, axis=1)[:h, :w]
    pixels = pixels + rng.standard_normal((h, w, 3), dtype=np.float32) * np.float32(0.003)
    reg, kind, origin = _registry()
    doc = Document.from_image(pixels, registry=reg, cache=RenderCache(6 * 1024**3))
    del pixels
    lid = doc.add_adjustment(kind)
    spec = reg.get(kind)
    numeric = [p for p in spec.params if p.kind == "float"]
    param = next((p for p in numeric if p.name in ("midtone", "midtones", "gamma")), numeric[0])
    print(f"document: {w}x{h} RGB float32 ({w * h / 1e6:.1f} MP), image + {kind} ({origin});"
          f" slider: {param.name}")

    _, t_full = _timed(lambda: doc.render())
    print(f"full render (cold):                 {t_full * 1000:8.0f} ms")
    for scale in (args.preview_scale, args.screen_width / w):
        _bench_preview(doc, lid, param, scale, args.changes)


def _bench_preview(doc, lid, param, scale, changes) -> None:
    prev, t_prev = _timed(lambda: doc.render(scale=scale))
    print(f"-- preview {prev.shape[1]}x{prev.shape[0]} (scale {scale:.3f})")
    print(f"preview render (first; may build the proxy pyramid): {t_prev * 1000:8.1f} ms")
    _, t_warm = _timed(lambda: doc.render(scale=scale))
    print(f"preview render again (all cached):                   {t_warm * 1000:8.1f} ms")
    lo = param.min if param.min is not None else 0.0
    hi = param.max if param.max is not None else 1.0
    values = np.linspace(lo + (hi - lo) * 0.3, lo + (hi - lo) * 0.6, changes)
    lat = []
    steps = len(doc.history)
    for v in values:
        t = time.perf_counter()
        doc.set_params(lid, merge_key="bench-drag", **{param.name: float(v)})
        doc.render(scale=scale)
        lat.append(time.perf_counter() - t)
    doc.history.end_merge()
    med, worst = statistics.median(lat) * 1000, max(lat) * 1000
    verdict = "OK" if med < 50 else "ABOVE GOAL"
    print(f"levels change -> preview, {changes} changes: median {med:.1f} ms, worst "
          f"{worst:.1f} ms (goal median < 50 ms: {verdict}); undo steps added: "
          f"{len(doc.history) - steps}")


if __name__ == "__main__":
    main()
