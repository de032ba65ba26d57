"""Saving captured frames: standard FITS headers, clear names, atomic writes.

A frame lands as ``<out>/<night>_<object>/<Type>_<filter>_<NNNN>_<exposure>s.fits``, e.g.
``captures/2026-11-20_M42/Light_L_0001_300s.fits``. ``<night>`` is the date of the evening the
night began (local time minus 12 hours), so a session that crosses midnight stays in one
folder, as in SharpCap and Ekos. Numbers continue after the files already there, so a
restarted sequence never overwrites a frame.

Writes are atomic: the data go to a hidden temporary name in the same folder, are flushed to
disk (fsync), then renamed; a crash or a full disk never leaves a half-written frame under
its final name. The temporary name identifies the writing process, so one left by a killed
capture is removed at the next frame saved into that folder. Frames get the usual file mode
(0666 minus the user's umask).
"""

from __future__ import annotations

import errno
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from astropy.io import fits

from editor.acquisition.camera import RawFrame
from editor.errors import ImageWriteError
from editor.io.atomic import create_temp_for, sweep_stale_temps

IMAGETYP = {"light": "Light Frame", "dark": "Dark Frame", "flat": "Flat Frame",
            "bias": "Bias Frame"}
# Driver header cards worth keeping (pointing, optics, site, Bayer layout).
_PASSTHROUGH = ("ROWORDER", "PIXSIZE1", "PIXSIZE2", "XPIXSZ", "YPIXSZ", "FOCALLEN", "APTDIA",
                "SCALE", "ROTATANG", "SITELAT", "SITELONG", "AIRMASS", "OBJCTAZ", "OBJCTALT",
                "OBJCTRA", "OBJCTDEC", "RA", "DEC", "PIERSIDE", "EQUINOX", "XBAYROFF",
                "YBAYROFF", "ISOSPEED", "OBSERVER")


def _safe(text: str) -> str:
    """A name safe in any file system: letters, digits, '-', '+', '.' and '_' only."""
    return re.sub(r"[^A-Za-z0-9+.\-]+", "_", text.strip()).strip("_.") or "unnamed"


def night_date(now: datetime | None = None) -> str:
    local = (now or datetime.now()).astimezone()
    return (local - timedelta(hours=12)).strftime("%Y-%m-%d")


def session_dir(out: str | Path, object_name: str | None = None,
                now: datetime | None = None) -> Path:
    """``<out>/<night date>_<object>`` (or just the date without an object)."""
    name = night_date(now)
    if object_name:
        name += "_" + _safe(object_name)
    return Path(out) / name


def exposure_label(seconds: float) -> str:
    """300 -> '300s', 0.5 -> '0.5s', 0.001 -> '0.001s'."""
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return (text or "0") + "s"


def frame_prefix(frame_type: str, filter_name: str | None) -> str:
    kind = frame_type.capitalize()
    return f"{kind}_{_safe(filter_name)}_" if filter_name else f"{kind}_"


def next_index(folder: Path, prefix: str) -> int:
    """1 + the highest number already used by files named ``<prefix>NNNN_...`` in ``folder``."""
    pattern = re.compile(re.escape(prefix) + r"(\d{4,})_")
    highest = 0
    if folder.is_dir():
        for entry in os.scandir(folder):
            match = pattern.match(entry.name)
            if match:
                highest = max(highest, int(match.group(1)))
    return highest + 1


def frame_name(frame_type: str, filter_name: str | None, index: int, exposure: float,
               ext: str = ".fits") -> str:
    return f"{frame_prefix(frame_type, filter_name)}{index:04d}_{exposure_label(exposure)}{ext}"


