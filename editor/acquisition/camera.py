"""An INDI camera: its capabilities, its settings, and single exposures.

Works with any INDI CCD driver (dedicated astro cameras, and DSLRs through indi_gphoto_ccd,
indi_canon_ccd, indi_nikon_ccd). Frames arrive as BLOBs, normally FITS; they are decoded here
into a :class:`RawFrame` (pixels exactly as the camera sent them, plus the driver's header).
"""

from __future__ import annotations

import io
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from astropy.io import fits

from editor.acquisition.indi_link import IndiLink
from editor.errors import DeviceError
from editor.jobs.progress import Cancelled, CancelToken
from editor.locale import _

FRAME_TYPES = ("light", "dark", "flat", "bias")
_FRAME_SWITCH = {"light": "FRAME_LIGHT", "dark": "FRAME_DARK", "flat": "FRAME_FLAT",
                 "bias": "FRAME_BIAS"}

# Default readout/download allowance on top of the exposure time: a 24 MP DSLR raw over USB 2
# and a slow network link both take several seconds.
DEFAULT_READOUT_MARGIN = 30.0


@dataclass(frozen=True)
class CameraCapabilities:
    """What a camera can do, as its driver declares it."""

    name: str
    width: int
    height: int
    pixel_size_x: float
    pixel_size_y: float
    bit_depth: int
    gain_range: tuple[float, float, float] | None = None  # min, max, step
    offset_range: tuple[float, float, float] | None = None
    max_binning: tuple[int, int] = (1, 1)
    exposure_range: tuple[float, float] | None = None
    has_cooler: bool = False
    temperature: float | None = None
    frame_types: tuple[str, ...] = FRAME_TYPES
    colour: bool = False
    #: ISO speeds a DSLR offers (labels of the INDI CCD_ISO switch, driver order); () = none
    iso_choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """A few human lines, as shown in the Acquisition tab and by the CLI."""
        lines = [_("{name}: {width} x {height} px, {px:g} x {py:g} um, {bits}-bit").format(
            name=self.name, width=self.width, height=self.height, px=self.pixel_size_x,
            py=self.pixel_size_y, bits=self.bit_depth)
            + (_(", colour (Bayer)") if self.colour else _(", mono"))]
        if self.gain_range:
            lines.append(_("gain {low:g}..{high:g}").format(low=self.gain_range[0], high=self.gain_range[1]))
        if self.offset_range:
            lines.append(_("offset {low:g}..{high:g}").format(low=self.offset_range[0], high=self.offset_range[1]))
        lines.append(_("binning up to {x}x{y}").format(x=self.max_binning[0], y=self.max_binning[1]))
        if self.iso_choices:
            lines.append(_("ISO {low}..{high}").format(low=self.iso_choices[0], high=self.iso_choices[-1]))
        if self.exposure_range:
            lines.append(_("exposure {low:g}..{high:g} s").format(low=self.exposure_range[0],
                                                                  high=self.exposure_range[1]))
        if self.has_cooler or self.temperature is not None:
            temp = "" if self.temperature is None else _(", sensor {t:.1f} C").format(t=self.temperature)
            lines.append((_("cooler") if self.has_cooler else _("no cooler")) + temp)
        return "; ".join(lines)


@dataclass(frozen=True)
class FrameSettings:
    """What to ask the camera for, per frame. ``None`` leaves the camera's current value."""

    exposure: float
    gain: float | None = None
    offset: float | None = None
    binning: int = 1
    roi: tuple[int, int, int, int] | None = None  # x, y, width, height in unbinned pixels
    frame_type: str = "light"
    iso: str | None = None  # a DSLR's ISO, one of CameraCapabilities.iso_choices

    def __post_init__(self) -> None:
        if not self.exposure >= 0:
            raise DeviceError(_("exposure must be 0 s or more, not {exposure}").format(exposure=self.exposure))
        if self.frame_type not in FRAME_TYPES:
            raise DeviceError(_("unknown frame type {frame_type!r} "
                              "(use one of {text})").format(frame_type=self.frame_type, text=', '.join(FRAME_TYPES)))
        if self.binning < 1:
            raise DeviceError(_("binning must be 1 or more, not {binning}").format(binning=self.binning))


