"""Reading frames for stacking: pixels top row first, plus what calibration needs to know.

Frames open through :func:`editor.io.open_image` (FITS, TIFF, XISF, camera RAW as the undebayered
mosaic), so they share its conventions: float32, integers scaled to 0..1 of their full range,
row 0 at the top. One-shot-colour frames stay a mono mosaic here (calibration happens on the
mosaic, before debayering); :attr:`FrameInfo.pattern` is its Bayer pattern as seen top row first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from editor.errors import NebulayerError
from editor.locale import tr


class StackError(NebulayerError):
    """A stacking run cannot go on; the message is one line naming the file or setting."""


@dataclass
class FrameInfo:
    """What stacking needs from a frame's header."""

    path: Path
    shape: tuple[int, ...]
    exposure: float | None = None
    temperature: float | None = None
    date: str | None = None
    pattern: str | None = None  # Bayer pattern of the top-first mosaic, None for mono/RGB
    imagetyp: str = ""
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name


def _float_card(header: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = header.get(key)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if np.isfinite(number):
            return number
    return None


def load_frame(path: str | Path, memory_budget: int | None = None) -> tuple[np.ndarray, FrameInfo]:
    """(pixels, info) of one frame; raises the reader's one-line errors for bad files."""
    from editor.io import open_image

    image = open_image(path, raw_mode="cfa", memory_budget=memory_budget)
    meta = image.meta
    header = dict(meta.header)
    exposure = _float_card(header, "EXPTIME", "EXPOSURE")
    if exposure is None and meta.exif.get("exposure") not in (None, ""):
        try:
            exposure = float(meta.exif["exposure"])
        except (TypeError, ValueError):
            exposure = None
    date = header.get("DATE-OBS") or meta.exif.get("date")
    info = FrameInfo(
        path=Path(path), shape=tuple(image.data.shape), exposure=exposure,
        temperature=_float_card(header, "CCD-TEMP", "CCD_TEMP", "TEMPERAT", "SET-TEMP"),
        date=str(date) if date else None, pattern=meta.bayer_pattern,
        imagetyp=str(header.get("IMAGETYP", "")), header=header)
    return image.data, info


def peek_info(path: str | Path) -> FrameInfo:
    """Header-only information for a frame (reads the pixels only for non-FITS files)."""
    p = Path(path)
    if p.suffix.lower() in (".fits", ".fit", ".fts"):
        from editor.io.fits_read import FITS_ERRORS, hdu_shape, merged_header, open_hdul, pick_hdu
        from editor.io.bayer_fits import top_first_pattern

        from editor.io.api import check_readable

        check_readable(p)
        with open_hdul(p) as hdul:
            index, hdu = pick_hdu(p, hdul, None)
            shape = hdu_shape(hdu)
            try:
                values, _ = merged_header(hdul, index)
            except FITS_ERRORS as exc:  # pragma: no cover - astropy already parsed it
                raise StackError(tr("{p}: unreadable header ({exc})").format(p=p, exc=exc)) from None
        # The pattern of the top-first array, read as Siril and open_image read it.
        pattern = top_first_pattern(values, shape[0]) if len(shape) == 2 else None
        return FrameInfo(p, tuple(shape), _float_card(values, "EXPTIME", "EXPOSURE"),
                         _float_card(values, "CCD-TEMP", "CCD_TEMP", "TEMPERAT", "SET-TEMP"),
                         values.get("DATE-OBS"), pattern, str(values.get("IMAGETYP", "")), values)
    return load_frame(p)[1]


def is_master(info: FrameInfo) -> bool:
    """True for a master frame (ours, Siril's, PixInsight's...), not a single exposure."""
    return "MASTER" in info.imagetyp.upper() or int(info.header.get("NCOMBINE", 1) or 1) > 1 \
        or int(info.header.get("STACKCNT", 1) or 1) > 1


def check_same_geometry(infos: Sequence[FrameInfo], what: str) -> None:
    """All frames of one set must have the reference's size and Bayer pattern."""
    ref = infos[0]
    for info in infos[1:]:
        if info.shape != ref.shape:
            raise StackError(tr("{path}: {dims} differs from {name}'s "
                             "{dims2} ({what} must all have one size)").format(path=info.path, dims=_dims(info.shape), name=ref.name, dims2=_dims(ref.shape), what=what))
        if info.pattern != ref.pattern:
            raise StackError(tr("{path}: Bayer pattern {pattern} differs from "
                             "{name}'s {pattern2}").format(path=info.path, pattern=info.pattern or 'none', name=ref.name, pattern2=ref.pattern or 'none'))


def _dims(shape: tuple[int, ...]) -> str:
    text = f"{shape[1]}x{shape[0]}"
    return text + (f"x{shape[2]}" if len(shape) == 3 else "")


def date_range(infos: Sequence[FrameInfo]) -> tuple[str | None, str | None]:
    dates = sorted(d for d in (i.date for i in infos) if d)
    return (dates[0], dates[-1]) if dates else (None, None)
