"""Robust location and scale of frames, and the normalisation that makes them comparable.

Before pixel rejection every frame is brought to the reference frame's background level and
noise scale, as Siril's "additive with scaling" does: ``x' = (x - loc_i) * s_ref / s_i + loc_ref``.
Location is the median; scale is the MAD-based standard deviation (1.4826 x MAD) of the pixels
within 6 sigma of the median (stars and hot pixels barely move either). Both come from a regular
subsample of about a million pixels, per colour channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NORMALISATIONS = ("none", "additive", "multiplicative", "additive-scale", "multiplicative-scale")
MAD_TO_SIGMA = 1.4826
SAMPLE = 1_000_000


@dataclass(frozen=True)
class Stats:
    """Median and robust sigma per channel (length 1 for mono)."""

    location: tuple[float, ...]
    scale: tuple[float, ...]


def _sample(plane: np.ndarray, target: int = SAMPLE) -> np.ndarray:
    step = max(1, int(np.sqrt(plane.size / target)))
    values = np.asarray(plane[::step, ::step], dtype=np.float32).ravel()
    return values[np.isfinite(values)]


def robust_location_scale(plane: np.ndarray) -> tuple[float, float]:
    """(median, 1.4826 MAD) of the finite pixels, the MAD recomputed within 6 sigma."""
    return _location_scale(_sample(plane))


def _location_scale(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    med = float(np.median(values))
    mad = float(np.median(np.abs(values - med)))
    if mad > 0:
        core = values[np.abs(values - med) < 6 * MAD_TO_SIGMA * mad]
        med = float(np.median(core))
        mad = float(np.median(np.abs(core - med)))
    return med, MAD_TO_SIGMA * mad


def frame_stats(img: np.ndarray) -> Stats:
    planes = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    pairs = [robust_location_scale(p) for p in planes]
    return Stats(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))


def common_stats(frames: list[np.ndarray]) -> list[Stats]:
    """Stats of each aligned frame over the pixels every frame covers (a regular subsample).

    Registration leaves each frame a different NaN border; measuring all frames on one common
    set of sky pixels keeps a rotated frame's different field content from passing for a
    change of sky level or transparency.
    """
    shape = frames[0].shape
    step = max(1, int(np.sqrt(shape[0] * shape[1] / SAMPLE)))
    samples = [np.asarray(f[::step, ::step], dtype=np.float32) for f in frames]
    common = np.logical_and.reduce([np.isfinite(s) if s.ndim == 2 else np.isfinite(s).all(-1)
                                    for s in samples])
    out = []
    for s in samples:
        planes = [s[common]] if s.ndim == 2 else [s[..., c][common] for c in range(s.shape[2])]
        pairs = [_location_scale(p) for p in planes]
        out.append(Stats(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)))
    return out


def coefficients(stats: list[Stats], reference: int, mode: str) -> np.ndarray:
    """(N, C, 2) array of (gain, offset): frame i channel c becomes ``x * gain + offset``."""
    if mode not in NORMALISATIONS:
        raise ValueError(f"normalisation must be one of {NORMALISATIONS}, not {mode!r}")
    n, channels = len(stats), len(stats[reference].location)
    out = np.zeros((n, channels, 2), dtype=np.float64)
    out[..., 0] = 1.0
    if mode == "none":
        return out
    ref = stats[reference]
    for i, s in enumerate(stats):
        for c in range(channels):
            loc, scl = s.location[c], s.scale[c]
            rloc, rscl = ref.location[c], ref.scale[c]
            if not all(np.isfinite(v) for v in (loc, scl, rloc, rscl)):
                continue  # an empty frame keeps its values (and will be rejected or ignored)
            gain = 1.0
            if mode.endswith("scale") and scl > 0:
                gain = rscl / scl
            if mode.startswith("additive"):
                out[i, c] = (gain, rloc - loc * gain)
            else:  # multiplicative: match the location by a gain, then the scale around it
                base = rloc / loc if loc != 0 else 1.0
                out[i, c] = (base if mode == "multiplicative" else gain,
                             0.0 if mode == "multiplicative" else rloc - loc * gain)
    return out
