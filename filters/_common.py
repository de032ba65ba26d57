"""Small helpers shared by the filters: input checks, luminance, threads and chunked maps.

Private to the package: nothing here is a user-facing operation.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Sequence

import numpy as np

from filters.registry import ProgressCallback
from filters.messages import M_

#: Rec. 709 / sRGB primaries luminance weights, applied to *linear* RGB (CIE Y).
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

CHANNEL_INDEX = {"red": 0, "green": 1, "blue": 2}

# Two cores on the reference machine; more if the user has them. numpy ufuncs, scipy.ndimage
# and scipy.fft release the GIL, so plain threads give real parallelism.
WORKERS = max(1, min(8, os.cpu_count() or 1))

# Elements per chunk for chunked element-wise work: 256 Ki float32 = 1 MiB, so the temporaries
# of a small expression stay in L2 cache instead of streaming through main memory.
CHUNK = 1 << 18

_POOL: ThreadPoolExecutor | None = None


def pool() -> ThreadPoolExecutor:
    """The package's shared worker threads (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="filters")
    return _POOL


def as_image(img: np.ndarray, name: str = "img") -> np.ndarray:
    """``img`` as a float32 (H, W) or (H, W, C) array (no copy when it already is one)."""
    a = np.asarray(img)
    if a.ndim not in (2, 3) or a.size == 0:
        raise ValueError(f"{name}: " + M_("expected an (H, W) or (H, W, C) image, got shape {shape}", shape=a.shape))
    if a.dtype != np.float32:
        a = a.astype(np.float32)
    return a


def channels(img: np.ndarray) -> list[np.ndarray]:
    """The (H, W) planes of an image (views, no copy)."""
    return [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]


def luminance(img: np.ndarray) -> np.ndarray:
    """Linear luminance Y (Rec. 709 weights) of an RGB image; a mono image is returned as is.

    Images with a channel count other than 3 use the plain mean of their channels.
    """
    img = as_image(img)
    if img.ndim == 2:
        return img
    if img.shape[2] == 1:
        return img[..., 0]
    if img.shape[2] != 3:
        return img.mean(axis=2, dtype=np.float32)
    out = np.empty(img.shape[:2], np.float32)

    def work(sl: slice) -> None:
        block = img[sl]
        o = out[sl]
        np.multiply(block[..., 0], LUMA_WEIGHTS[0], out=o)
        o += block[..., 1] * LUMA_WEIGHTS[1]
        o += block[..., 2] * LUMA_WEIGHTS[2]

    run_row_bands(work, img.shape[0], img.shape[1] * 3)
    return out


def has_nan(img: np.ndarray) -> bool:
    """True when any pixel is NaN or infinite (missing data)."""
    # A sum is NaN/inf when an element is: one fast SIMD pass, no mask. (A float32 overflow of
    # huge finite data also says "yes", which only sends the caller down its NaN-safe path.)
    with np.errstate(invalid="ignore", over="ignore"):
        return not bool(np.isfinite(np.add.reduce(img.reshape(-1), dtype=np.float32)))


def report(progress: ProgressCallback | None, fraction: float) -> None:
    """Tell the caller how far we are (it may raise to cancel)."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def run_parallel(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run independent tasks on the worker threads and return their results in order.

    Called from one of our own workers (a task that itself parallelises), the tasks run
    inline: waiting on the pool from inside it could deadlock.
    """
    if len(tasks) <= 1 or WORKERS == 1 or threading.current_thread().name.startswith("filters"):
        return [t() for t in tasks]
    futures = [pool().submit(t) for t in tasks]
    return [f.result() for f in futures]


