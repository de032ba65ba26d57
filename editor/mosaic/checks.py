"""What the background checksum check found in mosaic panels mapped in place from a project.

:mod:`editor.project.member_map` maps a panel without reading it and checks the member's CRC
meanwhile; the mosaic layer kind asks here before using a panel, so a damaged one fails its
layer in one line. Kept here, below the renderer, which may not import the project layer.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)

#: id(mapped array) -> (weak reference, None while unchecked / "" if sound / the problem)
_CHECKED: dict[int, tuple[weakref.ref, str | None]] = {}
_LOCK = threading.Lock()
#: what :func:`on_damage` registered: weak references to bound methods, or plain callables
_LISTENERS: list[Any] = []


def unchecked(planes: np.ndarray) -> None:
    """``planes`` (the array on the map) waits for its check."""
    with _LOCK:
        for key in [k for k, (r, _) in _CHECKED.items() if r() is None]:
            del _CHECKED[key]
        _CHECKED[id(planes)] = (weakref.ref(planes), None)


def checked(key: int, ref: weakref.ref, problem: str) -> None:
    """The check of the array ``ref`` (``id`` ``key``) is done: "" sound, else the problem
    (an ``N_()`` text, translated where it is shown)."""
    with _LOCK:
        if ref() is None:
            return
        _CHECKED[key] = (ref, problem)
        listeners = list(_LISTENERS)
    if problem:  # the renders made meanwhile showed the damaged bytes: views must drop them
        for entry in listeners:
            fn = entry() if isinstance(entry, weakref.WeakMethod) else entry
            if fn is None:
                with _LOCK:
                    if entry in _LISTENERS:
                        _LISTENERS.remove(entry)
                continue
            try:
                fn()
            except Exception:  # a view's trouble must not stop the checks of other members
                log.exception("a damaged-panel listener failed")


def on_damage(callback: Callable[[], None]) -> None:
    """``callback()`` is called, on the checking thread, whenever a check finds a problem
    (a view then renders again: the mosaic layer's key now says which panel is damaged). A
    bound method is held weakly, so a closed view needs no unregistering."""
    entry: Any = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else callback
    with _LOCK:
        _LISTENERS.append(entry)


def damage_of(pixels: np.ndarray) -> str | None:
    """The problem the background check found in the member ``pixels`` is mapped from, ""
    when it found none, None when it is not done (or ``pixels`` is not mapped in place)."""
    a: Any = pixels
    with _LOCK:
        while a is not None:
            entry = _CHECKED.get(id(a))
            if entry is not None and entry[0]() is a:
                return entry[1]
            a = getattr(a, "base", None)
    return None


def wait_checked(pixels: np.ndarray, timeout: float = 600.0) -> str | None:
    """:func:`damage_of` once the background check of ``pixels`` is done (tests, benchmarks)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = damage_of(pixels)
        if got is not None:
            return got
        time.sleep(0.02)
    return None
