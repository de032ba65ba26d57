"""Rendering a :class:`~editor.mosaic.plan.MosaicPlan`: resample, balance, blend.

Each output pixel takes every visible panel that covers it (:mod:`editor.mosaic.panels`),
weighted by its distance to the panel's footprint edge times the panel's blend weight
(feathering: the weights fall to zero at each panel's edge, so no seam line is left);
``multiband`` hands over to :mod:`editor.mosaic.multiband`. Uncovered pixels are NaN. Work
goes in strips of rows so temporaries stay small whatever the canvas size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.jobs.progress import Progress
from editor.mosaic.panels import STRIP_PIXELS, PanelCache, panel_layer
from editor.mosaic.plan import MosaicPlan
from editor.mosaic.transforms import Window

__all__ = ["render_mosaic", "PanelCache"]


def render_mosaic(plan: MosaicPlan, pixels: list[np.ndarray], scale: float = 1.0,
                  window: Window | None = None, progress: Progress | None = None,
                  cache: PanelCache | None = None, keys: list[Any] | None = None) -> np.ndarray:
    """The mosaic on ``window`` (y0, y1, x0, x1) of the canvas scaled by ``scale``; float32,
    (h, w) or (h, w, C); NaN where no panel covers."""
    full = (max(1, round(plan.shape[0] * scale)), max(1, round(plan.shape[1] * scale)))
    win = window or (0, full[0], 0, full[1])
    if plan.blend == "multiband":
        from editor.mosaic.multiband import render_multiband

        return render_multiband(plan, pixels, scale, win, progress, cache, keys)
    nch = 1 if pixels[0].ndim == 2 else pixels[0].shape[2]
    h, w = win[1] - win[0], win[3] - win[2]
    out = np.empty((h, w) if nch == 1 else (h, w, nch), dtype=np.float32)
    rows_per = max(1, STRIP_PIXELS // max(1, w))
    strips = [(y, min(win[1], y + rows_per)) for y in range(win[0], win[1], rows_per)]
    order = [i for i, p in enumerate(plan.panels) if p.visible and p.weight > 0]
    for s, (ya, yb) in enumerate(strips):
        num = out[ya - win[0]:yb - win[0]]  # accumulated in place, then divided
        num.fill(0)
        den = np.zeros((yb - ya, w), dtype=np.float32)
        for i in order:
            got = panel_layer(plan, i, pixels[i], (ya, yb, win[2], win[3]), scale, cache,
                              None if keys is None else keys[i])
            if got is None:
                continue
            (sy0, sy1, sx0, sx1), values, weight = got
            sl = (slice(sy0 - ya, sy1 - ya), slice(sx0 - win[2], sx1 - win[2]))
            # values are 0 where the weight is 0 (panel_layer), so no NaN * 0 here
            np.multiply(values, weight if nch == 1 else weight[..., None], out=values)
            num[sl] += values
            den[sl] += weight
        with np.errstate(invalid="ignore", divide="ignore"):
            # 0 / 0 where no panel covers: NaN, as wanted
            np.divide(num, den if nch == 1 else den[..., None], out=num)
        if progress is not None:
            progress((s + 1) / len(strips))
    return out
