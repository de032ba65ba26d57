"""A plate's summary (centre, scale, rotation, field) and WCS cards for top-down files.

Every WCS here is an *array WCS* (pixel (x, y) = column, row of the in-memory array, row 0 =
top), as made by :mod:`editor.io.wcs` from a header; :func:`wcs_cards` writes one as cards of
a ``TOP-DOWN`` file, so a WCS never goes through a row flip twice or not at all.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import numpy as np
from astropy.wcs import WCS

from editor.io.wcs import array_wcs, flipped_rows, header_wcs, is_wcs_key
from editor.locale import _

__all__ = ["array_wcs", "header_wcs", "flip_rows", "wcs_cards", "with_wcs", "summarise",
           "PlateSummary", "scaled_window_wcs"]

def flip_rows(wcs: WCS, height: int) -> WCS:
    """The same sky mapping with rows counted from the other end (SIP included)."""
    return flipped_rows(wcs, height)


def wcs_cards(wcs: WCS) -> dict[str, Any]:
    """Header cards of an array WCS, for a file written ``TOP-DOWN`` (ROWORDER included)."""
    hdr = wcs.to_header(relax=True)
    cards = {k: hdr[k] for k in hdr if k not in ("DATE-OBS", "MJD-OBS", "MJDREF", "COMMENT")}
    cards["ROWORDER"] = "TOP-DOWN"
    return cards


def with_wcs(header: Mapping[str, Any], wcs: WCS | None) -> dict[str, Any]:
    """``header`` with its WCS cards replaced by ``wcs`` (array order; None: WCS removed)."""
    out = {k: v for k, v in header.items() if not is_wcs_key(k) and k not in ("ROWORDER",)}
    if wcs is not None:
        out.update(wcs_cards(wcs))
    else:
        out["ROWORDER"] = "TOP-DOWN"
    return out


def scaled_window_wcs(wcs: WCS, scale: float, y0: int, x0: int) -> WCS:
    """WCS of the window starting at (y0, x0) of the canvas resampled by ``scale``: output
    pixel q covers canvas pixels around (q + 0.5) / scale - 0.5 (linear WCS only)."""
    out = wcs.deepcopy()
    w = out.wcs
    crpix = (np.asarray(w.crpix, dtype=float) - 0.5) * scale + 0.5
    w.crpix = crpix - np.array([x0, y0], dtype=float)
    if w.has_cd():
        w.cd = w.cd / scale
    else:
        w.cdelt = np.asarray(w.cdelt, dtype=float) / scale
    w.set()
    return out


@dataclass
class PlateSummary:
    """What a person asks of a solved plate. ``rotation_deg``: position angle (east of
    north) of the image's up direction (towards row 0); ``flipped``: the image is mirrored
    relative to the sky as seen from the ground (east is clockwise from north)."""

    ra_deg: float
    dec_deg: float
    scale_arcsec: float
    rotation_deg: float
    flipped: bool
    width_arcmin: float
    height_arcmin: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        from astropy import units as u
        from astropy.coordinates import Angle

        ra = Angle(self.ra_deg, u.deg).to_string(unit=u.hourangle, sep=":", precision=2, pad=True)
        dec = Angle(self.dec_deg, u.deg).to_string(unit=u.deg, sep=":", precision=1,
                                                   alwayssign=True, pad=True)
        return "\n".join([
            _("centre RA {ra}  Dec {dec}  ({ra_deg:.5f}, {dec_deg:+.5f} deg)").format(
                ra=ra, dec=dec, ra_deg=self.ra_deg, dec_deg=self.dec_deg),
            _("pixel scale {scale:.4f}\"/px").format(scale=self.scale_arcsec),
            _("rotation {angle:.2f} deg E of N (up)").format(angle=self.rotation_deg)
            + (_("  mirrored") if self.flipped else ""),
            _("field {width:.2f}' x {height:.2f}'").format(width=self.width_arcmin, height=self.height_arcmin)])


def summarise(wcs: WCS, shape: tuple[int, int]) -> PlateSummary:
    """Centre, scale, rotation and field size of an array WCS on an image of ``shape``."""
    from astropy.coordinates import SkyCoord

    h, w = int(shape[0]), int(shape[1])
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    px = np.array([[cx, cy], [cx, cy - 1.0], [cx + 1.0, cy], [0, cy], [w - 1, cy], [cx, 0], [cx, h - 1]])
    world = wcs.pixel_to_world(px[:, 0], px[:, 1])
    sky = world if isinstance(world, SkyCoord) else SkyCoord(world)
    sky = sky.icrs
    centre, up, right = sky[0], sky[1], sky[2]
    pa_up = float(centre.position_angle(up).deg) % 360.0
    pa_right = float(centre.position_angle(right).deg) % 360.0
    # Seen from the ground with north up, east is to the left: "right" lies at PA up - 90.
    flipped = ((pa_right - pa_up) % 360.0) < 180.0
    scale = math.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600.0
    width = float(sky[3].separation(sky[4]).arcmin) * w / max(w - 1, 1)
    height = float(sky[5].separation(sky[6]).arcmin) * h / max(h - 1, 1)
    return PlateSummary(float(centre.ra.deg), float(centre.dec.deg), scale, pa_up, flipped,
                        width, height)
