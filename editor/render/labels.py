"""Labels on comparison pictures that stay readable and never overlap, at any picture size.

A label is text on a dark box. Inside the picture it is sized to the picture (like the old
corner labels) but shrunk until each label fits its own share of the width (half of a split,
its column of a side-by-side). Below :data:`MIN_LABEL_PX` text stops being readable, so when a
picture is too small for that the labels go into a band outside the picture instead, one per
line, and the canvas is widened if even one line would not fit: a 40-px-wide split still says
"← Original" and "Current →" legibly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MIN_LABEL_PX = 11  # smallest font size (px) that reads on a phone screen
BOX_ALPHA = 170


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def intersects(self, other: "Box") -> bool:
        return not (self.x + self.w <= other.x or other.x + other.w <= self.x
                    or self.y + self.h <= other.y or other.y + other.h <= self.y)


@lru_cache(maxsize=64)
def label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (Debian's fonts-dejavu-core) at ``size`` px, else Pillow's built-in font."""
    try:
        return ImageFont.truetype(str(FONT_PATH), size)
    except OSError:
        try:
            return ImageFont.load_default(size=size)
        except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
            return ImageFont.load_default()


font = label_font


def padding(size: int) -> int:
    return max(3, size // 4)


def margin(size: int) -> int:
    return max(4, size // 3)


def box_size(text: str, size: int) -> tuple[int, int]:
    """(w, h) of the dark box around ``text`` at ``size`` px, padding included."""
    probe = ImageDraw.Draw(PILImage.new("RGB", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font(size))
    pad = padding(size)
    # Height from the font's full ascent+descent, so boxes of one size line up.
    asc, desc = _metrics(size)
    return right - left + 2 * pad, max(bottom - top, asc + desc) + 2 * pad


def _metrics(size: int) -> tuple[int, int]:
    f = font(size)
    try:
        return f.getmetrics()
    except AttributeError:  # bitmap fallback font
        return size, 0


def fit_size(texts: Sequence[str], max_width: float, start: int,
             max_height: float | None = None) -> int | None:
    """The largest size <= ``start`` at which every box fits ``max_width`` (and
    ``max_height``), or None when even :data:`MIN_LABEL_PX` does not."""
    for size in range(int(start), MIN_LABEL_PX - 1, -1):
        boxes = [box_size(t, size) for t in texts if t]
        if all(w <= max_width and (max_height is None or h <= max_height) for w, h in boxes):
            return size
    return None


def draw_label(img: PILImage.Image, text: str, x: int, y: int, size: int,
               colour: tuple[int, int, int]) -> Box:
    """``text`` on a translucent dark box whose top-left corner is (x, y); returns the box."""
    w, h = box_size(text, size)
    draw = ImageDraw.Draw(img, "RGBA")
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=(0, 0, 0, BOX_ALPHA))
    left, top, _, _ = draw.textbbox((0, 0), text, font=font(size))
    asc, _ = _metrics(size)
    pad = padding(size)
    # Baseline-aligned: every label of one size sits at the same height in its box.
    draw.text((x + pad - left, y + pad + asc), text, font=font(size), fill=colour + (255,), anchor="ls")
    return Box(x, y, w, h)


def band_lines(texts: Sequence[str], width: int, background: tuple[int, int, int],
               colour: tuple[int, int, int]) -> np.ndarray:
    """A band (uint8 (h, W, 3), W >= ``width``) holding each non-empty text on its own line at
    :data:`MIN_LABEL_PX`, or all on one line when they fit side by side."""
    size = MIN_LABEL_PX
    texts = [t for t in texts if t]
    m = margin(size)
    boxes = [box_size(t, size) for t in texts]
    one_line = sum(w for w, _ in boxes) + m * (len(boxes) + 1) <= width
    if one_line:
        h = max(b[1] for b in boxes) + 2 * m
        out = PILImage.new("RGB", (width, h), background)
        # First label left-aligned, last right-aligned, any others evenly between.
        xs = _spread([b[0] for b in boxes], width, m)
        for t, x in zip(texts, xs):
            draw_label(out, t, x, m, size, colour)
    else:
        full = max(w for w, _ in boxes) + 2 * m
        out_w = max(width, full)
        h = sum(b[1] for b in boxes) + m * (len(boxes) + 1)
        out = PILImage.new("RGB", (out_w, h), background)
        y = m
        for t, (bw, bh) in zip(texts, boxes):
            draw_label(out, t, m, y, size, colour)
            y += bh + m
    return np.asarray(out).copy()


def _spread(widths: list[int], total: int, m: int) -> list[int]:
    if len(widths) == 1:
        return [m]
    free = total - 2 * m - sum(widths)
    gap = free / (len(widths) - 1)
    xs, x = [], float(m)
    for w in widths:
        xs.append(int(round(x)))
        x += w + gap
    return xs


def stack_band(image: np.ndarray, band: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """``band`` above ``image``, the narrower one centred on ``background``."""
    w = max(image.shape[1], band.shape[1])
    out = np.empty((band.shape[0] + image.shape[0], w, 3), np.uint8)
    out[:] = background
    bx = (w - band.shape[1]) // 2
    out[:band.shape[0], bx:bx + band.shape[1]] = band
    ix = (w - image.shape[1]) // 2
    out[band.shape[0]:, ix:ix + image.shape[1]] = image
    return out


def corner_size(texts: Sequence[str], shares: Sequence[tuple[float, float]], start: int) -> int | None:
    """The largest size <= ``start`` at which each label's box, with its margin all round,
    fits its share (max width, max height) of the picture; None below :data:`MIN_LABEL_PX`."""
    for size in range(int(start), MIN_LABEL_PX - 1, -1):
        m = margin(size)
        if all(not t or (box_size(t, size)[0] <= sw - 2 * m and box_size(t, size)[1] <= sh - 2 * m)
               for t, (sw, sh) in zip(texts, shares)):
            return size
    return None


def draw_corner_labels(img: np.ndarray, texts: Sequence[str], corners: Sequence[str], size: int,
                       colour: tuple[int, int, int]) -> np.ndarray:
    """A copy of ``img`` with each text in its corner ("tl", "tr", "bl", "br") at ``size``."""
    h, w = img.shape[:2]
    canvas = PILImage.fromarray(img)
    m = margin(size)
    for text, corner in zip(texts, corners):
        if text:
            bw, bh = box_size(text, size)
            x = m if corner[1] == "l" else w - m - bw
            y = m if corner[0] == "t" else h - m - bh
            draw_label(canvas, text, x, y, size, colour)
    return np.asarray(canvas).copy()


def pad_width(frame: np.ndarray, width: int, background: tuple[int, int, int]) -> np.ndarray:
    """``frame`` centred on a ``width``-wide canvas of ``background`` (as is if wide enough)."""
    if frame.shape[1] >= width:
        return frame
    out = np.empty((frame.shape[0], width, 3), np.uint8)
    out[:] = background
    x = (width - frame.shape[1]) // 2
    out[:, x:x + frame.shape[1]] = frame
    return out
