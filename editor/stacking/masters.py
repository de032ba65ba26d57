"""Master bias, dark, flat and dark-flat frames, built from frames on disk and saved as FITS.

Frames are combined band by band from a temporary on-disk store (see :mod:`integration`), so a
master of many big frames stays within the memory budget. Defaults follow Siril's scripts: a
winsorized-sigma clipped mean (3, 3) of bias and darks as they are, of flats after subtracting
the master dark-flat (or bias) and scaling each to a common level. The master flat is divided by
the median of each colour of its Bayer mosaic (by its median on a mono sensor), so it corrects
vignetting and dust without changing the colour balance of one-shot-colour frames.

A master's FITS header says what went in: IMAGETYP ('Master Dark'...), NCOMBINE, EXPTIME,
CCD-TEMP (mean), DATE-OBS and DATE-END (first and last frame), BAYERPAT for mosaics, and one
HISTORY line per input file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from editor.jobs.progress import Progress, scaled_progress
from editor.locale import D_, _
from editor.stacking.frames import (FrameInfo, StackError, check_same_geometry, date_range,
                                    is_master, load_frame)
from editor.stacking.integration import IntegrationOptions, integrate
from editor.stacking.normalisation import coefficients, frame_stats
from editor.stacking.store import FrameStore

KINDS = ("bias", "dark", "flat", "dark-flat")
METHODS = ("mean", "median")
IMAGETYP = {"bias": "Master Bias", "dark": "Master Dark", "flat": "Master Flat",
            "dark-flat": "Master Dark Flat"}
# Header cards of the first frame worth keeping on a master (camera, settings, geometry).
KEEP = ("INSTRUME", "TELESCOP", "GAIN", "OFFSET", "ISOSPEED", "XBINNING", "YBINNING", "XPIXSZ",
        "YPIXSZ", "FILTER", "ROWORDER", "XORGSUBF", "YORGSUBF", "SET-TEMP")


@dataclass
class Master:
    """A combined calibration frame, top row first (a Bayer mosaic stays a mosaic)."""

    kind: str
    data: np.ndarray
    count: int = 1
    exposure: float | None = None
    temperature: float | None = None
    pattern: str | None = None
    dates: tuple[str | None, str | None] = (None, None)
    inputs: list[str] = field(default_factory=list)
    header: dict = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def name(self) -> str:
        if self.path:
            return self.path.name
        source = f" ({Path(self.inputs[0]).name})" if len(self.inputs) == 1 else ""
        # English (FITS HISTORY), shown translated by localise(): the kind too ("dark" -> "ダーク")
        if self.count == 1:
            return D_("master {kind} of 1 frame{source}", kind=self.kind, source=source)
        return D_("master {kind} of {n} frames{source}", kind=self.kind, n=self.count, source=source)


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def build_master(paths: Sequence[str | Path], kind: str, *, method: str = "mean",
                 subtract: Master | None = None, workdir: str | Path | None = None,
                 progress: Progress | None = None) -> Master:
    """Combine ``paths`` into a master of ``kind``.

    ``subtract`` (flats only): the master dark-flat or bias taken off each flat first.
    ``method``: "mean" (winsorized sigma-clipped mean, 3/3 sigma) or "median".
    """
    if kind not in KINDS:
        raise ValueError(f"master kind must be one of {KINDS}, not {kind!r}")
    if method not in METHODS:
        raise ValueError(f"master method must be one of {METHODS}, not {method!r}")
    if not paths:
        raise StackError(_("no {kind} frames given").format(kind=kind))
    infos: list[FrameInfo] = []
    stats = []
    with FrameStore(workdir, prefix=f"nebulayer-{kind}-") as store:
        for i, path in enumerate(paths):
            data, info = load_frame(path)
            if data.ndim != 2:
                raise StackError(_("{path}: {kind} frames must be mono or Bayer mosaics, not "
                                 "colour images").format(path=path, kind=kind))
            infos.append(info)
            check_same_geometry(infos, f"{kind} frames")
            if i == 0:
                store.check_space(len(paths), data.shape)
            if subtract is not None:
                check_master_fits(subtract, info)
                data = data - subtract.data
            stats.append(frame_stats(data))
            store.add(data)
            if progress:
                progress(0.6 * (i + 1) / len(paths))
        exposures = sorted({round(i.exposure, 3) for i in infos if i.exposure is not None})
        if kind in ("dark", "dark-flat") and len(exposures) > 1:
            raise StackError(_("{parent}: {kind} frames have different exposure "
                             "times ({text}); make one "
                             "master per exposure").format(parent=infos[0].path.parent, kind=kind, text=', '.join((f'{e:g} s' for e in exposures))))
        # Flats vary in brightness (twilight, panel warm-up): bring them to one level first.
        gains = coefficients(stats, 0, "multiplicative") if kind == "flat" else None
        options = IntegrationOptions("median" if method == "median" else "mean",
                                     "none" if method == "median" else "winsorized")
        result = integrate(store, options, gains=gains,
                           progress=scaled_progress(progress, 0.6, 0.95))
    data = result.image
    notes = [f"Nebulayer: {IMAGETYP[kind].lower()} of {len(paths)} frames, "
             + ("median" if method == "median" else "winsorized sigma-clipped mean (3, 3)")]
    if kind == "flat":
        if subtract is not None:
            notes.append(f"Nebulayer: {subtract.name} ({subtract.kind}) subtracted from each flat")
        data = normalise_flat(data, infos[0].pattern)
        notes.append("Nebulayer: each flat scaled to the first one's median; master divided "
                      + ("by the median of each Bayer colour" if infos[0].pattern
                         else "by its median"))
    header = {k: infos[0].header[k] for k in KEEP if k in infos[0].header}
    return Master(kind, data.astype(np.float32), len(paths),
                  _mean_or_none([i.exposure for i in infos]),
                  _mean_or_none([i.temperature for i in infos]), infos[0].pattern,
                  date_range(infos), [str(i.path) for i in infos], header, notes)


def normalise_flat(flat: np.ndarray, pattern: str | None) -> np.ndarray:
    """Divide each Bayer colour (the whole frame for mono) by its median: median 1 each."""
    from editor.io.debayer import channel_masks

    out = np.array(flat, dtype=np.float32, copy=True)
    masks = channel_masks(flat.shape, pattern).values() if pattern else [np.ones(flat.shape, bool)]
    for mask in masks:
        values = out[mask]
        med = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
        if not med > 0:
            raise StackError(_("master flat has no positive signal (are these flats, or darks?)"))
        out[mask] = values / med
    return out


def check_master_fits(master: Master, info: FrameInfo) -> None:
    """A master must have the frame's size and Bayer pattern; one line naming both if not."""
    shape = tuple(master.data.shape)
    if shape != tuple(info.shape[:2]) or len(info.shape) != 2:
        raise StackError(_("{name}: {shape}x{shape2} master {kind} does not "
                         "fit {name2} ({shape3}x{shape4}").format(name=master.name, shape=shape[1], shape2=shape[0], kind=master.kind, name2=info.name, shape3=info.shape[1], shape4=info.shape[0])
                         + (_(", colour") if len(info.shape) == 3 else "") + ")")
    if master.pattern != info.pattern:
        raise StackError(_("{name}: Bayer pattern {pattern} differs from "
                         "{name2}'s {pattern2}").format(name=master.name, pattern=master.pattern or 'none', name2=info.name, pattern2=info.pattern or 'none'))


