"""Reused result buffers: a render's arrays come from memory an earlier render let go of.

On this kind of machine (a VM) the first write to fresh memory costs far more than the
arithmetic: a new 30 MB preview array took 35-65 ms to fault in where copying into a reused
one takes 2-3 ms. A slider drag renders a new preview, its tiles and their cache entries on
every step while the cache drops the oldest variants; this pool hands those dropped buffers
back out.

The pool keeps a reference to every array it made (bounded in bytes). An array is free again
when that reference is the only one left: the cache evicted it and no caller, view or Comp
holds it (CPython's reference count says so exactly; any view keeps its base alive and
counted). Arrays outside ``MIN_BYTES..MAX_BYTES`` are plain ``np.empty``: small ones are
cheap, and a whole-canvas array is not worth keeping around.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

MIN_BYTES = 1 << 20
MAX_BYTES = 64 << 20
MADV_POPULATE_WRITE = 23  # Linux >= 5.14
POPULATE_STEP = 8 << 20  # bytes per madvise call (a multiple of the 4 KiB page)


def _madvise() -> Any:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.madvise
        fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):  # not Linux/glibc: populate() does nothing
        return None


_MADVISE = _madvise() if sys.platform.startswith("linux") else None


def populate(arr: np.ndarray) -> np.ndarray:
    """Fault in the pages of a fresh array in one system call (MADV_POPULATE_WRITE) instead
    of one trap per 4 KiB page on first write: measured on the test VM, 240 MB in 0.07-0.43 s
    instead of 0.09-1.25 s. Contents are unchanged; a kernel without it ignores the hint."""
    if _MADVISE is None or arr.nbytes < MIN_BYTES:
        return arr
    page = 4096
    addr = arr.ctypes.data
    start = addr - addr % page
    end = addr + arr.nbytes
    # In steps of POPULATE_STEP: one call holds the process's memory-map lock throughout,
    # so the UI thread's own allocations waited (220 ms measured during a 40 MP merge,
    # bench_ui_pauses.py); 8 MB steps cost the same time and leave gaps of ~2 ms.
    while start < end:
        length = min(POPULATE_STEP, -(-(end - start) // page) * page)
        _MADVISE(start, length, MADV_POPULATE_WRITE)  # only a hint: errors (old kernel) ignored
        start += length
    return arr


def fresh(shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    """``np.empty`` with its pages faulted in at once (see :func:`populate`)."""
    return populate(np.empty(shape, dtype))


def _idle_refs() -> int:
    """References an idle pooled array has when seen while walking the pool's dict."""
    probe: OrderedDict[int, np.ndarray] = OrderedDict()
    a = np.empty(1, np.float32)
    probe[id(a)] = a
    del a
    for arr in probe.values():
        return sys.getrefcount(arr)
    raise AssertionError  # pragma: no cover


class BufferPool:
    """``empty(shape)``: an uninitialised float32 array, reused when one of that shape is idle."""

    def __init__(self, max_bytes: int = 512 << 20) -> None:
        self.max_bytes = int(max_bytes)
        self._arrays: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._idle = _idle_refs()
        self.reused = 0  # counters for tests and benchmarks
        self.made = 0

    def empty(self, shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        dt = np.dtype(dtype)
        nbytes = int(np.prod(shape)) * dt.itemsize
        if not MIN_BYTES <= nbytes <= min(MAX_BYTES, self.max_bytes):
            return fresh(shape, dt)
        with self._lock:
            for arr in self._arrays.values():  # (as _idle_refs walks: same count)
                if arr.shape == shape and arr.dtype == dt and sys.getrefcount(arr) <= self._idle:
                    self._arrays.move_to_end(id(arr))
                    arr.flags.writeable = True  # the cache froze it; it owns its memory
                    self.reused += 1
                    return arr
            out = fresh(shape, dt)
            self.made += 1
            self._arrays[id(out)] = out
            self._bytes += nbytes
            # Over the bound: forget the oldest (idle ones are freed; ones in use just stop
            # being pooled and are freed by whoever holds them).
            while self._bytes > self.max_bytes and len(self._arrays) > 1:
                _, old = self._arrays.popitem(last=False)
                self._bytes -= old.nbytes
            return out

    def clear(self) -> None:
        with self._lock:
            self._arrays.clear()
            self._bytes = 0


POOL = BufferPool()


def empty(shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    """An uninitialised array from the process's pool (see the module notes)."""
    return POOL.empty(shape, dtype)
