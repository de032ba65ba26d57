"""What happens to pixel values when they are written as integers (8/16-bit TIFF, FITS, PNG,
JPEG): one rule per situation, never a silent clip or a flat picture.

An integer file holds 0..1 as 0..full scale. Float data reaches an export in four situations:

1. **Within 0..1** (normalised or display-referred data, the usual case once a stretch layer
   has been applied): written **as it is** (0 -> 0, 1 -> full scale), as PixInsight, Siril and
   Photoshop do. NaN (missing data) becomes 0.
2. **Within 0..1 but for a few pixels** (at most 1 % of them: stars pushed past 1 by a stretch,
   a little negative noise after background extraction): written as it is, those pixels
   clipped to 0 or full scale, and the export **says how many** (stderr, the GUI, HISTORY).
3. **Any other finite range** (ADU 0..65535, physical units 1e-19 .. 1e-14 or MJy/sr, negative
   sky-subtracted data, or 0..1 data too faint to reach 1/100 of full scale, like an unsigned
   32-bit FITS of 16-bit counts): **rescaled linearly from its own finite range** (minimum ->
   0, maximum -> full scale), so nothing is clipped and no structure is lost; the rule and
   both ends are written as HISTORY (FITS, and the Astro-TIFF header of a TIFF) and said on
   stderr/in the GUI. ``stored = (value - min) / (max - min) * full_scale``.
4. **A range a rescale would flatten** (a few absurd values far outside the rest: the middle
   99.8 % of pixels would get fewer than 64 of the integer levels) or **no finite value**:
   the export **stops** with one line that says what to do (a stretch layer or
   ``--stretch auto``, or a 32-bit float export that keeps every value).

32-bit float exports (TIFF, FITS) always keep the values as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from editor.errors import ImageWriteError
from editor.locale import D_, N_, _

#: Situation 2: at most this fraction of finite pixels outside 0..1 is clipped (and said).
CLIP_TOLERANCE = 0.01
#: Situation 1/3 boundary for data within 0..1: a top below this is not normalised data
#: (the threshold the auto stretch uses too: filters.stretch_stats.NORMALISED_MIN_TOP).
NORMALISED_MIN_TOP = 1e-2
#: Situation 4: the middle 99.8 % of the pixels must span at least this many integer levels.
MIN_LEVELS = 64
#: Pixels the decision looks at (an even subsample of bigger images).
SAMPLES = 1 << 21


@dataclass
class RangePlan:
    """How ``data`` goes into ``bits``-bit integers: ``prepare`` gives the 0..1 array."""

    rule: str  # "as is", "clipped", "rescaled"
    low: float = 0.0  # value written as 0
    high: float = 1.0  # value written as full scale
    clipped_fraction: float = 0.0
    notes: list[str] = field(default_factory=list)


def _sample(data: np.ndarray) -> np.ndarray:
    flat = data.reshape(-1) if data.flags.c_contiguous else data.ravel()
    step = max(1, flat.size // SAMPLES)
    s = flat[::step]
    return s[np.isfinite(s)]


def plan_integer_export(data: np.ndarray, bits: int, where: str = N_("the image")) -> RangePlan:
    """The rule (see the module notes) for writing ``data`` as ``bits``-bit integers;
    ValueError (one line saying what to do) in situation 4."""
    finite = np.isfinite(data)
    if not finite.any():
        raise ValueError(_("{where} has no finite pixel value (all missing): nothing to write").format(where=_(where)))
    lo = float(np.min(data, where=finite, initial=np.inf))
    hi = float(np.max(data, where=finite, initial=-np.inf))

    def count_outside(half_step: float) -> tuple[int, int]:
        return (int(np.count_nonzero((data < -half_step) | (data > 1.0 + half_step))),
                int(finite.sum()))

    return plan_from_range(lo, hi, _sample(np.asarray(data)), bits, count_outside, where)


def plan_from_range(lo: float, hi: float, sample: np.ndarray, bits: int,
                    count_outside: Callable[[float], tuple[int, int]],
                    where: str = N_("the image")) -> RangePlan:
    """The rule from the exact finite range ``lo..hi`` and an even ``sample`` of the finite
    pixels; ``count_outside(half_step)`` gives (pixels outside 0..1, finite pixels) exactly and
    is only called when a few pixels are to be clipped (streamed exports count them on disk)."""
    full = (1 << bits) - 1
    half_step = 0.5 / full  # closer to 0..1 than this rounds to the same integer anyway
    if lo >= -half_step and hi <= 1.0 + half_step and hi >= NORMALISED_MIN_TOP:
        return RangePlan("as is")  # untranslated: a rule name, not shown
    outside = float(np.mean((sample < -half_step) | (sample > 1.0 + half_step)))
    inside_top = float(np.max(np.clip(sample, 0.0, 1.0)))
    if outside <= CLIP_TOLERANCE and inside_top >= NORMALISED_MIN_TOP:
        count, finite = count_outside(half_step)
        fraction = count / finite
        fields = dict(count=count, fraction=f"{fraction:.2%}", lo=f"{lo:.4g}", hi=f"{hi:.4g}", full=full,
                      bits=bits)
        note = (D_("1 pixel ({fraction}) was outside 0..1 (values {lo}..{hi}) and was clipped to "
                   "0..{full} in the {bits}-bit export", **fields) if count == 1 else
                D_("{count} pixels ({fraction}) were outside 0..1 (values {lo}..{hi}) and were "
                   "clipped to 0..{full} in the {bits}-bit export", **fields))
        return RangePlan("clipped", 0.0, 1.0, fraction, [note])
    if not hi > lo:
        note = D_("every pixel is {value}: written as 0 in the {bits}-bit export", value=f"{lo:.6g}", bits=bits)
        return RangePlan("rescaled", lo, lo + 1.0, 0.0, [note])
    p_lo, p_hi = np.percentile(sample.astype(np.float64), [0.1, 99.9])
    levels = (p_hi - p_lo) / (hi - lo) * full
    if levels < MIN_LEVELS:
        raise ValueError(
            _("{where} spans {lo}..{hi} but 99.8 % of its pixels lie within {p_lo}..{p_hi}: a "
              "{bits}-bit export would flatten them; add a stretch layer (or use --stretch auto), "
              "or export 32-bit float to keep every value").format(
                where=_(where), lo=f"{lo:.4g}", hi=f"{hi:.4g}", p_lo=f"{p_lo:.4g}", p_hi=f"{p_hi:.4g}",
                bits=bits))
    note = D_("values span {lo}..{hi}, not 0..1: rescaled linearly for the {bits}-bit export, stored = "
              "(value - low) / (high - low) * {full} with low = {lo}, high = {hi}",
              lo=f"{lo:.6g}", hi=f"{hi:.6g}", bits=bits, full=full)
    return RangePlan("rescaled", lo, hi, 0.0, [note])


def to_unit_range(data: np.ndarray, plan: RangePlan) -> np.ndarray:
    """``data`` mapped by ``plan`` to 0..1 float32 (the integer writers then scale and round);
    the original array is never modified."""
    if plan.rule in ("as is", "clipped"):  # untranslated: rule names
        return data
    scale = 1.0 / (plan.high - plan.low)
    out = (np.asarray(data, np.float64) - plan.low) * scale
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def integer_bits(format_name: str, bits: int | None) -> int | None:
    """The integer depth an export will use, or None for a float export."""
    if format_name in ("PNG", "JPEG"):
        return bits or 8
    if bits in (8, 16):
        return bits
    return None


def prepare(data: np.ndarray, format_name: str, bits: int | None,
            path: object = "") -> tuple[np.ndarray, RangePlan | None]:
    """Data ready for the writer plus the plan (None for float exports), whose notes are
    shown and written as HISTORY."""
    depth = integer_bits(format_name, bits)
    if depth is None or data.dtype.kind not in "fc":
        return data, None
    try:
        plan = plan_integer_export(data, depth)
    except ValueError as exc:
        raise ImageWriteError(path, str(exc)) from exc
    return to_unit_range(data, plan), plan


def meta_for_plan(meta: Any, plan: RangePlan | None) -> Any:
    """``meta`` (an ImageMeta, or None) for a file written by ``plan``: its notes appended to
    the HISTORY lines, and BUNIT dropped when the values were rescaled (the integers are no
    longer in that unit). Unchanged for float exports and values written as they are."""
    if plan is None or not plan.notes:
        return meta
    from dataclasses import replace

    from editor.io.image import ImageMeta

    meta = meta if meta is not None else ImageMeta()
    meta = replace(meta, extra={**meta.extra,
                                "history": [*meta.extra.get("history", []), *plan.notes]})
    if plan.rule == "rescaled" and "BUNIT" in meta.header:
        from editor.io.wcs import drop_bunit

        # untranslated: a HISTORY line (FITS headers are English)
        meta = replace(meta, header=drop_bunit(meta.header, "values rescaled for an integer export"))
    return meta
