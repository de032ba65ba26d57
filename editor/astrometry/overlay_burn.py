"""Burning a :class:`~editor.astrometry.overlay.SkyOverlay` into pixels for an export (club
posts): the primitives are drawn with Pillow's ImageDraw into a coverage mask at the export
resolution, then laid over the float image in a light colour, so every bit depth gets the same
lines. Pillow rather than hand-written rasterising: anti-aliased text and a maintained font."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from editor.astrometry.overlay import SkyOverlay

GRID_RGB = (0.55, 0.78, 1.0)  # pale blue, like PixInsight's annotation grid
MARK_RGB = (1.0, 0.85, 0.35)  # compass, scale bar and objects: warm yellow


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def overlay_masks(overlay: SkyOverlay) -> tuple[np.ndarray, np.ndarray]:
    """(grid coverage, marks coverage), float32 0..1 of the overlay's shape."""
    h, w = overlay.shape
    lw = max(1, round(min(h, w) / 700))
    fs = max(10, round(min(h, w) / 45))
    font = _font(fs)
    grid = Image.new("L", (w, h), 0)
    marks = Image.new("L", (w, h), 0)
    g, m = ImageDraw.Draw(grid), ImageDraw.Draw(marks)
    for line in overlay.grid:
        for seg in line.segments:
            g.line([(float(x), float(y)) for x, y in seg], fill=170, width=lw)
        if line.label_at is not None:
            x, y = line.label_at
            if line.axis == "dec":
                g.text((max(x, 0) + 3 * lw, y - fs - 2), line.label, fill=255, font=font)
            elif x + 3 * lw + font.getlength(line.label) <= w - 2:  # a cut label says nothing
                g.text((x + 3 * lw, min(y, h - 1) - fs - 2), line.label, fill=255, font=font)
    ox, oy = overlay.compass_origin
    for (ex, ey), text in ((overlay.north, "N"), (overlay.east, "E")):
        m.line([(ox, oy), (ex, ey)], fill=255, width=2 * lw)
        ang = math.atan2(ey - oy, ex - ox)
        head = 0.25 * math.hypot(ex - ox, ey - oy)
        for da in (2.6, -2.6):
            m.line([(ex, ey), (ex + head * math.cos(ang + da), ey + head * math.sin(ang + da))],
                   fill=255, width=2 * lw)
        m.text((ex + 0.35 * (ex - ox) - fs / 3, ey + 0.35 * (ey - oy) - fs / 2), text, fill=255, font=font)
    (x0, y0), (x1, y1) = overlay.scale_bar
    m.line([(x0, y0), (x1, y1)], fill=255, width=3 * lw)
    for x in (x0, x1):
        m.line([(x, y0 - 2 * lw - 2), (x, y0 + 2 * lw + 2)], fill=255, width=lw)
    m.text(((x0 + x1) / 2 - fs, y0 - fs - 6 * lw), overlay.scale_label, fill=255, font=font)
    for obj in overlay.objects:
        r = max(obj.radius_px, 6.0 * lw) if obj.outlined(overlay.shape) else 6.0 * lw
        if obj.outlined(overlay.shape):
            m.ellipse([obj.x - r, obj.y - r, obj.x + r, obj.y + r], outline=255, width=lw)
        else:
            m.line([(obj.x - r, obj.y), (obj.x + r, obj.y)], fill=255, width=lw)
            m.line([(obj.x, obj.y - r), (obj.x, obj.y + r)], fill=255, width=lw)
        m.text((obj.x + r * 0.72 + 2, obj.y - r * 0.72 - fs), obj.name, fill=255, font=font)
    return (np.asarray(grid, dtype=np.float32) / 255.0, np.asarray(marks, dtype=np.float32) / 255.0)


def burn_overlay(pixels: np.ndarray, overlay: SkyOverlay, black: float = 0.0,
                 white: float = 1.0) -> np.ndarray:
    """A copy of float ``pixels`` (H, W) or (H, W, 3) with the overlay drawn in; ``black`` and
    ``white`` are the values an integer export writes as 0 and full scale. Mono images get
    grey lines (no colour is invented); NaN under a line becomes the line."""
    if pixels.shape[:2] != tuple(overlay.shape):
        raise ValueError(f"overlay of {overlay.shape} for an image of {pixels.shape[:2]}")
    grid, marks = overlay_masks(overlay)
    out = np.array(pixels, dtype=np.float32, copy=True)
    for cover, rgb in ((grid, GRID_RGB), (marks, MARK_RGB)):
        a = cover if out.ndim == 2 else cover[..., None]
        level = np.asarray(rgb, dtype=np.float32)
        level = level.mean() if out.ndim == 2 else level[: out.shape[2]]
        colour = (black + level * (white - black)).astype(np.float32)
        base = np.where(np.isnan(out), 0.0, out) if np.any(a > 0) else out
        out = np.where(a > 0, base * (1 - a) + colour * a, out).astype(np.float32)
    return out
