"""Multi-band (Laplacian pyramid) blending of mosaic panels (Burt & Adelson 1983).

Each panel's band-pass levels are mixed with a smoothed copy, at that level's scale, of the
mask of pixels where the panel has the largest feather weight: fine detail (stars, sharp
nebula edges) switches within a few pixels, so a softer panel does not blur a sharper one,
while the background blends over the whole overlap. Pixels a panel does not cover are filled
with the feathered composite first, so the pyramid never sees an artificial edge.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from editor.jobs.progress import Progress
from editor.mosaic.panels import PanelCache, panel_layer
from editor.mosaic.plan import MosaicPlan
from editor.mosaic.transforms import Window


def _down(x: np.ndarray) -> np.ndarray:
    sig = (1.0, 1.0) + (0,) * (x.ndim - 2)
    return ndimage.gaussian_filter(x, sig, mode="nearest")[::2, ::2]


def _up(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    big = np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)[: shape[0], : shape[1]]
    sig = (1.0, 1.0) + (0,) * (x.ndim - 2)
    return ndimage.gaussian_filter(big, sig, mode="nearest")


def _levels(shape: tuple[int, int], wanted: int) -> int:
    n = 0
    while n < wanted and min(shape) // (2 ** (n + 1)) >= 8:
        n += 1
    return n


#: Border (in pixels of the coarsest level) a window's pyramid reads around it. Each
#: halving blurs with sigma 1 (read up to 4 px) and each doubling again: ~8 coarse px
#: would be the whole reach; 3 keeps tiles within 3.1e-6 of the plate's spread of the
#: whole-canvas pyramid (tests/mosaic/test_mosaic_tiles.py) at half the cost.
HALO_COARSE = 3


def pyramid_window(win: Window, full: tuple[int, int], nlev: int) -> Window:
    """The window the pyramid of ``win`` is built on: ``win`` widened by the halo and
    snapped to multiples of 2^nlev from the canvas corner, so every level of a tile's
    pyramid samples the same pixels as the whole canvas's pyramid (a tile's result then
    equals the crop of the whole render up to the halo's truncation)."""
    q = 2 ** nlev
    halo = HALO_COARSE * q
    return (max(0, (win[0] - halo) // q * q), min(full[0], -(-(win[1] + halo) // q) * q),
            max(0, (win[2] - halo) // q * q), min(full[1], -(-(win[3] + halo) // q) * q))


def render_multiband(plan: MosaicPlan, pixels: list[np.ndarray], scale: float, win: Window,
                     progress: Progress | None, cache: PanelCache | None,
                     keys: list | None) -> np.ndarray:
    full = (max(1, round(plan.shape[0] * scale)), max(1, round(plan.shape[1] * scale)))
    nlev = _levels(full, plan.levels)
    big = pyramid_window(win, full, nlev)
    h, w = big[1] - big[0], big[3] - big[2]
    nch = 1 if pixels[0].ndim == 2 else pixels[0].shape[2]
    shape = (h, w) if nch == 1 else (h, w, nch)
    layers = []
    for i, p in enumerate(plan.panels):
        if p.visible and p.weight > 0:
            got = panel_layer(plan, i, pixels[i], big, scale, cache, None if keys is None else keys[i])
            if got is not None:
                layers.append(got)
    num = np.zeros(shape, dtype=np.float32)
    den = np.zeros((h, w), dtype=np.float32)
    best = np.zeros((h, w), dtype=np.float32)
    placed = []
    for (y0, y1, x0, x1), values, weight in layers:
        sl = (slice(y0 - big[0], y1 - big[0]), slice(x0 - big[2], x1 - big[2]))
        wv = weight if nch == 1 else weight[..., None]
        num[sl] += np.where(wv > 0, values * wv, 0)
        den[sl] += weight
        best[sl] = np.maximum(best[sl], weight)
        placed.append((sl, values, weight))
    covered = den > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(covered if nch == 1 else covered[..., None],
                        num / (den if nch == 1 else den[..., None]), 0).astype(np.float32)
    del num
    acc: list[np.ndarray] = []
    wsum: list[np.ndarray] = []
    for k, (sl, values, weight) in enumerate(placed):
        img = fill.copy()
        region = img[sl]
        ok = weight > 0
        region[ok] = values[ok]
        mask = np.zeros((h, w), dtype=np.float32)
        mask[sl] = ((weight >= best[sl]) & ok).astype(np.float32)
        g, m = img, mask
        for lev in range(nlev + 1):
            if lev < nlev:
                g_next, m_next = _down(g), _down(m)
                band = g - _up(g_next, g.shape)
            else:
                band = g
            mm = m if nch == 1 else m[..., None]
            if k == 0:
                acc.append(band * mm)
                wsum.append(m.copy())
            else:
                acc[lev] += band * mm
                wsum[lev] += m
            if lev < nlev:
                g, m = g_next, m_next
        if progress is not None:
            progress((k + 1) / max(1, len(placed)))
    if not placed:
        out = np.full(shape, np.nan, dtype=np.float32)
    else:
        levels = []
        for a, s in zip(acc, wsum):
            ss = s if nch == 1 else s[..., None]
            with np.errstate(invalid="ignore", divide="ignore"):
                levels.append(np.where(ss > 1e-6, a / np.maximum(ss, 1e-6), 0).astype(np.float32))
        out = levels[-1]
        for lev in range(nlev - 1, -1, -1):
            out = _up(out, levels[lev].shape) + levels[lev]
        out = out.astype(np.float32)
        out[~covered] = np.nan
    cy, cx = win[0] - big[0], win[2] - big[2]
    return np.ascontiguousarray(out[cy:cy + win[1] - win[0], cx:cx + win[3] - win[2]])
