"""Small, exactly-known operations registered into a fresh Registry, for core/render/project
tests that must not depend on the real filters (which are tested on their own)."""

from __future__ import annotations

import threading

import numpy as np
from scipy import ndimage

from editor.plugins.registry import Registry
from filters.registry import FilterSpec, Param


def gain(img, *, progress=None, factor=1.0):
    return (img * np.float32(factor)).astype(np.float32)


def lift(img, *, progress=None, black=0.0, white=1.0):
    """A levels-like linear remap: (x - black) / (white - black)."""
    return ((img - np.float32(black)) / np.float32(white - black)).astype(np.float32)


def blur(img, *, progress=None, sigma=1.0):
    if sigma <= 0:
        return img.copy()
    axes = (sigma, sigma) if img.ndim == 2 else (sigma, sigma, 0)
    return ndimage.gaussian_filter(img, axes, mode="nearest", truncate=4.0).astype(np.float32)


def bright_mask(img, *, progress=None, threshold=0.5):
    lum = img if img.ndim == 2 else img.mean(axis=2)
    return np.clip((lum - threshold) * 4 + 0.5, 0, 1).astype(np.float32)


def crash(img, *, progress=None, when=1.0):
    raise RuntimeError("boom from a buggy plugin")


def wrong_shape(img, *, progress=None, when=1.0):
    return img[:-1]


def slow(img, *, progress=None, steps=50):
    out = img.copy()
    for i in range(int(steps)):
        if progress is not None:
            progress(i / steps)
        out = out * np.float32(1.0)
    return out


class Counter:
    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()


def make_registry() -> tuple[Registry, Counter]:
    counter = Counter()

    def counted_gain(img, *, progress=None, factor=1.0):
        with counter.lock:
            counter.calls += 1
        return gain(img, factor=factor)

    reg = Registry()
    reg.add_manifest({"id": "test.ops", "name": "test ops", "version": "1.0", "filters": [
        FilterSpec("gain", "Gain", counted_gain, (Param("factor", "float", 1.0, min=0, max=100),)),
        FilterSpec("lift", "Lift", lift, (Param("black", "float", 0.0, min=-1, max=1),
                                          Param("white", "float", 1.0, min=0.01, max=10))),
        FilterSpec("blur", "Blur", blur, (Param("sigma", "float", 1.0, min=0, max=200, spatial=True),)),
        FilterSpec("bright_mask", "Bright", bright_mask, (Param("threshold", "float", 0.5),),
                   category="mask"),
        FilterSpec("crash", "Crash", crash, (Param("when", "float", 1.0),)),
        FilterSpec("wrong_shape", "Wrong", wrong_shape, (Param("when", "float", 1.0),)),
        FilterSpec("slow", "Slow", slow, (Param("steps", "int", 50, min=1, max=10**7),)),
    ]}, "test")
    return reg, counter
