"""A thread-safe LRU cache of intermediate render results, bounded in bytes.

Keys are content hashes (darktable-style: the hash of every input and parameter of every
step up to the result), so entries can be shared by documents and threads without mixing
them up. Stored arrays are made read-only so no consumer can corrupt them.

The process-wide default size is a quarter of the RAM (1..8 GiB), or ``NEBULAYER_RENDER_CACHE``
(e.g. ``"6G"``); ``default_cache().max_bytes = n`` changes it at run time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from editor.render.keys import make_key  # noqa: F401  (keys are built by the one encoder)

ENV_VAR = "NEBULAYER_RENDER_CACHE"


def _default_size() -> int:
    """A quarter of the physical memory, between 1 and 8 GiB (2 GiB if unknown), and at most
    a quarter of the memory budget (NEBULAYER_MEMORY_BUDGET bounds the whole process)."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        size = int(min(max(ram // 4, 1024**3), 8 * 1024**3))
    except (ValueError, OSError, AttributeError):
        size = 2 * 1024**3
    from editor.io.budget import memory_budget

    return max(64 * 1024**2, min(size, memory_budget() // 4))


DEFAULT_CACHE_BYTES = _default_size()


class RenderCache:
    """LRU by bytes; ``max_bytes`` may be changed at any time (it evicts at once).

    Bytes are counted per pixel buffer, not per entry: one array stored under two keys (a
    filter's output that is also its layer's output) or a view of a stored array counts once,
    and a view counts the whole buffer it keeps alive.

    An entry may be put in a ``slot`` (the engine uses: this layer's result at this scale and
    window); a slot keeps its ``slot_keep`` most recently used variants. A slider drag makes a
    new variant per step: without the limit every step would stay until the whole budget is
    full, and each new frame would have to fault in fresh memory (measured: 3-4x slower
    previews once the process had grown by ~1.5 GB), where now it reuses the freed one.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES, slot_keep: int = 4) -> None:
        self.slot_keep = int(slot_keep)
        self._slots: dict[Any, OrderedDict[str, None]] = {}
        self._slot_of: dict[str, Any] = {}
        self._max = int(max_bytes)
        self._items: OrderedDict[str, tuple[Any, list[int]]] = OrderedDict()
        # id(buffer owner) -> [owner, entries using it, bytes]; holding the owner keeps the id
        # from being reused while it is counted.
        self._buffers: dict[int, list[Any]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self._max

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        with self._lock:
            self._max = int(value)
            self._evict()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            slot = self._slot_of.get(key)
            if slot is not None:
                self._slots[slot].move_to_end(key)
            return item[0]

    def put(self, key: str, value: Any, slot: Any = None) -> Any:
        """Store ``value`` (an ndarray, or a tuple of them) and return it read-only.

        ``slot``: any hashable naming what ``value`` is a variant of (see the class notes)."""
        owners = _owners(value)
        _freeze(value)
        if sum(size for _, size in owners.values()) + ENTRY_BYTES > self._max:
            return value  # larger than the whole budget: use it, do not keep it
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._release(old[1])
                self._leave_slot(key)
            self._bytes += ENTRY_BYTES
            for oid, (owner, size) in owners.items():
                rec = self._buffers.get(oid)
                if rec is None:
                    self._buffers[oid] = [owner, 1, size]
                    self._bytes += size
                else:
                    rec[1] += 1
            self._items[key] = (value, list(owners))
            if slot is not None:
                self._enter_slot(key, slot)
            self._evict()
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._buffers.clear()
            self._slots.clear()
            self._slot_of.clear()
            self._bytes = 0

    def _enter_slot(self, key: str, slot: Any) -> None:
        self._leave_slot(key)
        keys = self._slots.setdefault(slot, OrderedDict())
        keys[key] = None
        self._slot_of[key] = slot
        while len(keys) > max(1, self.slot_keep):
            stale = next(iter(keys))
            self._release(self._items.pop(stale)[1])
            self._leave_slot(stale)

    def _leave_slot(self, key: str) -> None:
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            keys = self._slots[slot]
            keys.pop(key, None)
            if not keys:
                del self._slots[slot]

    def _release(self, oids: list[int]) -> None:
        self._bytes -= ENTRY_BYTES
        for oid in oids:
            rec = self._buffers[oid]
            rec[1] -= 1
            if rec[1] == 0:
                del self._buffers[oid]
                self._bytes -= rec[2]

    def _evict(self) -> None:
        while self._bytes > self._max and self._items:
            key, (_, oids) = self._items.popitem(last=False)
            self._release(oids)
            self._leave_slot(key)


ENTRY_BYTES = 128  # bookkeeping per entry


def _owners(value: Any) -> dict[int, tuple[Any, int]]:
    """The distinct memory buffers ``value`` keeps alive: id -> (owning object, bytes)."""
    out: dict[int, tuple[Any, int]] = {}
    if isinstance(value, np.ndarray):
        owner = value
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        # An array over foreign memory (bytes, mmap) is counted by its own extent.
        out[id(owner)] = (owner, int(owner.nbytes))
    elif isinstance(value, (tuple, list)):
        for v in value:
            out.update(_owners(v))
    return out


def _freeze(value: Any) -> None:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for v in value:
            _freeze(v)


_default: RenderCache | None = None
_default_lock = threading.Lock()


def default_cache() -> RenderCache:
    """The cache shared by every document unless one is given its own."""
    global _default
    with _default_lock:
        if _default is None:
            size = DEFAULT_CACHE_BYTES
            env = os.environ.get(ENV_VAR)
            if env:
                try:
                    from editor.io.budget import parse_size

                    size = parse_size(env)
                except (ImportError, ValueError):
                    size = DEFAULT_CACHE_BYTES
            _default = RenderCache(size)
        return _default