def run_row_bands(work: Callable[[slice], None], n_rows: int, row_len: int) -> None:
    """Call ``work(rows)`` over row bands of about CHUNK elements, spread over the threads."""
    band = max(1, CHUNK // max(1, row_len))
    slices = [slice(r, min(n_rows, r + band)) for r in range(0, n_rows, band)]
    if len(slices) == 1 or WORKERS == 1:
        for sl in slices:
            work(sl)
        return
    per_worker = [slices[i::WORKERS] for i in range(WORKERS)]

    def run(group: Iterable[slice]) -> None:
        for sl in group:
            work(sl)

    run_parallel([lambda g=g: run(g) for g in per_worker if g])


def map_elementwise(func: Callable[[np.ndarray, np.ndarray], None], img: np.ndarray) -> np.ndarray:
    """Apply an element-wise ``func(src_block, out_block)`` in cache-sized chunks on all cores.

    ``func`` must write its result into ``out_block``. Used by levels/curves/stretches so an
    expression of several ufuncs costs about one trip through main memory instead of one per
    ufunc.
    """
    src = np.ascontiguousarray(img).reshape(-1)
    out = np.empty_like(src)
    n = src.size
    bounds = [(s, min(n, s + CHUNK)) for s in range(0, n, CHUNK)]
    if len(bounds) == 1 or WORKERS == 1:
        for s, e in bounds:
            func(src[s:e], out[s:e])
    else:
        def run(group: list[tuple[int, int]]) -> None:
            for s, e in group:
                func(src[s:e], out[s:e])

        run_parallel([lambda g=bounds[i::WORKERS]: run(g) for i in range(WORKERS)])
    return out.reshape(img.shape)


def per_channel(func: Callable[[np.ndarray], np.ndarray], img: np.ndarray) -> np.ndarray:
    """Apply ``func`` to each (H, W) plane in parallel threads and stack the results."""
    img = as_image(img)
    if img.ndim == 2:
        return func(img)
    planes = run_parallel([lambda c=c: func(img[..., c]) for c in range(img.shape[2])])
    out = np.empty(img.shape, np.float32)
    for c, p in enumerate(planes):
        out[..., c] = p
    return out


CHANNEL_CHOICES = ("all", "luminance", "red", "green", "blue")


def apply_to_channel(
    img: np.ndarray, channel: str, func: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Apply a tone curve ``func`` (array -> float32 array) to the chosen channel(s).

    ``"all"``: every channel; ``"red"``/``"green"``/``"blue"``: that channel only;
    ``"luminance"``: the curve is applied to the luminance Y and every channel is scaled by
    Y'/Y, so hue and saturation do not change (pixels with Y <= 0 get the grey value Y').
    A mono image has one channel, which every choice adjusts.
    """
    if channel not in CHANNEL_CHOICES:
        raise ValueError("channel: " + M_("{value!r} is not one of {choices}", value=channel, choices=", ".join(CHANNEL_CHOICES)))
    img = as_image(img)
    if img.ndim == 2 or img.shape[2] == 1 or channel == "all":
        return func(img)
    if channel in CHANNEL_INDEX:
        c = CHANNEL_INDEX[channel]
        if c >= img.shape[2]:
            raise ValueError("channel: " + M_("the image has no {channel} channel (shape {shape})", channel=channel, shape=img.shape))
        out = img.copy()
        out[..., c] = func(np.ascontiguousarray(img[..., c]))
        return out
    y = luminance(img)
    y2 = func(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(y > 1e-12, y2 / y, np.float32(0)).astype(np.float32)
    out = img * k[..., None]
    grey = ~(y > 1e-12) & np.isfinite(y)
    if grey.any():
        out[grey] = y2[grey][:, None]
    return out


_SCRATCH = threading.local()


def scratch(name: str, n: int, dtype: type) -> np.ndarray:
    """A reusable per-thread work buffer of at least ``n`` elements (first ``n`` returned).

    Chunked loops use these instead of fresh temporaries: allocation and page faults would
    otherwise cost more than the arithmetic.
    """
    bufs = getattr(_SCRATCH, "bufs", None)
    if bufs is None:
        bufs = _SCRATCH.bufs = {}
    key = (name, np.dtype(dtype).str)
    buf = bufs.get(key)
    if buf is None or buf.size < n:
        buf = bufs[key] = np.empty(max(n, CHUNK), dtype)
    return buf[:n]


def with_channel_constants(
    op: Callable[[np.ndarray, np.ndarray], np.ndarray], img: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """``op(img, values)`` for one constant per channel, e.g. ``np.multiply`` by gains.

    Broadcasting a length-3 vector over the last axis makes numpy loop 3 elements at a time
    (several times slower); tiling it to a whole row keeps the loops long.
    """
    h = img.shape[0]
    row = np.tile(np.asarray(values, np.float32), img.shape[1])
    return op(img.reshape(h, -1), row).astype(np.float32, copy=False).reshape(img.shape)


def per_pixel(values: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``values`` (H, W) repeated over the channels of ``shape`` (H, W, C) in a reused
    per-thread buffer: multiplying by it is the same as by ``values[..., None]`` value for
    value, but numpy's loops over a broadcast channel axis are 3 elements long (~10x
    slower than this copy plus a contiguous multiply)."""
    out = scratch(name, values.size * shape[-1], np.float32).reshape(shape)
    for c in range(shape[-1]):
        out[..., c] = values
    return out
