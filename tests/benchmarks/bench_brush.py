"""Brush stroke figures on a big canvas (not collected by pytest).

    python tests/benchmarks/bench_brush.py [--megapixels 40] [--length 2000] [--size 100]

Paints one long stroke (a quarter circle ``--length`` px long, so its bounding box is large)
on a raster mask of a ``--megapixels`` canvas with ``doc.paint_mask`` and prints the time of
the stroke, of its undo and of its redo, plus the pure dab computation (``paint``) alone.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from editor.core.document import Document
from editor.core.paint import Stroke, paint


def _stroke_points(length: float, cx: float, cy: float) -> list[tuple[float, float]]:
    radius = length / (math.pi / 2)  # a quarter circle of that length
    n = 200  # a mouse drag delivers a point every few pixels
    return [(cx + radius * math.cos(t), cy + radius * math.sin(t))
            for t in np.linspace(0.0, math.pi / 2, n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megapixels", type=float, default=40.0)
    ap.add_argument("--length", type=float, default=2000.0, help="stroke length in px")
    ap.add_argument("--size", type=float, default=100.0, help="brush diameter in px")
    ap.add_argument("--hardness", type=float, default=0.5)
    args = ap.parse_args()

    w = int(math.sqrt(args.megapixels * 1e6 * 3 / 2))
    h = int(args.megapixels * 1e6 / w)
    doc = Document.new(w, h)
    lid = doc.add_adjustment("levels") if _has("levels") else None
    if lid is None:
        raise SystemExit("needs the built-in 'levels' filter (pip install -e .)")
    rng = np.random.default_rng(0)
    doc.set_mask(lid, rng.random((h, w), dtype=np.float32))
    pts = _stroke_points(args.length, w * 0.3, h * 0.3)
    stroke = {"points": pts, "size": args.size, "hardness": args.hardness,
              "opacity": 0.8, "value": 0.0}
    print(f"canvas {w}x{h} ({w * h / 1e6:.1f} MP), stroke {args.length:.0f} px, "
          f"brush {args.size:.0f} px, hardness {args.hardness}")

    mask = doc.sources[doc.layer(lid).mask.source_id].pixels
    t = time.perf_counter()
    _, box = paint(mask, Stroke.coerce(stroke))
    t_paint = time.perf_counter() - t
    y0, y1, x0, x1 = box
    print(f"  paint() alone:     {t_paint * 1000:8.1f} ms  (box {x1 - x0}x{y1 - y0} px)")

    t = time.perf_counter()
    doc.paint_mask(lid, stroke)
    print(f"  doc.paint_mask:    {(time.perf_counter() - t) * 1000:8.1f} ms")
    t = time.perf_counter()
    doc.undo()
    print(f"  undo:              {(time.perf_counter() - t) * 1000:8.1f} ms")
    t = time.perf_counter()
    doc.redo()
    print(f"  redo:              {(time.perf_counter() - t) * 1000:8.1f} ms")


def _has(kind: str) -> bool:
    from editor.plugins.registry import get_registry

    return get_registry().get(kind) is not None


if __name__ == "__main__":
    main()
