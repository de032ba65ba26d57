"""An RA/Dec grid for a solved picture, drawn with astropy's WCS onto a transparent overlay.

Lines of constant RA and Dec are sampled densely in sky coordinates, projected through the
canvas WCS (distortions included) and scaled to the web image, so the grid follows the real
projection; a "nice" spacing (1', 2', 5', 10', 15', 30', 1 deg...) gives 3 to 8 lines across.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.wcs import WCS
from PIL import Image as PILImage
from PIL import ImageDraw

from editor.render.labels import label_font

STEPS_ARCMIN = (0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800)
LINE = (120, 200, 255, 200)
TEXT = (200, 230, 255, 255)


def _nice_step(span_deg: float, target: int = 5) -> float:
    want = span_deg * 60 / target
    for s in STEPS_ARCMIN:
        if s >= want:
            return s / 60
    return STEPS_ARCMIN[-1] / 60


def _sky_extent(wcs: WCS, width: int, height: int) -> tuple[float, float, float, float, float]:
    """(ra_lo, ra_hi, dec_lo, dec_hi, ra_centre) in degrees, RA unwrapped around the centre."""
    xs = np.linspace(-0.5, width - 0.5, 33)
    ys = np.linspace(-0.5, height - 0.5, 33)
    gx, gy = np.meshgrid(xs, ys)
    ra, dec = wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    rc, dc = wcs.all_pix2world([(width - 1) / 2], [(height - 1) / 2], 0)
    ra = (ra - rc[0] + 180.0) % 360.0 - 180.0 + rc[0]
    ok = np.isfinite(ra) & np.isfinite(dec)
    if not ok.any():
        raise ValueError("the WCS maps no pixel to the sky")  # untranslated: caught, never shown
    dec_lo, dec_hi = float(dec[ok].min()), float(dec[ok].max())
    # Near a pole every RA is on the picture.
    if dec_hi > 89 or dec_lo < -89:
        return rc[0] - 180, rc[0] + 180, dec_lo, dec_hi, float(rc[0])
    return float(ra[ok].min()), float(ra[ok].max()), dec_lo, dec_hi, float(rc[0])


def _format_ra(deg: float, step: float) -> str:
    """RA in hours, to the precision the grid step needs (step in degrees; 1 min = 0.25 deg)."""
    seconds = round((deg % 360.0) / 15.0 * 3600, 1)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    h = int(h) % 24
    if step >= 15:
        return f"{h}h"
    if step >= 0.25:
        return f"{h}h{int(m):02d}m"
    if step >= 1 / 240:
        return f"{h}h{int(m):02d}m{int(round(s)):02d}s"
    return f"{h}h{int(m):02d}m{s:04.1f}s"


def _format_dec(deg: float, step: float) -> str:
    sign = "-" if deg < 0 else "+"
    a = abs(deg)
    d = int(a)
    m = (a - d) * 60
    if step >= 1:
        return f"{sign}{round(a):d}\u00b0"
    if step >= 1 / 60:
        mm = int(round(m))
        if mm == 60:
            d, mm = d + 1, 0
        return f"{sign}{d}\u00b0{mm:02d}\u2032"
    return f"{sign}{d}\u00b0{m:05.2f}\u2032"


def grid_overlay(wcs: WCS, canvas_size: tuple[int, int], out_size: tuple[int, int]) -> PILImage.Image:
    """A transparent RGBA image of ``out_size`` (w, h) with the RA/Dec grid of a canvas of
    ``canvas_size`` (w, h) whose array WCS is ``wcs``."""
    cw, ch = canvas_size
    ow, oh = out_size
    sx, sy = ow / cw, oh / ch
    ra_lo, ra_hi, dec_lo, dec_hi, _ = _sky_extent(wcs, cw, ch)
    cos_dec = max(0.05, math.cos(math.radians((dec_lo + dec_hi) / 2)))
    dec_step = _nice_step(dec_hi - dec_lo)
    ra_step = _nice_step((ra_hi - ra_lo) * cos_dec) / cos_dec
    # RA steps in whole seconds/minutes of time look right to people: round to 15" multiples.
    ra_step = max(ra_step, 1 / 240)
    img = PILImage.new("RGBA", (ow, oh), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    font = label_font(int(np.clip(min(ow, oh) / 40, 10, 18)))
    width = max(1, round(min(ow, oh) / 700))

    def project(ra: np.ndarray, dec: np.ndarray) -> list[tuple[float, float]]:
        x, y = wcs.all_world2pix(ra % 360.0, dec, 0)
        pts = []
        for px, py in zip(x, y):
            if math.isfinite(px) and math.isfinite(py):
                pts.append(((px + 0.5) * sx, (py + 0.5) * sy))
        return pts

    def label(pts: list[tuple[float, float]], text: str, at_bottom: bool) -> None:
        """Write ``text`` next to the line's point nearest the bottom (RA) or left (Dec)
        edge, with its box kept wholly inside the picture."""
        inside = [p for p in pts if 0 <= p[0] < ow and 0 <= p[1] < oh]
        if not inside:
            return
        x, y = max(inside, key=lambda p: p[1]) if at_bottom else min(inside, key=lambda p: p[0])
        l, t, r, b = draw.textbbox((0, 0), text, font=font)
        tw, th = r - l + 4, b - t + 2
        x = min(max(x + 3, 2), ow - tw - 2)
        y = min(max(y - th - 3 if at_bottom else y + 3, 2), oh - th - 2)
        draw.rectangle((x, y, x + tw, y + th), fill=(0, 0, 0, 140))
        draw.text((x + 2 - l, y + 1 - t), text, font=font, fill=TEXT)

    dec_samples = np.linspace(dec_lo, dec_hi, 200)
    ra_samples = np.linspace(ra_lo, ra_hi, 200)
    first = math.ceil(ra_lo / ra_step) * ra_step
    ra = first
    count = 0
    while ra <= ra_hi and count < 40:
        pts = project(np.full_like(dec_samples, ra), dec_samples)
        if len(pts) > 1:
            draw.line(pts, fill=LINE, width=width)
            label(pts, _format_ra(ra, ra_step), True)
        ra += ra_step
        count += 1
    dec = math.ceil(dec_lo / dec_step) * dec_step
    count = 0
    while dec <= dec_hi and count < 40:
        pts = project(ra_samples, np.full_like(ra_samples, dec))
        if len(pts) > 1:
            draw.line(pts, fill=LINE, width=width)
            label(pts, _format_dec(dec, dec_step), False)
        dec += dec_step
        count += 1
    return img
