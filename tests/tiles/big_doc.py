"""The big test document of issue 13: a real plate tiled to any size (RGB, a tint per channel
and per copy so no two tiles are equal), with the 5-layer stack the issue measures: levels,
curves, levels through a high-pass contrast mask of radius 1000, asinh. Used by the memory
test and the benchmarks; built in row bands so making it costs little memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plate(shared_data: Path) -> np.ndarray:
    from astropy.io import fits

    data = fits.getdata(shared_data / "fits/horsehead_dss_ukschmidt.fits").astype(np.float32)
    lo, hi = np.percentile(data, [0.5, 99.9])
    return np.clip((data - lo) / (hi - lo), 0, None).astype(np.float32) * np.float32(0.4)


def tiled_plate(shared_data: Path, height: int, width: int) -> np.ndarray:
    """(height, width, 3) float32: the plate repeated, mirrored every other copy."""
    p = plate(shared_data)
    ph, pw = p.shape
    out = np.empty((height, width, 3), np.float32)
    for y in range(0, height, ph):
        for x in range(0, width, pw):
            k = (y // ph) * 7 + (x // pw)
            block = p if k % 2 == 0 else p[::-1, ::-1]
            h, w = min(ph, height - y), min(pw, width - x)
            for c, tint in enumerate((1.0, 0.92 + 0.01 * (k % 5), 0.85)):
                out[y:y + h, x:x + w, c] = block[:h, :w] * np.float32(tint) + np.float32(0.02)
    return out


def five_layers(doc, radius: float = 1000.0) -> None:
    from editor import GeneratedMask

    doc.add_adjustment("levels", black=0.01, white=0.9, midtone=0.5)
    doc.add_adjustment("curves", points=[[0, 0], [0.25, 0.32], [1, 1]])
    lv = doc.add_adjustment("levels", midtone=0.6)
    doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": radius, "blur": radius / 5},
                                   feather=0.0))
    doc.add_adjustment("asinh_stretch")


def make_project(shared_data: Path, path: Path, height: int, width: int) -> Path:
    from editor import Document

    doc = Document.from_image(tiled_plate(shared_data, height, width))
    five_layers(doc)
    doc.save(path)
    return path