def save_master(master: Master, path: str | Path) -> Path:
    """Write the master as 32-bit float FITS (atomic), its header saying what went in."""
    from editor.io.fits_write import bayer_cards, write_fits

    path = Path(path)
    header = dict(master.header)
    header["IMAGETYP"] = IMAGETYP[master.kind]
    header["NCOMBINE"] = master.count
    if master.exposure is not None:
        header["EXPTIME"] = master.exposure
    if master.temperature is not None:
        header["CCD-TEMP"] = round(master.temperature, 2)
    if master.dates[0]:
        header["DATE-OBS"], header["DATE-END"] = master.dates
    if master.pattern:
        header.update(bayer_cards(master.pattern, master.data.shape[0], header))
    comments = {"NCOMBINE": "number of frames combined", "DATE-END": "last frame's DATE-OBS",
                "EXPTIME": "[s] mean exposure of the frames", "CCD-TEMP": "[C] mean sensor "
                "temperature", "IMAGETYP": "a master calibration frame"}
    history = master.history + [f"Nebulayer: input {Path(p).name}" for p in master.inputs]
    write_fits(path, master.data, header, history, comments)
    master.path = path
    return path


def save_pixel_map(hot: np.ndarray, cold: np.ndarray | None, dark: Master,
                   path: str | Path, sigma: tuple[float, float] = (5.0, 5.0)) -> Path:
    """The dark's bad-pixel map as an 8-bit FITS image (1 = hot, 2 = cold, 0 = good) next to
    the master dark, its counts in the header and HISTORY, for other tools' cosmetic steps."""
    from editor.io.fits_write import write_fits

    cold = np.zeros_like(hot) if cold is None else cold
    data = (hot.astype(np.uint8) + 2 * (cold & ~hot).astype(np.uint8))
    n_hot, n_cold = int(hot.sum()), int((cold & ~hot).sum())
    header = {"IMAGETYP": "Hot Pixel Map", "NHOT": n_hot, "NCOLD": n_cold}
    if dark.pattern:
        header["BAYERPAT"] = dark.pattern
    history = [f"Nebulayer: {n_hot} hot pixels (> {sigma[0]:g} sigma) and {n_cold} cold pixels "
               f"(< {sigma[1]:g} sigma) of {dark.name}'s thermal signal",
               "Nebulayer: values 1 = hot, 2 = cold, 0 = good"]
    write_fits(Path(path), data, header, history,
               {"NHOT": "hot pixels in the map", "NCOLD": "cold pixels in the map"})
    return Path(path)


