"""Makes docs/mosaic_balance.png: the README's before/after of mosaic balancing.

    .venv/bin/python docs/make_mosaic_picture.py

The club's case on real data: RGB from the 2MASS K, H, J plates of the Galactic Centre
(../shared/data), cut into two overlapping halves turned by 1 degree; the right half as if
from another camera (per-channel gain 0.72/0.85/1.2, an offset: weaker contrast, other colour
balance). Top: assembled by WCS without balancing; bottom: with the global gain/offset fit.
Both through the same fixed stretch, so what differs is the mosaic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    from PIL import Image, ImageDraw

    from editor.mosaic.build import plan_mosaic
    from editor.mosaic.compose import render_mosaic
    from tests.mosaic.cutting import Plate, cut_panel, header_of, load_plate
    from tests.shared_data import SHARED_DATA

    base = SHARED_DATA / "fits" / "multiband_gc"
    planes = [load_plate(base / f"gc_2mass_{b}.fits") for b in ("k", "h", "j")]
    rgb = np.stack([p.data for p in planes], axis=-1)
    plate = Plate(rgb, planes[0].wcs)
    left, wl = cut_panel(plate, 10, 10, 700, 420, 0.0)
    right, wr = cut_panel(plate, 10, 290, 700, 420, 1.0)
    spread = np.nanpercentile(rgb, 99, axis=(0, 1)) - np.nanpercentile(rgb, 1, axis=(0, 1))
    right = (right * np.array([0.72, 0.85, 1.2], np.float32) + np.float32(0.05) * spread).astype(np.float32)
    panels = [(left, header_of(wl)), (right, header_of(wr))]
    renders = {}
    for balance in (False, True):
        plan = plan_mosaic(panels, align="wcs", balance=balance)
        renders[balance] = render_mosaic(plan, [p for p, _ in panels])
    good = renders[True]
    lo = np.nanpercentile(good, 5, axis=(0, 1))
    hi = np.nanpercentile(good, 99.7, axis=(0, 1))

    def stretch(img: np.ndarray) -> np.ndarray:
        x = np.clip((img - lo) / (hi - lo), 0, 1)
        x = np.arcsinh(12 * x) / np.arcsinh(12)
        return (np.nan_to_num(x, nan=0.0) * 255 + 0.5).astype(np.uint8)

    rows = []
    for balance, label in ((False, "without balancing"), (True, "global gain/offset fit")):
        im = Image.fromarray(stretch(renders[balance])).resize((530, 530), Image.LANCZOS)
        canvas = Image.new("RGB", (530, 556), (24, 24, 24))
        canvas.paste(im, (0, 26))
        ImageDraw.Draw(canvas).text((8, 6), label, fill=(230, 230, 230))
        rows.append(canvas)
    out = Image.new("RGB", (1070, 556), (24, 24, 24))
    out.paste(rows[0], (0, 0))
    out.paste(rows[1], (540, 0))
    path = REPO / "docs" / "mosaic_balance.png"
    out.save(path, optimize=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