def build_header(frame: RawFrame, *, filter_name: str | None = None,
                 object_name: str | None = None, telescope: str | None = None,
                 gain: float | None = None, offset: float | None = None) -> fits.Header:
    """The standard acquisition header (the keywords Siril, PixInsight and DSS read)."""
    s = frame.settings
    drv = frame.driver_header
    hdr = fits.Header()
    date_obs = str(drv.get("DATE-OBS", "")) or frame.started.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    hdr["DATE-OBS"] = (date_obs, "UTC start of the exposure")
    hdr["TIMESYS"] = ("UTC", "time scale of DATE-OBS")
    hdr["EXPTIME"] = (float(s.exposure), "[s] exposure time")
    if gain is not None:
        hdr["GAIN"] = (float(gain), "camera gain setting")
    if offset is not None:
        hdr["OFFSET"] = (float(offset), "camera offset (black level) setting")
    xbin = int(drv.get("XBINNING", s.binning))
    hdr["XBINNING"] = (xbin, "binning factor in width")
    hdr["YBINNING"] = (int(drv.get("YBINNING", s.binning)), "binning factor in height")
    if frame.temperature is not None:
        hdr["CCD-TEMP"] = (float(frame.temperature), "[C] sensor temperature")
    from editor.io.fits_header import ascii_card_value as ascii  # FITS cards are ASCII

    if filter_name:
        hdr["FILTER"] = (ascii(filter_name), "filter in the light path")
    hdr["IMAGETYP"] = (IMAGETYP[s.frame_type], "frame type")
    hdr["FRAME"] = (s.frame_type.capitalize(), "frame type")
    hdr["INSTRUME"] = (ascii(frame.camera), "camera")
    scope = telescope or drv.get("TELESCOP")
    if scope:
        hdr["TELESCOP"] = (ascii(str(scope)), "telescope / mount")
    if object_name:
        hdr["OBJECT"] = (ascii(object_name), "target")
    bayer = drv.get("BAYERPAT")
    if bayer:
        hdr["BAYERPAT"] = (str(bayer).strip(), "colour filter array layout")
    if s.roi is not None:
        hdr["XORGSUBF"] = (int(s.roi[0]), "sub-frame X origin (unbinned px)")
        hdr["YORGSUBF"] = (int(s.roi[1]), "sub-frame Y origin (unbinned px)")
    for key in _PASSTHROUGH:
        if key in drv and key not in hdr:
            hdr[key] = (drv[key], drv.comments[key])
    hdr["SWCREATE"] = ("Nebulayer", "capture software")
    hdr["DATE"] = (datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                   "UTC date the file was written")
    return hdr


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some file systems cannot open directories; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass  # not supported on this file system: nothing more to flush
    finally:
        os.close(fd)


def _problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disk full (no space left on device)"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (cannot write to this folder)"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "the folder path runs through a file, not a folder"
    return exc.strerror or str(exc)


def write_bytes_atomic(path: str | Path, payload: bytes) -> Path:
    """Write ``payload`` to ``path`` via temp file + fsync + rename. Raises ImageWriteError."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_temps(path.parent)  # temp files of a capture that was killed mid-write
        # Created 0666 minus the umask (not mkstemp's 0600): frames are ordinary files the
        # user's group or stacking server may need to read, like any other saved file.
        tmp, fd = create_temp_for(path)
    except OSError as exc:
        raise ImageWriteError(path, _problem(exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            view = memoryview(payload)
            while view:
                written = os.write(fh.fileno(), view)
                view = view[written:]
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass  # never created or already gone
        raise ImageWriteError(path, _problem(exc)) from None
    _fsync_dir(path.parent)
    return path


def fits_bytes(data: np.ndarray, header: fits.Header) -> bytes:
    """A complete FITS file in memory; uint16 data are stored as BITPIX 16 + BZERO 32768."""
    import io

    hdu = fits.PrimaryHDU(data=data, header=header)
    hdu.header.add_comment("Written by Nebulayer; integers stored with BZERO as usual for "
                           "unsigned cameras")
    buf = io.BytesIO()
    hdu.writeto(buf, output_verify="exception", checksum=True)
    return buf.getvalue()


def save_frame(frame: RawFrame, folder: str | Path, *, filter_name: str | None = None,
               object_name: str | None = None, telescope: str | None = None,
               gain: float | None = None, offset: float | None = None) -> Path:
    """Save one frame into ``folder`` with the next free number; returns the final path."""
    folder = Path(folder)
    s = frame.settings
    prefix = frame_prefix(s.frame_type, filter_name)
    index = next_index(folder, prefix)
    if frame.data is None:
        # a format we do not decode (e.g. a DSLR's native raw): keep the camera's file as is
        path = folder / frame_name(s.frame_type, filter_name, index, s.exposure,
                                   ext=frame.blob_format or ".bin")
        return write_bytes_atomic(path, frame.blob)
    header = build_header(frame, filter_name=filter_name, object_name=object_name,
                          telescope=telescope, gain=gain, offset=offset)
    path = folder / frame_name(s.frame_type, filter_name, index, s.exposure)
    return write_bytes_atomic(path, fits_bytes(frame.data, header))
