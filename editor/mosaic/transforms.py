"""Where each output pixel of a mosaic canvas falls in a panel: the coordinate maps.

A panel's transform is plain data (saved in projects, editable):

- ``{"kind": "wcs", "wcs": {header cards}}``: the panel's own array WCS (row 0 = top); the
  canvas has a celestial WCS; canvas pixel -> sky -> panel pixel.
- ``{"kind": "similarity", "scale": s, "rotation_deg": r, "dx": tx, "dy": ty}``: panel pixel
  (x, y) -> canvas pixel ``s R(r) (x, y) + (tx, ty)`` (x = column, y = row).

For WCS panels the sky round trip is evaluated exactly on a coarse grid (every ``GRID`` output
pixels, on the canvas's fixed grid) and cubic convolution fills in between (local: a tile gets
the very values of the whole canvas). reproject's ``reproject_interp`` does the WCS
round trip at every output pixel; on a 100 MP canvas that is minutes of WCS work for a map
that is smooth to far below 0.001 px over 32 px (tested against reproject_interp).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from astropy.wcs import WCS

from editor.astrometry.wcs import header_wcs, wcs_cards

GRID = 32

Window = tuple[int, int, int, int]  # (y0, y1, x0, x1) on the canvas scaled by ``scale``


def similarity_matrix(t: dict[str, Any]) -> np.ndarray:
    """3x3 matrix taking panel (x, y, 1) to canvas (x, y, 1)."""
    s, r = float(t.get("scale", 1.0)), math.radians(float(t.get("rotation_deg", 0.0)))
    c, si = s * math.cos(r), s * math.sin(r)
    return np.array([[c, -si, float(t.get("dx", 0.0))], [si, c, float(t.get("dy", 0.0))], [0, 0, 1.0]])


def similarity_params(m: np.ndarray) -> dict[str, Any]:
    """The similarity nearest to a 3x3 matrix (panel -> canvas)."""
    a, b = float(m[0, 0] + m[1, 1]) / 2.0, float(m[1, 0] - m[0, 1]) / 2.0
    return {"kind": "similarity", "scale": math.hypot(a, b), "rotation_deg": math.degrees(math.atan2(b, a)),
            "dx": float(m[0, 2]), "dy": float(m[1, 2])}


def wcs_transform(wcs: WCS) -> dict[str, Any]:
    return {"kind": "wcs", "wcs": {k: v for k, v in wcs_cards(wcs).items() if k != "ROWORDER"}}


@lru_cache(maxsize=64)
def _wcs_from_items(items: tuple) -> WCS:
    wcs = header_wcs(dict(items))
    if wcs is None:
        raise ValueError("a panel's or the canvas's WCS cards do not describe a celestial WCS")
    return wcs


def wcs_of(cards: dict[str, Any]) -> WCS:
    """A (cached) WCS object from plain cards."""
    return _wcs_from_items(tuple(sorted((k, v) for k, v in cards.items()
                                        if not isinstance(v, (list, dict)))))


def _keys_weights(t: np.ndarray) -> list[np.ndarray]:
    """Cubic convolution (Keys, a = -0.5) weights of the 4 nodes around fraction ``t``."""
    t2, t3 = t * t, t * t * t
    return [-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0,
            -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2]


def _on_grid(nodes: np.ndarray, k0y: int, k0x: int, y0: int, y1: int, x0: int, x1: int,
             step: int) -> np.ndarray:
    """Values at output pixels ``y0..y1 x x0..x1`` of a map known at the grid nodes
    ``(k0y + i) * step, (k0x + j) * step`` (``nodes[i, j]``), by separable cubic convolution:
    each pixel reads the same 4 x 4 nodes in the same order whatever the window, so tiles
    get exactly the values of the whole canvas."""
    oy, ox = np.arange(y0, y1), np.arange(x0, x1)
    jy, jx = oy // step - k0y, ox // step - k0x
    wy = _keys_weights((oy % step) / step)
    wx = _keys_weights((ox % step) / step)
    along_x = sum(w * nodes[:, jx - 1 + i] for i, w in enumerate(wx))
    return sum(w[:, None] * along_x[jy - 1 + i, :] for i, w in enumerate(wy))


def panel_coords(transform: dict[str, Any], win: Window, scale: float,
                 canvas_wcs: dict[str, Any] | None) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) float32 arrays of ``win``'s shape: the full-resolution panel pixel seen
    at each output pixel of the canvas window (canvas resampled by ``scale``)."""
    y0, y1, x0, x1 = win
    if transform["kind"] == "similarity":
        inv = np.linalg.inv(similarity_matrix(transform))
        cy = ((np.arange(y0, y1) + 0.5) / scale - 0.5).astype(np.float64)
        cx = ((np.arange(x0, x1) + 0.5) / scale - 0.5).astype(np.float64)
        cols = (inv[0, 0] * cx[None, :] + inv[0, 1] * cy[:, None] + inv[0, 2]).astype(np.float32)
        rows = (inv[1, 0] * cx[None, :] + inv[1, 1] * cy[:, None] + inv[1, 2]).astype(np.float32)
        return rows, cols
    if transform["kind"] != "wcs":
        raise ValueError(f"unknown panel transform {transform['kind']!r}")
    if canvas_wcs is None:
        raise ValueError("a WCS-registered panel needs a canvas WCS")
    src, dst = wcs_of(transform["wcs"]), wcs_of(canvas_wcs)
    # Nodes on the canvas's fixed grid (multiples of GRID output pixels), one more than the
    # cubic needs on each side of the window.
    k0y, k0x = y0 // GRID - 1, x0 // GRID - 1
    qy = np.arange(k0y, (y1 - 1) // GRID + 3) * GRID
    qx = np.arange(k0x, (x1 - 1) // GRID + 3) * GRID
    gx, gy = np.meshgrid((qx + 0.5) / scale - 0.5, (qy + 0.5) / scale - 0.5)
    sky = dst.pixel_to_world(gx.ravel(), gy.ravel())
    px, py = src.world_to_pixel(sky)
    px, py = np.asarray(px).reshape(gx.shape), np.asarray(py).reshape(gx.shape)
    rows = _on_grid(py, k0y, k0x, y0, y1, x0, x1, GRID).astype(np.float32)
    cols = _on_grid(px, k0y, k0x, y0, y1, x0, x1, GRID).astype(np.float32)
    return rows, cols


def canvas_bbox(transform: dict[str, Any], panel_shape: tuple[int, int],
                canvas_wcs: dict[str, Any] | None) -> tuple[float, float, float, float]:
    """(y0, y1, x0, x1) full-resolution canvas bounds of a panel (its edge, sampled)."""
    h, w = panel_shape
    t = np.linspace(0.0, 1.0, 33)
    xs = np.r_[t * (w - 1), np.full_like(t, w - 1), t * (w - 1), np.zeros_like(t)]
    ys = np.r_[np.zeros_like(t), t * (h - 1), np.full_like(t, h - 1), t * (h - 1)]
    if transform["kind"] == "similarity":
        m = similarity_matrix(transform)
        cx, cy = m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    else:
        sky = wcs_of(transform["wcs"]).pixel_to_world(xs, ys)
        cx, cy = wcs_of(canvas_wcs).world_to_pixel(sky)
    cx, cy = np.asarray(cx), np.asarray(cy)
    return (float(np.nanmin(cy)) - 0.5, float(np.nanmax(cy)) + 0.5,
            float(np.nanmin(cx)) - 0.5, float(np.nanmax(cx)) + 0.5)
