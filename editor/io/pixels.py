"""Turning decoded sample arrays into Nebulayer pixels: float32, integers scaled to 0..1.

Rules (the same for every format):

* unsigned integers are divided by the type's maximum (uint16 65535 -> 1.0);
* signed integers are divided by the type's positive maximum, so zero stays zero and the
  negative noise of a bias-subtracted frame stays negative (nothing is clipped);
* floating-point data are kept as they are (a stack may hold 0..65535 or -0.01..1.3);
* +-Inf become NaN: NaN means "missing data" everywhere in Nebulayer.
"""

from __future__ import annotations

import numpy as np


def integer_scale(dtype: np.dtype) -> float:
    """The divisor that maps an integer dtype onto 0..1 (see module notes); 1.0 for floats."""
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        return float(np.iinfo(dtype).max)
    if dtype.kind == "b":
        return 1.0
    return 1.0


def to_float32(samples: np.ndarray, *, flip_rows: bool = False,
               out: np.ndarray | None = None) -> np.ndarray:
    """Float32 pixels: integers scaled to 0..1, optionally flipped top-bottom.

    Written into ``out`` if given (e.g. one channel of an RGB array), else into a new
    C-contiguous array. Flip, byte-swap and scaling happen in one pass, so reading a bottom-up
    big-endian FITS costs no more than a plain copy.
    """
    src = samples[::-1] if flip_rows else samples
    if out is None:
        out = np.empty(src.shape, dtype=np.float32)
    scale = integer_scale(samples.dtype)
    if scale != 1.0:
        np.multiply(src, np.float32(1.0 / scale), out=out, casting="unsafe")
    else:
        out[...] = src
    return out


def finite_range(data: np.ndarray) -> tuple[float, float] | None:
    """(min, max) of the finite values, or None if there are none."""
    if data.size == 0:
        return None
    lo, hi = np.min(data), np.max(data)
    if np.isfinite(lo) and np.isfinite(hi):
        return float(lo), float(hi)
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return None
    return float(finite.min()), float(finite.max())


def clean_floats(data: np.ndarray) -> tuple[tuple[float, float] | None, int]:
    """Turn +-Inf into NaN in place; return (finite range, number of infinities replaced).

    Clean data (the usual case) costs two fast passes (min and max propagate NaN and reach
    Inf); only data holding NaN/Inf pay for a mask.
    """
    if data.size == 0:
        return None, 0
    lo, hi = np.min(data), np.max(data)
    if np.isfinite(lo) and np.isfinite(hi):
        return (float(lo), float(hi)), 0
    inf = np.isinf(data)
    count = int(np.count_nonzero(inf))
    if count:
        data[inf] = np.nan
    lo, hi = np.fmin.reduce(data, axis=None), np.fmax.reduce(data, axis=None)  # skip NaN
    return (None if np.isnan(lo) else (float(lo), float(hi))), count


def freeze(data: np.ndarray) -> np.ndarray:
    """Mark decoded source pixels read-only: edits are layers, the source is never modified."""
    data.flags.writeable = False
    return data
