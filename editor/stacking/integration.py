"""Combining aligned frames into one: normalisation, rejection, weighted mean, by row bands.

The frames live in a :class:`~editor.stacking.store.FrameStore` on disk; only a band of rows of
all frames is in memory at once, sized from the memory budget (``NEBULAYER_MEMORY_BUDGET``), so
100 frames of 24 MP integrate in well under 8 GiB. Each band is normalised frame by frame
(gain and offset per channel, see :mod:`normalisation`), rejected pixel by pixel (see
:mod:`rejection`), then averaged with the frame weights (or its median is taken). Missing data
(NaN: outside a frame after registration) simply does not vote. Rejection maps count, per
pixel, the fraction of frames rejected low and high, as Siril's ``-rejmaps`` do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from editor.io.budget import memory_budget
from editor.jobs.progress import Progress
from editor.locale import _
from editor.stacking.rejection import REJECTIONS, nan_median, reject
from editor.stacking.store import FrameStore

COMBINES = ("mean", "median")
# Bytes of working memory per stacked value: the band itself, NaN-masked copies, the sorted
# copy and int64 ranks of the linear fit, boolean masks.
BYTES_PER_VALUE = 48


@dataclass
class IntegrationOptions:
    combine: str = "mean"
    rejection: str = "winsorized"
    sigma_low: float = 3.0
    sigma_high: float = 3.0

    def __post_init__(self) -> None:
        if self.combine not in COMBINES:
            raise ValueError(_("combine must be one of {COMBINES}, not {combine!r}").format(COMBINES=COMBINES, combine=self.combine))
        if self.rejection not in REJECTIONS:
            raise ValueError(_("rejection must be one of {REJECTIONS}, not {rejection!r}").format(REJECTIONS=REJECTIONS, rejection=self.rejection))
        if self.sigma_low <= 0 or self.sigma_high <= 0:
            raise ValueError(_("rejection sigmas must be positive"))


@dataclass
class Integration:
    image: np.ndarray  # float32 (H, W[, C]), NaN where no frame had data
    low_map: np.ndarray  # float32 fraction of frames rejected low, same shape
    high_map: np.ndarray
    count: np.ndarray = field(repr=False)  # uint16 frames that voted per pixel

    @property
    def rejected_fraction(self) -> tuple[float, float]:
        return float(np.nanmean(self.low_map)), float(np.nanmean(self.high_map))


def band_rows(n_frames: int, shape: tuple[int, ...], budget: int | None = None) -> int:
    """Rows per band so that a band's working set takes at most a quarter of the budget."""
    per_row = max(1, n_frames * int(np.prod(shape[1:])) * BYTES_PER_VALUE)
    rows = int(memory_budget(budget) // 4 // per_row)
    return int(max(1, min(shape[0], rows, 512)))


def integrate(store: FrameStore, options: IntegrationOptions, *,
              gains: np.ndarray | None = None, weights: np.ndarray | None = None,
              progress: Progress | None = None, budget: int | None = None) -> Integration:
    """Combine every frame of ``store``.

    Parameters
    ----------
    gains
        (N, C, 2) normalisation (gain, offset) per frame and channel; None: none.
    weights
        (N,) or (N, C) frame weights for the mean; None: equal.
    """
    n = len(store)
    if n == 0 or store.shape is None:
        raise ValueError(_("no frames to integrate"))
    shape = store.shape
    channels = 1 if len(shape) == 2 else shape[2]
    w = np.ones((n, channels)) if weights is None else np.asarray(weights, float).reshape(n, -1)
    w = np.broadcast_to(w, (n, channels))
    image = np.empty(shape, dtype=np.float32)
    low_map = np.zeros(shape, dtype=np.float32)
    high_map = np.zeros(shape, dtype=np.float32)
    count = np.zeros(shape, dtype=np.uint16)
    rows = band_rows(n, shape, budget)
    for y0 in range(0, shape[0], rows):
        y1 = min(shape[0], y0 + rows)
        band = store.band(y0, y1)
        if gains is not None:
            for c in range(channels):
                plane = band if len(shape) == 2 else band[..., c]  # a view: edited in place
                plane *= gains[:, c, 0].astype(np.float32)[:, None, None]
                plane += gains[:, c, 1].astype(np.float32)[:, None, None]
        low, high = reject(band, options.rejection, options.sigma_low, options.sigma_high)
        keep = np.isfinite(band) & ~low & ~high
        if options.combine == "median":
            out = nan_median(np.where(keep, band, np.nan))
        else:
            per_frame = w[:, 0][:, None, None] if len(shape) == 2 else w[:, None, None, :]
            weight = np.broadcast_to(per_frame.astype(np.float32), band.shape)
            weight = weight * keep
            total = weight.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = (np.where(keep, band, 0.0) * weight).sum(axis=0) / total
            out = np.where(total > 0, out, np.nan)
        image[y0:y1] = out
        voted = np.isfinite(band).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            low_map[y0:y1] = np.where(voted > 0, low.sum(axis=0) / voted, 0)
            high_map[y0:y1] = np.where(voted > 0, high.sum(axis=0) / voted, 0)
        count[y0:y1] = keep.sum(axis=0)
        del band, low, high, keep
        if progress:
            progress(y1 / shape[0])
    return Integration(image, low_map, high_map, count)