@dataclass
class RawFrame:
    """One frame as it came from the camera.

    ``data`` is (H, W) (or (3, H, W) for a debayered DSLR frame) in the camera's own type
    (usually uint16), or None when the driver sent a format we keep but do not decode
    (``blob`` then holds the file and ``blob_format`` its extension, such as '.cr2').
    """

    camera: str
    data: np.ndarray | None
    driver_header: fits.Header
    blob: bytes
    blob_format: str
    settings: FrameSettings
    started: datetime  # UTC, when the exposure was requested
    arrived: float  # time.monotonic() when the frame's last byte arrived
    temperature: float | None = None
    extra: dict = field(default_factory=dict)


def decode_blob(blob: bytes, fmt: str) -> tuple[np.ndarray | None, fits.Header]:
    """Decode an INDI frame BLOB ('.fits', '.fits.z', '.fits.fz'); other formats -> (None, {})."""
    fmt = fmt.lower()
    if fmt.endswith(".z") and not fmt.endswith(".fz"):
        try:
            blob = zlib.decompress(blob)
        except zlib.error as exc:
            raise DeviceError(_("frame {fmt}: corrupt compressed data ({exc})").format(fmt=fmt, exc=exc)) from None
        fmt = fmt[:-2]
    if not fmt.startswith(".fits"):
        return None, fits.Header()
    try:
        with fits.open(io.BytesIO(blob), memmap=False) as hdul:
            for hdu in hdul:
                if hdu.data is not None:
                    return np.array(hdu.data), hdu.header.copy()
    except (OSError, ValueError) as exc:
        raise DeviceError(_("frame {fmt}: the camera sent an unreadable FITS ({exc})").format(fmt=fmt, exc=exc)) from None
    raise DeviceError(_("frame {fmt}: the camera sent a FITS without image data").format(fmt=fmt))


