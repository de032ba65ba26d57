"""The curves chunk kernel: its table index is the nearest step, the bound holds on an
adversarial curve, and NaN costs about what a value costs."""

from __future__ import annotations

import time

import numpy as np

import filters
from filters.curves import LUT_SIZE, _table, curves_kernel

PTS = ((0.0, 0.0), (0.05, 0.4), (0.3, 0.7), (1.0, 1.0))


def test_each_value_in_0_1_takes_the_table_entry_nearest_to_it():
    rng = np.random.default_rng(3)
    x = np.concatenate([
        rng.random(1_000_000, dtype=np.float32),
        rng.random(200_000, dtype=np.float32) * np.float32(1e-3),
        np.arange(0, 4096, dtype=np.float32) / np.float32(2 * LUT_SIZE),  # steps and ties
        np.array([0.0, 1.0, np.nextafter(1, 0), 1e-38, 1e-45, 0.5, 2.0 ** -21], np.float32),
    ]).astype(np.float32)
    lut = _table(PTS).lut
    nearest = np.rint(x.astype(np.float64) * LUT_SIZE).astype(np.int64)  # ties to even
    out = np.empty_like(x)
    curves_kernel(PTS)(x, out)
    assert np.array_equal(out, lut[nearest])


def test_in_place_with_values_outside_0_1_and_nan_equals_apart():
    x = np.array([[-0.5, -0.0, 0.0, 0.3, 1.0, 1.5, np.nan, 2.0 ** -22]], np.float32)
    k = curves_kernel(((0.0, 0.1), (0.5, 0.6), (1.0, 0.9)))
    apart = np.empty_like(x)
    k(x, apart)
    k(x, x)
    assert np.array_equal(apart, x, equal_nan=True)
    assert np.isnan(x[0, 6]) and x[0, 5] > 0.9 and x[0, 0] < 0.1


def _best(fn, n: int = 5) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def test_nan_pixels_cost_about_what_valid_ones_cost():
    # numpy's take(mode="wrap") walked each NaN's garbage index back one table length at a
    # time (~2000 steps): an all-NaN chunk took ~25x a clean one
    rng = np.random.default_rng(0)
    clean = rng.random((200, 1000, 3), dtype=np.float32)
    missing = clean.copy()
    missing[:150] = np.nan  # a mosaic's empty corner: mostly NaN
    half = clean.copy()
    half[::2] = 1.5  # outside 0..1 too: the same slow path, without NaN
    k = curves_kernel(PTS)
    out = np.empty_like(clean)
    assert _best(lambda: k(missing, out)) < 3 * _best(lambda: k(half, out))
    k(missing, out)
    assert np.isnan(out[:150]).all() and np.isfinite(out[150:]).all()


def test_curves_filter_keeps_dtype_and_nan():
    x = np.array([[np.nan, 0.25, 1.0]], np.float32)
    out = filters.curves(x, PTS)
    assert out.dtype == np.float32 and np.isnan(out[0, 0]) and out[0, 2] == np.float32(1.0)


def test_steep_points_close_together_stay_within_half_a_step_times_the_slope():
    # adversarial for any table: a near-vertical rise between two close points, with the
    # pixels packed around it (slope ~12 000 there)
    from filters.curves import curve_function

    pts = ((0.0, 0.0), (0.5, 0.1), (0.5001, 0.9), (0.5003, 0.95), (1.0, 1.0))
    spline = curve_function(pts)
    rng = np.random.default_rng(11)
    near = 0.4995 + rng.random(400_000) * 0.001
    x = np.concatenate([near, rng.random(100_000)]).astype(np.float32)
    out = np.empty_like(x)
    curves_kernel(pts)(x, out)
    exact = spline(x.astype(np.float64))
    max_slope = np.abs(spline.derivative()(np.linspace(0.4995, 0.5005, 200_001))).max()
    err = np.abs(out - exact)
    bound = max_slope * 0.5 / LUT_SIZE + 1e-7
    assert err.max() <= bound
    assert err.max() > 0.1 * bound  # the bound is met, not vacuous


def test_tile_threads_asking_for_a_new_curve_at_once_build_its_table_once(monkeypatch):
    import importlib
    import threading

    curves = importlib.import_module("filters.curves")  # the package exports a curves() too

    built = []

    class Counted(curves._Lut):
        def __init__(self, points):
            built.append(points)
            super().__init__(points)

    monkeypatch.setattr(curves, "_Lut", Counted)
    curves._cached_table.cache_clear()
    points = ((0.0, 0.0), (0.37, 0.52), (1.0, 1.0))
    start = threading.Barrier(4)

    def ask():
        start.wait()
        curves._table(points)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    curves._cached_table.cache_clear()
    assert built == [points]
