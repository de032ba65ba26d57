"""What a FITS header tells a plate solver before it starts: where to look and how big a
pixel is (RA/DEC or OBJCTRA/OBJCTDEC; FOCALLEN + XPIXSZ; an existing WCS)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass
class SolveHints:
    """Search centre (deg) and radius (deg), pixel scale range (arcsec/px); None = unknown."""

    ra_deg: float | None = None
    dec_deg: float | None = None
    radius_deg: float | None = None
    scale_low: float | None = None
    scale_high: float | None = None
    source: str = ""

    def field_arcmin(self, shape: tuple[int, int]) -> float | None:
        """The longer side of the field (arcmin) when the scale is known."""
        if self.scale_low is None or self.scale_high is None:
            return None
        return max(shape) * math.sqrt(self.scale_low * self.scale_high) / 60.0


def _angle(value: Any, hours: bool) -> float | None:
    """Degrees from a number or a sexagesimal string ('05 41 06.0', '-02:27:30')."""
    from astropy import units as u
    from astropy.coordinates import Angle

    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(Angle(text.replace(" ", ":"), unit=u.hourangle if hours else u.deg).deg)
    except (ValueError, u.UnitsError):
        return None


def hints_from_header(header: Mapping[str, Any], shape: tuple[int, int]) -> SolveHints:
    """Hints from a header: an existing WCS (centre, scale +-10 %), else RA/DEC or
    OBJCTRA/OBJCTDEC (2 deg radius) and FOCALLEN (mm) + XPIXSZ (um, the binned pixel as
    MaxIm DL and N.I.N.A. write it) -> scale 206.265 * pixel / focal length, +-15 %."""
    from editor.astrometry.wcs import summarise
    from editor.io.wcs import array_wcs

    h = SolveHints()
    wcs = array_wcs(header, int(shape[0]))
    if wcs is not None:
        try:
            s = summarise(wcs, shape)
        except (ValueError, TypeError):
            s = None
        if s is not None and math.isfinite(s.scale_arcsec) and s.scale_arcsec > 0:
            diag = math.hypot(s.width_arcmin, s.height_arcmin) / 60.0
            return SolveHints(s.ra_deg, s.dec_deg, max(0.5, diag), s.scale_arcsec * 0.9,
                              s.scale_arcsec * 1.1, "WCS in the header")
    ra = _angle(header.get("RA"), hours=False)
    dec = _angle(header.get("DEC"), hours=False)
    if ra is None or dec is None:
        ra = _angle(header.get("OBJCTRA"), hours=True)
        dec = _angle(header.get("OBJCTDEC"), hours=False)
    if ra is not None and dec is not None and -90 <= dec <= 90:
        h.ra_deg, h.dec_deg, h.radius_deg = ra % 360.0, dec, 2.0
        h.source = "RA/Dec in the header"
    try:
        focal = float(header.get("FOCALLEN") or 0)
        pix = float(header.get("XPIXSZ") or header.get("PIXSIZE1") or 0)
    except (TypeError, ValueError):
        focal = pix = 0.0
    if focal > 0 and pix > 0:
        scale = 206.265 * pix / focal
        h.scale_low, h.scale_high = scale * 0.85, scale * 1.15
        h.source = (h.source + ", " if h.source else "") + "FOCALLEN + XPIXSZ"
    return h
