"""Capture details for a review page, read from the headers of the images a picture is made of.

Only sources that the visible layers use count (a hidden LRGB merge adds no integration time).
Per source: frames = ``STACKCNT`` / ``NCOMBINE`` (1 when absent); integration = ``LIVETIME``
when the stacker wrote it; else, with ``STACKCNT`` (Siril, Nebulayer's stacker), ``EXPTIME`` is
already the sum; else (``NCOMBINE``, PixInsight/MaxIm, or a single frame) it is one sub-frame's
``EXPTIME`` (or ``EXPOSURE``, or EXIF ``ExposureTime``) times the frames. The total is the sum over the sources (an L, R, G and B master add up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from editor.core.layers import AdjustmentLayer, ChannelCombineLayer, GroupLayer, ImageLayer
from editor.locale import _, format_date, format_datetime, format_number


@dataclass
class Exposure:
    name: str
    filter: str
    exposure_s: float | None
    frames: int
    integration_s: float | None


@dataclass
class CaptureDetails:
    object: str = ""
    dates: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    telescopes: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)

    @property
    def total_s(self) -> float | None:
        known = [e.integration_s for e in self.exposures if e.integration_s is not None]
        return sum(known) if known else None

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines for the page, in the current language; empty fields say "not
        recorded". Header values (object, camera, dates as written) are shown as they are."""
        missing = _("not recorded")

        def join(values: list[str]) -> str:
            return ", ".join(values) if values else missing

        exposures = _("; ").join(_describe(e) for e in self.exposures) or missing
        total = self.total_s
        return [(_("Object"), self.object or missing), (_("Date"), join(self.dates)),
                (_("Camera"), join(self.cameras)), (_("Telescope"), join(self.telescopes)),
                (_("Filters"), join(self.filters)), (_("Exposures"), exposures),
                (_("Total integration"), duration(total) if total is not None else missing)]


def duration(seconds: float) -> str:
    """3725 -> "1 h 2 min 5 s"; 90 -> "1 min 30 s"; 2.5 -> "2.5 s" (in the current language:
    "2,5 s" in French, "1 時間 2 分 5 秒" in Japanese)."""
    if seconds < 60:
        return _("{seconds} s").format(seconds=format_number(float(f"{seconds:g}")))
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    parts = (([_("{hours} h").format(hours=h)] if h else []) + ([_("{minutes} min").format(minutes=m)] if m else [])
             + ([_("{seconds} s").format(seconds=sec)] if sec else []))
    return " ".join(parts)


def _describe(e: Exposure) -> str:
    if e.exposure_s is None:
        said = _("exposure not recorded ({name})").format(name=e.name)
    else:
        sub = _("{seconds} s").format(seconds=format_number(float(f"{e.exposure_s:g}")))
        said = _("{frames} x {exposure}").format(frames=e.frames, exposure=sub) if e.frames > 1 else sub
    return _("{filter}: {exposures}").format(filter=e.filter, exposures=said) if e.filter else said


def _visible_sources(layers: list[Any]) -> list[str]:
    out: list[str] = []
    for layer in layers:
        if not layer.visible:
            continue
        if isinstance(layer, ImageLayer):
            out.append(layer.source_id)
        elif isinstance(layer, ChannelCombineLayer):
            out.extend(str(v) for v in layer.channels.values() if v)
        elif isinstance(layer, GroupLayer):
            out.extend(_visible_sources(layer.children))
        elif isinstance(layer, AdjustmentLayer):
            continue
    return list(dict.fromkeys(out))


def _date_text(v: Any, utc: bool = True) -> str:
    """A header's date in the reader's language ("21 nov. 2026, 22:00:00 UTC"): FITS DATE-OBS is
    ISO 8601 in UTC, EXIF's "2023:05:12 22:10:00" the camera's local time. As written if odd."""
    import datetime as dt

    text = _text(v)
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y:%m:%d %H:%M:%S"):
        try:
            when = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        shown = format_datetime(when.replace(microsecond=0))
        return _("{date} UTC").format(date=shown) if utc and "T" in text else shown
    try:
        return format_date(dt.date.fromisoformat(text))  # a date alone ("2026-11-21")
    except ValueError:
        return text


def _text(v: Any) -> str:
    return " ".join(str(v).split()) if v not in (None, "") else ""


def _number(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        if isinstance(v, str) and "/" in v:  # EXIF rationals "1/250"
            num, _, den = v.partition("/")
            try:
                return float(num) / float(den)
            except (ValueError, ZeroDivisionError):
                return None
        return None
    return f if f == f and f >= 0 else None


def _add(values: list[str], v: Any) -> None:
    t = _text(v)
    if t and t not in values:
        values.append(t)


def capture_details(doc: Any) -> CaptureDetails:
    """What the headers of the visible layers' images say about how the picture was taken."""
    details = CaptureDetails()
    for sid in _visible_sources(doc.layers):
        src = doc.sources.get(sid)
        if src is None or src.kind != "image":
            continue
        hdr, exif = src.meta.header, src.meta.exif
        if not details.object:
            details.object = _text(hdr.get("OBJECT") or hdr.get("OBJNAME"))
        _add(details.dates, _date_text(hdr.get("DATE-OBS")) or _date_text(exif.get("DateTimeOriginal"), utc=False))
        _add(details.cameras, hdr.get("INSTRUME") or " ".join(
            _text(exif.get(k)) for k in ("Make", "Model") if exif.get(k)))
        _add(details.telescopes, hdr.get("TELESCOP") or exif.get("LensModel"))
        filt = _text(hdr.get("FILTER"))
        _add(details.filters, filt)
        exposure = _number(hdr.get("EXPTIME", hdr.get("EXPOSURE", exif.get("ExposureTime"))))
        stackcnt = _number(hdr.get("STACKCNT"))
        ncombine = _number(hdr.get("NCOMBINE"))
        live = _number(hdr.get("LIVETIME"))
        frames_n = max(1, int(stackcnt or ncombine or 1))
        if live:
            integration = live
            exposure = live / frames_n
        elif exposure is not None and stackcnt:
            # Siril-style stacks (and Nebulayer's own) give STACKCNT with the summed EXPTIME.
            integration, exposure = exposure, exposure / frames_n
        else:
            # PixInsight/MaxIm-style NCOMBINE keeps one sub-frame's EXPTIME.
            integration = exposure * frames_n if exposure is not None else None
        details.exposures.append(Exposure(src.name, filt, exposure, frames_n, integration))
    return details
