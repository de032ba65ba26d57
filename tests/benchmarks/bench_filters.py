"""Speed of the filters on big RGB images (a script, not a test).

Prints, for each operation, the best of a few runs in seconds and that time divided by one
plain memory pass (``np.add(a, b, out=c)`` on an array of the same size, measured in the
same run). Goals: levels/curves within 3 memory passes; high pass at radius 1000 on a 40 MP
RGB image under 1 s on 2 cores; contrast mask under 1.5 s.

    python tests/benchmarks/bench_filters.py            # 24 MP and 40 MP RGB
    python tests/benchmarks/bench_filters.py --quick    # one 6 MP RGB image
    python tests/benchmarks/bench_filters.py --only highpass contrast_mask
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import filters  # noqa: E402

SIZES = {"6MP": (2000, 3000), "24MP": (4000, 6000), "40MP": (5304, 7952)}


def best_of(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def make_image(shape: tuple[int, int]) -> np.ndarray:
    """A linear-looking RGB frame: sky + gradient + noise + stars (cheap to build)."""
    rng = np.random.default_rng(0)
    h, w = shape
    img = np.empty((h, w, 3), np.float32)
    ramp = np.linspace(0.04, 0.08, w, dtype=np.float32)
    for c in range(3):
        img[..., c] = ramp * (1 - 0.1 * c)
        img[..., c] += 0.005 * rng.standard_normal((h, w), dtype=np.float32)
    ys, xs = rng.integers(0, h, 4000), rng.integers(0, w, 4000)
    img[ys, xs] += 0.8
    img.flags.writeable = False
    return img


def operations(img: np.ndarray) -> dict[str, Callable[[], object]]:
    pts = [(0.0, 0.0), (0.25, 0.45), (0.7, 0.85), (1.0, 1.0)]
    # a user dragging a curve point: every render builds a new table
    fresh_points = ([(0.0, 0.0), (0.25, 0.45 + 1e-4 * i), (0.7, 0.85), (1.0, 1.0)]
                    for i in itertools.count())
    return {
        "levels (gamma 1.4)": lambda: filters.levels(img, 0.02, 1.4, 0.9),
        "levels (linear)": lambda: filters.levels(img, 0.02, 1.0, 0.9),
        "curves": lambda: filters.curves(img, pts),  # re-render: the curve's table is kept
        "curves (new points each run)": lambda: filters.curves(img, next(fresh_points)),
        "brightness_contrast": lambda: filters.brightness_contrast(img, 0.1, 0.2),
        "auto_stretch": lambda: filters.auto_stretch(img),
        "asinh_stretch": lambda: filters.asinh_stretch(img, 50.0),
        "ghs": lambda: filters.ghs(img, 3.0, 2.0, 0.05),
        "gaussian_blur r=5": lambda: filters.gaussian_blur(img, 5.0),
        "gaussian_blur r=50": lambda: filters.gaussian_blur(img, 50.0),
        "highpass r=1000": lambda: filters.highpass(img, 1000.0),
        "highpass r=3 (sharpening)": lambda: filters.highpass(img, 3.0),
        "highpass r=6 (sharpening)": lambda: filters.highpass(img, 6.0),
        "highpass r=8 (sharpening)": lambda: filters.highpass(img, 8.0),
        "highpass r=100": lambda: filters.highpass(img, 100.0),
        "contrast_mask r=300 blur=60": lambda: filters.contrast_mask(img, 300.0, 60.0),
        "local_contrast_mask r=100": lambda: filters.local_contrast_mask(img, 100.0, 30.0),
        "luminance_range_mask": lambda: filters.luminance_range_mask(img),
        "saturation": lambda: filters.saturation(img, 1.3),
        "neutralize_background": lambda: filters.neutralize_background(img),
        "extract_background": lambda: filters.extract_background(img),
        "image_statistics": lambda: filters.image_statistics(img),
        "histogram": lambda: filters.histogram(img),
        "star_mask": lambda: filters.star_mask(img),
        "register_translation": lambda: filters.register_translation(img, img),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one 6 MP image only")
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=None)
    parser.add_argument("--only", nargs="+", default=None,
                        help="run operations whose name starts with one of these")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = args.sizes or (["6MP"] if args.quick else ["24MP", "40MP"])
    print(f"workers={filters._common.WORKERS}, numpy {np.__version__}")
    for size in sizes:
        img = make_image(SIZES[size])
        b, c = np.array(img), np.empty_like(img)

        def mem_pass() -> float:
            return best_of(lambda: np.add(img, b, out=c), 5)

        print(f"\n{size} RGB {img.shape}: one memory pass (np.add) = {mem_pass() * 1000:.1f} ms")
        print("(the pass is re-measured before each operation: on a shared machine the load")
        print(" varies, and the ratio uses the pass measured next to it)")
        print(f"{'operation':34s} {'seconds':>9s} {'pass ms':>8s} {'x memory pass':>14s}")
        for name, op in operations(img).items():
            if args.only and not any(name.startswith(o) for o in args.only):
                continue
            op()  # warm-up (thread pool, page faults, imports)
            t = best_of(op, args.repeats)
            mem = mem_pass()
            print(f"{name:34s} {t:9.3f} {mem * 1000:8.1f} {t / mem:14.1f}", flush=True)
        del b, c
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
