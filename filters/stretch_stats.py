"""Robust statistics for automatic stretches of data in any value range.

Real files come normalised (0..1), in ADU (0..65535 as float), in physical units (1e-19 ..
1e-14 erg/s/cm2/A, MJy/sr), sky-subtracted (negative background), with empty NaN or zero
borders (drizzle, mosaics, registration) and as sparse count maps (mostly zeros). An STF
measured as if every image were 0..1 shows most of these all black or all white.

What is measured here, per channel, on an even subsample:

* **blank pixels are left out**: NaN/Inf, and exact zeros, which float data only holds where
  nothing was measured (empty borders). The exception is a *count map*: every value a whole
  number >= 0 (photon/event counts, integer ADU kept as float), where 0 is a measurement.
* **location and noise**: median and MAD of what is left. When the MAD is 0 (a count map whose
  median pixel saw nothing, or heavily quantised data) the noise of a count map is the Poisson
  noise of its sky, sqrt(rate) with rate = -ln(fraction of zeros); else it is taken from the
  16th..84th percentile spread (half of it is sigma for normal noise), else from the mean
  absolute deviation (x 1.2533), so the sky still gets a black point below it instead of a
  zero-width range.
* **range**: data within 0..1 (at most 1 % of pixels outside, reaching at least 1/100) keeps
  0..1 as its range (PixInsight's normalised range; values show as they are); any other data is
  measured against its own finite range (minimum .. maximum of the non-blank values), as
  PixInsight rescales a float image outside 0..1 on opening and Siril's autostretch works on
  the data's own range. The top is capped at ``median + 1e6 sigma`` so one absurd hot pixel cannot crush
  everything else to black.

The stretch formula itself (AutoSTF) is affine-invariant, so results in these units are the
same picture whatever the unit of the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Pixels used for the statistics (an even subsample of bigger images).
STATS_SAMPLES = 1 << 21
#: MAD of a normal distribution times this is its standard deviation.
MAD_TO_SIGMA = 1.4826
#: Mean absolute deviation of a normal distribution times this is its standard deviation.
MEANAD_TO_SIGMA = 1.2533
#: Data within 0..1 is normalised data (shown as it is) only if its top reaches this: a
#: brightest pixel below 1/100 of full scale is data in other units (1e-18 erg/s/cm2/A...).
NORMALISED_MIN_TOP = 1e-2
#: Highest top of the range, in noise sigmas above the median (see the module notes).
MAX_TOP_SIGMAS = 1e6


def finite_sample(plane: np.ndarray) -> np.ndarray:
    """Finite values of an even subsample of ``plane`` (all of it when small)."""
    flat = plane.reshape(-1) if plane.flags.c_contiguous else plane.ravel()
    step = max(1, flat.size // STATS_SAMPLES)
    s = flat[::step]
    return s[np.isfinite(s)]


def is_count_map(sample: np.ndarray) -> bool:
    """Every value a whole number >= 0 (counts): zeros there are measurements, not blanks."""
    if sample.size == 0 or float(sample.min()) < 0:
        return False
    return bool(np.all(sample == np.floor(sample)))


def valid_sample(plane: np.ndarray) -> np.ndarray:
    """The subsample statistics are measured on: finite, blanks (exact zeros) left out,
    except in count maps. Falls back to every finite value when all of them are zero."""
    s = finite_sample(plane)
    if s.size == 0 or is_count_map(s):
        return s
    nonzero = s[s != 0]
    return nonzero if nonzero.size else s


#: Normalised data may have this fraction of pixels outside 0..1 (star cores past 1, noise
#: below 0 after background extraction): the export rule uses the same tolerance.
OUTSIDE_TOLERANCE = 0.01


def is_normalised(sample: np.ndarray) -> bool:
    """The non-blank ``sample`` is normalised 0..1 data: at most 1 % of it outside 0..1, and
    what is inside reaches 1/100 of full scale."""
    if sample.size == 0:
        return False
    inside = (sample >= 0.0) & (sample <= 1.0)
    if float(np.mean(~inside)) > OUTSIDE_TOLERANCE or not inside.any():
        return False
    return float(sample[inside].max()) >= NORMALISED_MIN_TOP


@dataclass(frozen=True)
class PlaneStats:
    """Robust statistics of one channel, in the data's own units."""

    median: float
    sigma: float  # noise, as a normal distribution's standard deviation
    mad: float  # median absolute deviation (unscaled), or sigma / 1.4826 in the fallback
    low: float  # bottom of the range the stretch works in
    high: float  # top of the range
    empty: bool = False  # no valid pixel at all
    floor: float = 0.0  # lowest the black point may go (see plane_stats)


def plane_stats(plane: np.ndarray) -> PlaneStats:
    """Median, noise and range of one channel (see the module notes).

    ``floor``: normalised data keeps PixInsight's black point >= 0; other data may put it below
    its minimum (a count map's or a clipped sky's background *is* its minimum), down to
    ``low - (high - low)``, except that positive data with blank zeros (empty borders) keeps it
    >= 0, so the borders stay black."""
    finite = finite_sample(plane)
    s = valid_sample(plane)
    if s.size == 0:
        return PlaneStats(0.0, 0.0, 0.0, 0.0, 1.0, empty=True)
    blank_zeros = s.size < finite.size  # zeros were left out as empty areas
    s64 = s.astype(np.float64)
    med = float(np.median(s64))
    dev = np.abs(s64 - med)
    mad = float(np.median(dev))
    zeros = float(np.mean(s64 == 0)) if is_count_map(s) else 0.0
    if mad > 0:
        sigma = MAD_TO_SIGMA * mad
    elif 0 < zeros < 1:  # Poisson sky: P(0) = exp(-rate), noise = sqrt(rate)
        sigma = float(np.sqrt(-np.log(zeros)))
        mad = sigma / MAD_TO_SIGMA
    else:  # half the pixels or more hold one value: the next-best robust spreads
        p16, p84 = np.percentile(s64, [15.87, 84.13])
        sigma = float(p84 - p16) / 2 or MEANAD_TO_SIGMA * float(np.mean(dev))
        mad = sigma / MAD_TO_SIGMA
    lo, hi = float(s64.min()), float(s64.max())
    if is_normalised(s):
        lo, hi = 0.0, 1.0
    elif sigma > 0:
        hi = min(hi, med + MAX_TOP_SIGMAS * sigma)
    if not hi > lo:  # constant data: any non-empty range shows it (as black)
        hi = lo + (abs(lo) if lo != 0 else 1.0)
    if lo == 0.0 and hi == 1.0:
        floor = 0.0
    elif blank_zeros and lo >= 0.0:
        floor = 0.0
    else:
        floor = lo - (hi - lo)
    return PlaneStats(med, sigma, mad, lo, hi, floor=floor)


def range_is_normalised(stats: list[PlaneStats]) -> bool:
    """True when every channel's data lies within 0..1 (values shown as they are)."""
    return all(st.low == 0.0 and st.high == 1.0 for st in stats)
