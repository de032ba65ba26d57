"""A sky overlay as plain geometry in image pixel coordinates (no Qt, no drawing): RA/Dec grid
lines with their labels, an N/E compass, a scale bar and the catalogued objects in the field.

The canvas draws these primitives as graphics items and an export burns the same ones into the
pixels (:mod:`editor.astrometry.overlay_burn`), so what the screen shows is what the file gets.
All coordinates are (x, y) = (column, row) of the top-down array the WCS belongs to.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from astropy.wcs import WCS

# Nice grid steps, in arcseconds of declination and in seconds of time for right ascension.
DEC_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800,
             18000, 36000, 54000, 72000, 108000]
RA_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600,
            7200, 10800]
SCALE_BAR_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200,
                   18000, 36000]


@dataclass
class GridLine:
    axis: str  # "ra" (a line of constant RA) or "dec"
    value: float  # degrees
    label: str
    segments: list[np.ndarray]  # each (N, 2) x, y inside the image
    label_at: tuple[float, float] | None  # where the line meets the image's bottom/left edge


@dataclass
class SkyObject:
    name: str  # "M 42", "NGC 2024", "B033"...
    kind: str  # OpenNGC type, e.g. "Dark Nebula"
    x: float
    y: float
    radius_px: float  # half the major axis; 0 when the catalogue gives no size

    def outlined(self, shape: tuple[int, int]) -> bool:
        """Drawn as a circle of its size; objects larger than the field (IC 434 around the
        Horsehead) get a cross at their catalogue centre instead of an arc off the picture."""
        return self.radius_px <= 0.6 * min(shape)


@dataclass
class SkyOverlay:
    shape: tuple[int, int]
    grid: list[GridLine] = field(default_factory=list)
    compass_origin: tuple[float, float] = (0.0, 0.0)
    north: tuple[float, float] = (0.0, 0.0)  # end points of the arrows
    east: tuple[float, float] = (0.0, 0.0)
    scale_bar: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0))
    scale_label: str = ""
    objects: list[SkyObject] = field(default_factory=list)

    def scaled(self, s: float) -> "SkyOverlay":
        """The same overlay for the image resampled by ``s`` (pixel centres kept)."""
        def p(xy: tuple[float, float]) -> tuple[float, float]:
            return ((xy[0] + 0.5) * s - 0.5, (xy[1] + 0.5) * s - 0.5)

        return SkyOverlay(
            (max(1, round(self.shape[0] * s)), max(1, round(self.shape[1] * s))),
            [GridLine(g.axis, g.value, g.label, [(seg + 0.5) * s - 0.5 for seg in g.segments],
                      None if g.label_at is None else p(g.label_at)) for g in self.grid],
            p(self.compass_origin), p(self.north), p(self.east),
            (p(self.scale_bar[0]), p(self.scale_bar[1])), self.scale_label,
            [SkyObject(o.name, o.kind, *p((o.x, o.y)), o.radius_px * s) for o in self.objects])


def _equatorial(wcs: WCS) -> bool:
    """RA/Dec in ICRS or FK5 J2000 (the same to 0.02"): used as they are. Other frames
    (galactic GLON/GLAT surveys, FK4 B1950) go through astropy's frame conversion."""
    w = wcs.wcs
    if w.lngtyp != "RA":
        return False
    sys = (w.radesys or "").strip().upper()
    return sys in ("ICRS", "FK5", "") and (sys == "ICRS" or not math.isfinite(w.equinox) or w.equinox == 2000.0)


def radec_of(wcs: WCS, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """ICRS RA, Dec (deg) of array pixel positions (x, y)."""
    if _equatorial(wcs):
        return wcs.all_pix2world(x, y, 0)
    c = wcs.pixel_to_world(np.asarray(x, dtype=float), np.asarray(y, dtype=float)).icrs
    return np.asarray(c.ra.deg), np.asarray(c.dec.deg)


def pixel_of(wcs: WCS, ra: Any, dec: Any) -> tuple[np.ndarray, np.ndarray]:
    """Array pixel (x, y) of ICRS RA, Dec (deg)."""
    if _equatorial(wcs):
        # quiet: with a SIP part (any rotated or cropped plate) a point outside the projection,
        # such as the pole of a TAN field, raised instead of coming back NaN
        with warnings.catch_warnings():  # its all-NaN iteration for such a point warns
            warnings.simplefilter("ignore", RuntimeWarning)
            return wcs.all_world2pix(ra, dec, 0, quiet=True)
    from astropy.coordinates import SkyCoord

    x, y = wcs.world_to_pixel(SkyCoord(np.asarray(ra, dtype=float), np.asarray(dec, dtype=float),
                                       unit="deg", frame="icrs"))
    return np.asarray(x), np.asarray(y)


def pixel_scale_arcsec(wcs: WCS) -> float:
    return float(math.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600.0)


def _nice(steps: list[float], target: float) -> float:
    return min(steps, key=lambda s: abs(math.log(s / target)))


def format_ra(deg: float, step_s: float = 1.0) -> str:
    total = (deg % 360.0) / 15.0 * 3600.0
    prec = 1 if step_s < 1 else 0
    total = round(total, prec)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    h = int(h) % 24
    if step_s >= 60 and abs(s) < 1e-6:
        return f"{h:02d}h{int(m):02d}m"
    return f"{h:02d}h{int(m):02d}m{s:0{4 + prec if prec else 2}.{prec}f}s"


def format_dec(deg: float, step_as: float = 1.0) -> str:
    sign = "-" if deg < 0 else "+"
    total = round(abs(deg) * 3600.0)
    d, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if step_as >= 3600 and m == 0 and s == 0:
        return f"{sign}{int(d)}°"
    if step_as >= 60 and s == 0:
        return f"{sign}{int(d)}°{int(m):02d}'"
    return f"{sign}{int(d)}°{int(m):02d}'{int(s):02d}\""


def sexagesimal(ra: float, dec: float) -> str:
    """'RA 17h45m40.0s  Dec -29°00'28"' for the pixel readout."""
    tenths = round((ra % 360.0) / 15.0 * 36000.0) % (24 * 36000)  # round once, then split
    h, rem = divmod(tenths, 36000)
    m, s10 = divmod(rem, 600)
    s = s10 / 10.0
    sign = "-" if dec < 0 else "+"
    d, rem2 = divmod(round(abs(dec) * 3600.0), 3600)
    dm, ds = divmod(rem2, 60)
    return (f"RA {int(h) % 24:02d}h{int(m):02d}m{s:04.1f}s  "
            f"Dec {sign}{int(d):02d}°{int(dm):02d}'{ds:02.0f}\"")


def _sky_box(wcs: WCS, shape: tuple[int, int]) -> tuple[float, float, float, float, float, float]:
    """(ra_min, ra_max, dec_min, dec_max, ra_centre, dec_centre) of the field, RA unwrapped
    around the centre; a pole in the field opens RA to the full circle."""
    h, w = shape
    ys, xs = np.meshgrid(np.linspace(-0.5, h - 0.5, 21), np.linspace(-0.5, w - 0.5, 21), indexing="ij")
    ra, dec = radec_of(wcs, xs.ravel(), ys.ravel())
    rc, dc = radec_of(wcs, [(w - 1) / 2], [(h - 1) / 2])
    rc, dc = float(rc[0]), float(dc[0])
    dra = (ra - rc + 180.0) % 360.0 - 180.0
    dmin, dmax = float(np.nanmin(dec)), float(np.nanmax(dec))
    for pole in (90.0, -90.0):
        px, py = pixel_of(wcs, [0.0], [pole])
        if np.isfinite(px[0]) and -0.5 <= px[0] <= w - 0.5 and -0.5 <= py[0] <= h - 0.5:
            return 0.0, 360.0, min(dmin, pole), max(dmax, pole), rc, dc
    return rc + float(np.nanmin(dra)), rc + float(np.nanmax(dra)), dmin, dmax, rc, dc


def _inside(xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    return (np.isfinite(xy).all(axis=1) & (xy[:, 0] >= -0.5) & (xy[:, 0] <= w - 0.5)
            & (xy[:, 1] >= -0.5) & (xy[:, 1] <= h - 0.5))


def _segments(xy: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    ok = _inside(xy, shape)
    out, start = [], None
    for i, good in enumerate(list(ok) + [False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start >= 2:
                out.append(xy[start:i])
            start = None
    return out


def _line(wcs: WCS, ra: np.ndarray, dec: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    x, y = pixel_of(wcs, ra, dec)
    return _segments(np.column_stack([x, y]), shape)


def grid_lines(wcs: WCS, shape: tuple[int, int], lines: int = 5) -> list[GridLine]:
    """About ``lines`` lines of each family across the field, at round values."""
    ra0, ra1, dec0, dec1, _rc, dc = _sky_box(wcs, shape)
    dec_step = _nice(DEC_STEPS, max((dec1 - dec0) * 3600.0 / lines, 1e-3))
    cosd = max(math.cos(math.radians(min(abs(dc), 89.0))), 1e-3)
    ra_step = _nice(RA_STEPS, max((ra1 - ra0) * cosd * 3600.0 / 15.0 / lines, 1e-3))
    out: list[GridLine] = []
    n = 240
    d_step, r_step = dec_step / 3600.0, ra_step * 15.0 / 3600.0
    for k in range(math.ceil(dec0 / d_step), math.floor(dec1 / d_step) + 1):
        dec = k * d_step
        segs = _line(wcs, np.linspace(ra0, ra1, n), np.full(n, dec), shape)
        if segs:
            out.append(GridLine("dec", dec, format_dec(dec, dec_step), segs,
                                _label_point(segs, axis=0)))
    for k in range(math.ceil(ra0 / r_step), math.floor(ra1 / r_step) + 1):
        ra = k * r_step
        segs = _line(wcs, np.full(n, ra), np.linspace(max(dec0, -90), min(dec1, 90), n), shape)
        if segs:
            out.append(GridLine("ra", ra % 360.0, format_ra(ra, ra_step), segs,
                                _label_point(segs, axis=1)))
    return out


def _label_point(segs: list[np.ndarray], axis: int) -> tuple[float, float]:
    """Dec lines are labelled at their leftmost point (axis 0: smallest x), RA lines at their
    lowest (axis 1: largest y), like a printed chart's margins."""
    pts = np.concatenate(segs)
    i = int(np.argmin(pts[:, 0])) if axis == 0 else int(np.argmax(pts[:, 1]))
    return float(pts[i, 0]), float(pts[i, 1])


def compass(wcs: WCS, shape: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Origin and arrow ends for north and east, at the top-right, arrows 8 % of the image."""
    h, w = shape
    length = 0.08 * min(h, w)
    ox, oy = w - 1 - 1.6 * length, 1.6 * length
    ra, dec = radec_of(wcs, [ox], [oy])
    d = pixel_scale_arcsec(wcs) / 3600.0 * 5.0  # a few pixels on the sky
    cosd = max(math.cos(math.radians(float(dec[0]))), 1e-6)
    nx, ny = pixel_of(wcs, ra, dec + d)
    ex, ey = pixel_of(wcs, ra + d / cosd, dec)

    def end(px: float, py: float) -> tuple[float, float]:
        v = np.array([px - ox, py - oy])
        v = v / max(float(np.hypot(*v)), 1e-9) * length
        return float(ox + v[0]), float(oy + v[1])

    return (float(ox), float(oy)), end(float(nx[0]), float(ny[0])), end(float(ex[0]), float(ey[0]))


def scale_bar(wcs: WCS, shape: tuple[int, int]) -> tuple[tuple[tuple[float, float], tuple[float, float]], str]:
    """A round length about a fifth of the width, at the bottom-right."""
    h, w = shape
    arcsec_px = pixel_scale_arcsec(wcs)
    value = _nice(SCALE_BAR_STEPS, w / 5.0 * arcsec_px)
    length = value / arcsec_px
    x1, y = w - 1 - 0.05 * w, h - 1 - 0.05 * h
    if value >= 3600:
        label = f"{value / 3600:g}°"
    elif value >= 60:
        label = f"{value / 60:g}'"
    else:
        label = f"{value:g}\""
    return ((x1 - length, y), (x1, y)), label


def catalogue_objects(wcs: WCS, shape: tuple[int, int], limit: int = 80) -> list[SkyObject]:
    """OpenNGC objects (pyongc's bundled database, offline) whose centre is in the field,
    largest first, at most ``limit``."""
    from pyongc import ongc

    h, w = shape
    rc, dc = radec_of(wcs, [(w - 1) / 2], [(h - 1) / 2])
    corners = radec_of(wcs, [-0.5, w - 0.5, -0.5, w - 0.5], [-0.5, -0.5, h - 0.5, h - 0.5])
    from astropy.coordinates import SkyCoord

    c = SkyCoord(float(rc[0]), float(dc[0]), unit="deg")
    radius = float(np.max(c.separation(SkyCoord(corners[0], corners[1], unit="deg")).arcmin))
    coords = c.to_string("hmsdms", sep=":", precision=1)
    found = ongc.nearby(coords, separation=min(radius * 1.02 + 0.1, 600.0))
    scale = pixel_scale_arcsec(wcs)
    out = []
    for dso, _sep in found:
        x, y = pixel_of(wcs, [_ra(dso)], [_dec(dso)])
        if not (np.isfinite(x[0]) and -0.5 <= x[0] <= w - 0.5 and -0.5 <= y[0] <= h - 0.5):
            continue
        major = dso.dimensions[0] if dso.dimensions and dso.dimensions[0] else 0.0
        out.append(SkyObject(_display_name(dso), str(dso.type), float(x[0]), float(y[0]),
                             float(major) * 60.0 / 2.0 / scale))
    out.sort(key=lambda o: -o.radius_px)
    return out[:limit]


def _ra(dso: Any) -> float:
    return math.degrees(float(dso.rad_coords[0]))


def _dec(dso: Any) -> float:
    return math.degrees(float(dso.rad_coords[1]))


def _display_name(dso: Any) -> str:
    """Messier number first ("M 42"), then the catalogue name with a space ("NGC 1976")."""
    ids = dso.identifiers
    if ids and ids[0]:
        return str(ids[0]).replace("M0", "M ").replace("M0", "M ")
    name = str(dso.name)
    for prefix in ("NGC", "IC"):
        if name.startswith(prefix) and name[len(prefix):].lstrip("0").isalnum():
            return f"{prefix} {name[len(prefix):].lstrip('0')}"
    return name


def sky_overlay(wcs: WCS, shape: tuple[int, int], *, objects: bool = True) -> SkyOverlay:
    """Everything the overlay shows for an image of ``shape`` (rows, columns) with array
    WCS ``wcs``."""
    shape = (int(shape[0]), int(shape[1]))
    origin, north, east = compass(wcs, shape)
    bar, label = scale_bar(wcs, shape)
    return SkyOverlay(shape, grid_lines(wcs, shape), origin, north, east, bar, label,
                      catalogue_objects(wcs, shape) if objects else [])