def load_master(path: str | Path, kind: str) -> Master:
    """A master saved by Nebulayer, Siril, PixInsight... (IMAGETYP/NCOMBINE tell)."""
    data, info = load_frame(path)
    if data.ndim != 2:
        raise StackError(_("{path}: a master {kind} must be mono or a Bayer mosaic").format(path=path, kind=kind))
    if kind == "flat":
        med = float(np.nanmedian(data))
        if not med > 0:
            raise StackError(_("{path}: master flat has no positive signal").format(path=path))
        if abs(med - 1.0) > 0.05:  # Siril's masters are not normalised: do it here
            data = normalise_flat(data, info.pattern)
    count = int(info.header.get("NCOMBINE", info.header.get("STACKCNT", 1)) or 1)
    return Master(kind, np.asarray(data, np.float32), count, info.exposure, info.temperature,
                  info.pattern, (info.date, info.header.get("DATE-END")), [str(path)],
                  {k: info.header[k] for k in KEEP if k in info.header}, [], Path(path))


def master_or_frames(paths: Sequence[str | Path], kind: str, *, method: str = "mean",
                     subtract: Master | None = None, workdir: str | Path | None = None,
                     progress: Progress | None = None) -> Master | None:
    """One given file that is already a master is used as is; several frames are combined."""
    if not paths:
        return None
    if len(paths) == 1:
        from editor.stacking.frames import peek_info

        if is_master(peek_info(paths[0])):
            return load_master(paths[0], kind)
    return build_master(paths, kind, method=method, subtract=subtract, workdir=workdir,
                        progress=progress)