class Camera:
    """One INDI camera device on a :class:`IndiLink`.

    Parameters
    ----------
    readout_margin
        Seconds allowed on top of the exposure for readout and download before a frame
        counts as lost.
    """

    def __init__(self, link: IndiLink, name: str, *,
                 readout_margin: float = DEFAULT_READOUT_MARGIN) -> None:
        self.link = link
        self.name = name
        self.readout_margin = readout_margin
        self._caps: CameraCapabilities | None = None

    # ---- connection and capabilities --------------------------------------------------------
    def connect(self) -> CameraCapabilities:
        """Connect the driver to the camera, make it send frames to us, read its capabilities."""
        self.link.connect_device(self.name)
        # drivers only define CCD_INFO etc. after connecting: wait for them
        self.link.wait_until(lambda: self._defined("CCD_INFO") and self._defined("CCD_EXPOSURE"),
                             10.0, _("{device} to describe itself").format(device=self.name))
        self._prepare_upload()
        self._caps = None
        return self.capabilities()

    def _defined(self, vector: str) -> bool:
        # runs on the link's thread (inside wait_until)
        return self.link.vector(self.name, vector) is not None

    def _prepare_upload(self) -> None:
        if self.link.switches(self.name, "UPLOAD_MODE").get("UPLOAD_LOCAL"):
            self.link.set_and_wait(self.name, "UPLOAD_MODE", {"UPLOAD_CLIENT": "On"},
                                   what=_("upload mode"))
        fmt = self.link.switches(self.name, "CCD_TRANSFER_FORMAT")
        if fmt and "FORMAT_FITS" in fmt and not fmt["FORMAT_FITS"]:
            self.link.set_and_wait(self.name, "CCD_TRANSFER_FORMAT", {"FORMAT_FITS": "On"},
                                   what=_("transfer format FITS"))

    def disconnect(self) -> None:
        self.link.disconnect_device(self.name)

    def capabilities(self) -> CameraCapabilities:
        if self._caps is not None:
            return self._caps
        link, name = self.link, self.name
        info = link.numbers(name, "CCD_INFO")
        if not info:
            raise DeviceError(_("{name}: is not a connected camera (no CCD_INFO)").format(name=name))
        ranges_g = link.number_ranges(name, "CCD_GAIN").get("GAIN")
        ranges_o = link.number_ranges(name, "CCD_OFFSET").get("OFFSET")
        binr = link.number_ranges(name, "CCD_BINNING")
        exp = link.number_ranges(name, "CCD_EXPOSURE").get("CCD_EXPOSURE_VALUE")
        types = tuple(t for t, sw in _FRAME_SWITCH.items()
                      if sw in link.switches(name, "CCD_FRAME_TYPE")) or ("light",)
        temp = link.numbers(name, "CCD_TEMPERATURE").get("CCD_TEMPERATURE_VALUE")
        cfa = link.texts(name, "CCD_CFA")
        formats = link.switches(name, "CCD_CAPTURE_FORMAT")
        colour = bool(cfa.get("CFA_TYPE")) or any("BAYER" in k or "RGB" in k for k in formats)
        bayer_sim = link.switches(name, "SIMULATE_BAYER").get("INDI_ENABLED", False)
        self._iso_members = {label: member for member, label in link.labels(name, "CCD_ISO").items()}
        self._caps = CameraCapabilities(
            name=name,
            width=int(info.get("CCD_MAX_X", 0)),
            height=int(info.get("CCD_MAX_Y", 0)),
            pixel_size_x=float(info.get("CCD_PIXEL_SIZE_X", info.get("CCD_PIXEL_SIZE", 0.0))),
            pixel_size_y=float(info.get("CCD_PIXEL_SIZE_Y", info.get("CCD_PIXEL_SIZE", 0.0))),
            bit_depth=int(info.get("CCD_BITSPERPIXEL", 16)),
            gain_range=ranges_g,
            offset_range=ranges_o,
            max_binning=(int(binr.get("HOR_BIN", (1, 1, 1))[1]),
                         int(binr.get("VER_BIN", (1, 1, 1))[1])),
            exposure_range=(exp[0], exp[1]) if exp else None,
            has_cooler=link.has(name, "CCD_COOLER"),
            temperature=temp,
            frame_types=types,
            colour=colour or bayer_sim,
            iso_choices=tuple(self._iso_members),
        )
        return self._caps

    def temperature(self) -> float | None:
        """Sensor temperature in Celsius, if the camera reports one."""
        return self.link.numbers(self.name, "CCD_TEMPERATURE").get("CCD_TEMPERATURE_VALUE")

    # ---- settings ---------------------------------------------------------------------------
    def configure(self, settings: FrameSettings) -> None:
        """Apply gain, offset, binning, region and frame type; checks ranges first."""
        caps = self.capabilities()
        link, name = self.link, self.name
        if caps.exposure_range and not (caps.exposure_range[0] <= settings.exposure
                                        <= caps.exposure_range[1]):
            raise DeviceError(_("{name}: exposure {exposure:g} s is outside the camera's "
                              "range {exposure_range:g}..{exposure_range2:g} s").format(name=name, exposure=settings.exposure, exposure_range=caps.exposure_range[0], exposure_range2=caps.exposure_range[1]))
        for label, value, rng, vector, member in (
                ("gain", settings.gain, caps.gain_range, "CCD_GAIN", "GAIN"),
                ("offset", settings.offset, caps.offset_range, "CCD_OFFSET", "OFFSET")):
            if value is None:
                continue
            if rng is None:
                raise DeviceError(_("{name}: this camera has no {label} setting").format(name=name, label=label))
            if not rng[0] <= value <= rng[1]:
                raise DeviceError(_("{name}: {label} {value:g} is out of range "
                                  "{rng:g}..{rng2:g}").format(name=name, label=label, value=value, rng=rng[0], rng2=rng[1]))
            if link.numbers(name, vector).get(member) != value:
                link.set_and_wait(name, vector, {member: value}, what=label)
        if settings.binning > min(caps.max_binning):
            raise DeviceError(_("{name}: binning {binning} is more than the camera's "
                              "{min}").format(name=name, binning=settings.binning, min=min(caps.max_binning)))
        if link.has(name, "CCD_BINNING"):
            current = link.numbers(name, "CCD_BINNING")
            if (current.get("HOR_BIN"), current.get("VER_BIN")) != (settings.binning,) * 2:
                link.set_and_wait(name, "CCD_BINNING", {"HOR_BIN": settings.binning,
                                                         "VER_BIN": settings.binning},
                                  what="binning")
        self._set_roi(caps, settings)
        if settings.iso is not None:
            self._set_iso(caps, settings.iso)
        if len(caps.frame_types) > 1 or settings.frame_type != "light":
            if settings.frame_type not in caps.frame_types:
                raise DeviceError(_("{name}: cannot take {frame_type} frames").format(name=name, frame_type=settings.frame_type))
            switch = _FRAME_SWITCH[settings.frame_type]
            if not link.switches(name, "CCD_FRAME_TYPE").get(switch):
                link.set_and_wait(name, "CCD_FRAME_TYPE", {switch: "On"}, what=_("frame type"))

    def _set_iso(self, caps: CameraCapabilities, iso: str) -> None:
        """Turn on the CCD_ISO switch whose label (or member name) is ``iso``."""
        if not caps.iso_choices:
            raise DeviceError(_("{name}: this camera has no ISO setting").format(name=self.name))
        members = getattr(self, "_iso_members", {})
        member = members.get(str(iso)) or (str(iso) if str(iso) in members.values() else None)
        if member is None:
            raise DeviceError(_("{name}: ISO {iso} is not offered "
                              "(one of {text})").format(name=self.name, iso=iso, text=', '.join(caps.iso_choices)))
        if not self.link.switches(self.name, "CCD_ISO").get(member):
            self.link.set_and_wait(self.name, "CCD_ISO", {member: "On"}, what="ISO")

    def _set_roi(self, caps: CameraCapabilities, settings: FrameSettings) -> None:
        if not self.link.has(self.name, "CCD_FRAME"):
            if settings.roi is not None:
                raise DeviceError(_("{name}: this camera cannot read a region of interest").format(name=self.name))
            return
        x, y, w, h = settings.roi or (0, 0, caps.width, caps.height)
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > caps.width or y + h > caps.height:
            raise DeviceError(_("{name}: region x={x} y={y} {w}x{h} does not fit the "
                              "{width}x{height} sensor").format(name=self.name, x=x, y=y, w=w, h=h, width=caps.width, height=caps.height))
        wanted = {"X": x, "Y": y, "WIDTH": w, "HEIGHT": h}
        # drivers keep CCD_FRAME in unbinned pixels
        if self.link.numbers(self.name, "CCD_FRAME") != {k: float(v) for k, v in wanted.items()}:
            self.link.set_and_wait(self.name, "CCD_FRAME", wanted, what=_("region of interest"))

    # ---- exposures --------------------------------------------------------------------------
    def _exposure_settled(self) -> bool:
        vec = self.link.vector(self.name, "CCD_EXPOSURE")
        return vec is not None and vec.state != "Busy"

    def expose(self, settings: FrameSettings, *, cancel: CancelToken | None = None,
               progress: Callable[[float], None] | None = None) -> RawFrame:
        """Take one frame with ``settings`` (already applied by :meth:`configure`).

        ``progress`` receives 0..1 of the exposure (1.0 once the frame is downloaded). Raises
        DeviceError (refused, timed out, link lost) or Cancelled (after aborting the
        exposure on the camera).
        """
        link, name = self.link, self.name
        # A new exposure sent while CCD_EXPOSURE is still Busy from the last frame can be
        # dropped by the driver without a word: wait for it to settle first.
        link.wait_until(self._exposure_settled, 10.0, _("{device} to finish its previous exposure").format(device=name),
                        cancel=cancel)
        count0 = link.blob_count(name)
        started = datetime.now(timezone.utc)
        t0 = time.monotonic()
        link.send(name, "CCD_EXPOSURE", {"CCD_EXPOSURE_VALUE": settings.exposure})

        def arrived_or_failed() -> bool:
            if link.frames_received(name) > count0:
                return True
            vec = link.vector(name, "CCD_EXPOSURE")
            return vec is None or vec.state == "Alert"

        def tick() -> None:
            if progress is not None and settings.exposure > 0:
                progress(min((time.monotonic() - t0) / settings.exposure, 0.99))

        timeout = settings.exposure + self.readout_margin
        try:
            link.wait_until(arrived_or_failed, timeout,
                            _("the {exposure:g} s frame from {device}").format(exposure=settings.exposure, device=name),
                            cancel=cancel, tick=tick)
        except Cancelled:
            self.abort()
            raise
        count, fmt, blob, when = link.last_blob(name)
        if count <= count0:
            msg = link.message(name, "CCD_EXPOSURE")
            raise DeviceError(_("{name}: exposure failed").format(name=name) + (_(": {msg}").format(msg=msg) if msg else ""))
        data, header = decode_blob(blob, fmt)
        if progress is not None:
            progress(1.0)
        return RawFrame(camera=name, data=data, driver_header=header, blob=blob,
                        blob_format=fmt, settings=settings, started=started, arrived=when,
                        temperature=self.temperature())

    def abort(self) -> None:
        """Stop the running exposure on the camera (CCD_ABORT_EXPOSURE)."""
        if not self.link.connected:
            return
        try:
            self.link.send(self.name, "CCD_ABORT_EXPOSURE", {"ABORT": "On"})
            self.link.wait_until(self._exposure_settled, 5.0, _("{device} to abort").format(device=self.name))
        except DeviceError:
            # the camera or link is gone; nothing left to abort
            pass
