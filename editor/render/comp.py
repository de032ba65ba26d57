"""A composite under construction: pixels of a window of the scaled canvas plus their key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from editor.render.resample import Window


@dataclass
class Comp:
    """A composite: pixels on ``win`` of the scaled canvas, identified by ``state``."""

    state: str
    data_: np.ndarray | None  # None: all zeros (the empty canvas), made only when needed
    win: Window
    # How to render this composite at another scale: (origin below, visible layers on it);
    # None is the empty canvas. Measured layers re-render their input with it.
    origin: tuple | None = None

    @property
    def data(self) -> np.ndarray:
        if self.data_ is None:
            self.data_ = np.zeros(self.win.shape, dtype=np.float32)
        return self.data_

    def crop(self, win: Window) -> np.ndarray:
        if win == self.win:
            return self.data
        return self.data[self.win.crop_of(win)]


def missing_is_transparent(top: np.ndarray, cov: np.ndarray | None) -> np.ndarray | None:
    """NaN pixels of a picture layer are missing data: show what is below them (mosaics,
    borders left by alignment) instead of punching holes."""
    if top.size and not np.isnan(np.min(top)):  # one read, no mask array: the usual case
        return cov
    bad = np.isnan(top)
    if bad.ndim == 3:
        bad = bad.any(axis=2)
    if not bad.any():
        return cov
    valid = (~bad).astype(np.float32)
    return valid if cov is None else cov * valid
