"""Real data in the units real files come in, made from the shared data (never stored here).

Each case is a FITS file written to a temporary folder: a real plate rescaled to physical
units (1e-18), to ADU floats (0..65535), with empty NaN and zero borders (drizzle), a sparse
Poisson count map made from a real star field, sky-subtracted data with a negative offset,
and the archive files as they are (MSX float64, HST ACS SCI extension, Spitzer MJy/sr).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from editor.io import open_image, write_fits


def _horsehead(data: Path) -> np.ndarray:
    return np.asarray(open_image(data / "fits" / "horsehead_dss_ukschmidt.fits").data, np.float64)


def _two_mass(data: Path) -> np.ndarray:
    return np.asarray(open_image(data / "fits" / "multiband_gc" / "gc_2mass_k.fits").data,
                      np.float64)


def physical_units(data: Path) -> np.ndarray:
    """The Horsehead plate in erg/s/cm2/A-like units: 1e-19 .. 1e-17."""
    return (_horsehead(data) * 3e-18).astype(np.float32)


def adu_floats(data: Path) -> np.ndarray:
    """2MASS K stretched over 0..65535 as float, as a stacker writes ADU."""
    k = _two_mass(data)
    lo, hi = np.nanmin(k), np.nanmax(k)
    return ((k - lo) / (hi - lo) * 65535.0).astype(np.float32)


def drizzle_borders(data: Path) -> np.ndarray:
    """Physical units with empty borders: NaN rows at the top, exact zeros on the left."""
    a = physical_units(data)
    a[:90] = np.nan
    a[:, :140] = 0.0
    return a


def adu_zero_borders(data: Path) -> np.ndarray:
    """ADU floats on a bigger canvas padded with zeros (a registered or mosaicked panel)."""
    a = adu_floats(data)
    out = np.zeros((a.shape[0] + 200, a.shape[1] + 160), np.float32)
    out[120:120 + a.shape[0], 40:40 + a.shape[1]] = a
    return out


def count_map(data: Path) -> np.ndarray:
    """A sparse event-count map: Poisson counts from the real M13 star field (mostly zeros)."""
    star = np.asarray(open_image(data / "fits" / "m13_subs" / "M13_blue_0001.fits").data,
                      np.float64)
    signal = np.clip(star - np.median(star), 0, None)
    rate = signal / np.percentile(signal, 99.9) * 200.0 + 0.01
    counts = np.random.default_rng(11).poisson(rate).astype(np.float32)
    assert np.mean(counts == 0) > 0.5  # really mostly zeros
    return counts


def negative_offset(data: Path) -> np.ndarray:
    """Sky-subtracted 2MASS K in ADU: background around 0, half the sky negative."""
    k = adu_floats(data)
    return (k - np.float32(np.nanmedian(k))).astype(np.float32)


def _file(name: str, *parts: str) -> Callable[[Path], Path]:
    def find(data: Path) -> Path:
        return data.joinpath("fits", *parts)
    find.__name__ = name
    return find


MADE: dict[str, Callable[[Path], np.ndarray]] = {
    "physical_1e-18": physical_units,
    "adu_float": adu_floats,
    "drizzle_nan_zero_borders": drizzle_borders,
    "adu_zero_padded": adu_zero_borders,
    "sparse_counts": count_map,
    "negative_offset": negative_offset,
}
ARCHIVE: dict[str, str] = {
    "msx_float64": "gc_msx_e_float64.fits",
    "hst_acs_sci": "hst_acs_j8bt06nyq_flt_mef.fits",
    "spitzer_mjy_sr": "spitzer_irac_glimpse.fits",
    "eso_midas_adu": "eso_midas_ccd_float32.fits",
}
CASES = tuple(MADE) + tuple(ARCHIVE)


def case_file(name: str, data: Path, folder: Path) -> Path:
    """The FITS file of case ``name`` (made in ``folder``, or the shared archive file)."""
    if name in ARCHIVE:
        return data / "fits" / ARCHIVE[name]
    path = folder / f"{name}.fits"
    if not path.exists():
        write_fits(path, MADE[name](data), {"OBJECT": name})
    return path


def flat_or_saturated(picture: np.ndarray) -> str | None:
    """Why an 8-bit picture is useless (None when it shows structure): more than 40 % of the
    pixels black or white, or fewer than 64 grey levels."""
    grey = np.asarray(picture)
    if grey.ndim == 3:
        grey = grey[..., 0]
    black, white = float(np.mean(grey == 0)), float(np.mean(grey == 255))
    levels = len(np.unique(grey))
    if black >= 0.4 or white >= 0.4 or levels < 64:
        return f"{black:.0%} black, {white:.0%} white, {levels} levels"
    return None
