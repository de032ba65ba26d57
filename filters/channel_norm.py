"""Per-channel normalisation for colour merges of frames in different units.

Frames taken through different filters, or by different surveys (2MASS J, H, K: backgrounds
155, 509, 535 and noise 3.7, 18, 38 in their own units), merged as they are give a picture
tinted by whichever frame has the largest numbers (the "yellow-green" of an unbalanced RGB).
Normalising matches every channel's background (median) and scale (MAD, a robust standard
deviation) to common values, the way PixInsight's LinearFit or Siril's background/colour
calibration do before a combination::

    x'_c = (x_c - median_c) * (sigma* / sigma_c) + median*

with ``median*`` and ``sigma*`` the median over the channels of their medians and MADs (so
no channel is privileged and a balanced set is left nearly unchanged). Linear, never clipped;
NaN stays NaN.

``mode``: ``"on"``, ``"off"``, or ``"auto"``: on only when the frames differ by a lot, i.e.
their MADs, or their (positive) medians, differ by more than :data:`AUTO_RATIO` times, which
never happens for frames of one camera with ordinary filters and always for frames in
different units (a flat channel, MAD 0, turns "auto" off). Mono frames merged into colour
(``rgb_combine``, the R, G, B of a merge layer) default to "auto"; an existing colour image
(``lrgb_combine``'s ``rgb``, a merge layer's RGB source) to "off": its balance is the user's.
"""

from __future__ import annotations

import numpy as np

from filters._common import as_image
from filters.messages import M_

NORMALIZE_MODES = ("auto", "on", "off")
#: "auto" normalises when the channels' scales (or backgrounds) differ by more than this.
AUTO_RATIO = 3.0
#: Pixels sampled for the statistics (a regular grid: deterministic, ~50 ms on 40 MP).
SAMPLE_PIXELS = 1 << 20
MAD_TO_SIGMA = 1.4826


def channel_stats(frame: np.ndarray) -> tuple[float, float]:
    """(median, sigma = 1.4826 MAD) of the finite pixels of a mono frame, from a regular
    grid of at most :data:`SAMPLE_PIXELS` pixels. Sigma 0 (a flat frame) is returned as is."""
    x = as_image(frame, "frame")
    if x.ndim != 2:
        raise ValueError("channel_stats: " + M_("expected a mono (H, W) frame, got shape {shape}", shape=x.shape))
    step = max(1, int(np.ceil(np.sqrt(x.size / SAMPLE_PIXELS))))
    sample = x[::step, ::step]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 0.0, 0.0
    med = float(np.median(sample))
    return med, float(MAD_TO_SIGMA * np.median(np.abs(sample - med)))


def needs_normalization(stats: list[tuple[float, float]]) -> bool:
    """True when the channels' scales or backgrounds differ by more than AUTO_RATIO."""
    sig = [s for _, s in stats]
    med = [m for m, _ in stats]
    if min(sig) <= 0:  # a flat channel: no scale to match (and nothing to judge by)
        return False
    if max(sig) / min(sig) > AUTO_RATIO:
        return True
    return min(med) > 0 and max(med) / min(med) > AUTO_RATIO


def normalization(stats: list[tuple[float, float]], mode: str = "auto"
                  ) -> list[tuple[float, float]] | None:
    """Per-channel (gain, offset) with ``x' = gain * x + offset``, or None for no change."""
    if mode not in NORMALIZE_MODES:
        raise ValueError("normalize: " + M_("{value!r} is not one of {choices}", value=mode, choices=", ".join(NORMALIZE_MODES)))
    if mode == "off" or (mode == "auto" and not needs_normalization(stats)):
        return None
    target_m = float(np.median([m for m, _ in stats]))
    target_s = float(np.median([s for _, s in stats]))
    out = []
    for m, s in stats:
        gain = target_s / s if s > 0 else 1.0
        out.append((gain, target_m - gain * m))
    return out


def normalize_channels(frames: list[np.ndarray], mode: str = "auto",
                       stats: list[tuple[float, float]] | None = None) -> list[np.ndarray]:
    """The frames with matched background and scale (see the module notes). ``stats``: the
    frames' :func:`channel_stats` when they are crops of larger frames (a render region):
    pass the whole frames' statistics so every region is normalised alike."""
    if stats is None:
        stats = [channel_stats(f) for f in frames]
    coeffs = normalization(stats, mode)
    if coeffs is None:
        return list(frames)
    return [(np.asarray(f, np.float32) * np.float32(g) + np.float32(o)).astype(np.float32, copy=False)
            for f, (g, o) in zip(frames, coeffs)]
