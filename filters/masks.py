"""Selection masks: by brightness range and by stars."""

from __future__ import annotations

import numpy as np

from filters._common import as_image, luminance, map_elementwise, report
from filters.messages import M_
from filters.gaussian import gaussian_blur
from filters.registry import FilterSpec, Param, ProgressCallback, register


def luminance_range_mask(
    img: np.ndarray,
    low: float = 0.25,
    high: float = 1.0,
    feather: float = 0.05,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Select pixels whose brightness lies between ``low`` and ``high``, with soft edges.

    Like PixInsight's RangeSelection or Photoshop's Color Range > Highlights: 1 inside the
    range, 0 outside, with a smooth ramp ``feather`` wide (in brightness) on each side.

    Returns
    -------
    ndarray, float32, (H, W), 0..1. Missing pixels are 0.

    Notes
    -----
    ``Y`` = Rec. 709 luminance; ``mask = ramp((Y - low + f) / f) * ramp((high + f - Y) / f)``
    with ``ramp`` the smoothstep clipped to 0..1 (a hard step when ``feather = 0``).
    """
    if not high >= low:
        raise ValueError(M_("high ({high}) must be >= low ({low})", high=high, low=low))
    y = luminance(as_image(img))
    report(progress, 0.0)
    f = np.float32(feather)
    lo, hi = np.float32(low), np.float32(high)

    def smoothstep(t: np.ndarray) -> None:
        np.clip(t, np.float32(0), np.float32(1), out=t)
        t *= t * (np.float32(3) - np.float32(2) * t)

    def chunk(src: np.ndarray, dst: np.ndarray) -> None:
        if f > 0:
            np.subtract(src, lo - f, out=dst)
            dst /= f
            smoothstep(dst)
            t = (hi + f) - src
            t /= f
            smoothstep(t)
            dst *= t
        else:
            np.logical_and(src >= lo, src <= hi, out=dst, casting="unsafe")
        np.nan_to_num(dst, copy=False, nan=0.0)  # missing pixels are not selected

    out = map_elementwise(chunk, y)
    report(progress, 1.0)
    return out


def star_mask(
    img: np.ndarray,
    threshold: float = 5.0,
    grow: float = 2.0,
    feather: float = 2.0,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Select the stars: white discs over each detected star, grown and softened.

    Stars are detected with SExtractor's algorithm (the ``sep`` library) at ``threshold``
    sigmas above the local background. Each star gets a disc of radius
    ``grow`` + its measured size (3 x the semi-major axis, which covers the halo),
    then the mask is blurred by ``feather`` (Gaussian sigma, px). Use it to protect stars
    from a stretch or to reduce them.

    Returns
    -------
    ndarray, float32, (H, W), 0..1. Missing pixels are treated as background.
    """
    import sep  # compiled detector; imported here to keep ``import filters`` light

    y = np.ascontiguousarray(np.nan_to_num(luminance(as_image(img))), dtype=np.float32)
    report(progress, 0.0)
    h, w = y.shape
    bw = int(min(64, max(8, min(h, w) // 4)))
    bkg = sep.Background(y, bw=bw, bh=bw)
    data = y - bkg.back()
    report(progress, 0.3)
    sep.set_extract_pixstack(max(300000, h * w // 4))
    try:
        objects = sep.extract(data, float(threshold), err=bkg.globalrms, minarea=3)
    except Exception as exc:  # sep raises plain Exception when its buffers overflow
        raise ValueError(M_("star detection failed: {error}", error=exc)) from None
    report(progress, 0.6)
    mask = np.zeros((h, w), np.float32)
    if len(objects):
        radii = 3.0 * objects["a"] + float(grow)
        for x, yc, r in zip(objects["x"], objects["y"], radii):
            r = float(max(r, 0.5))
            y0, y1 = int(max(0, np.floor(yc - r))), int(min(h, np.ceil(yc + r) + 1))
            x0, x1 = int(max(0, np.floor(x - r))), int(min(w, np.ceil(x + r) + 1))
            yy, xx = np.ogrid[y0:y1, x0:x1]
            disc = (yy - yc) ** 2 + (xx - x) ** 2 <= r * r
            mask[y0:y1, x0:x1][disc] = 1.0
    if feather > 0:
        mask = gaussian_blur(mask, float(feather))
        np.clip(mask, 0, 1, out=mask)
    report(progress, 1.0)
    return mask


register(
    FilterSpec(
        id="luminance_range_mask",
        name="Luminance Range Mask",
        func=luminance_range_mask,
        params=(
            Param("low", "float", 0.25, label="Low", min=0.0, max=1.0, step=0.001),
            Param("high", "float", 1.0, label="High", min=0.0, max=2.0, step=0.001),
            Param("feather", "float", 0.05, label="Feather", min=0.0, max=0.5, step=0.001,
                  doc="Width of the soft edge, in brightness."),
        ),
        category="mask",
        doc="Select a range of brightness with soft edges.",
    )
)

register(
    FilterSpec(
        id="star_mask",
        name="Star Mask",
        func=star_mask,
        params=(
            Param("threshold", "float", 5.0, label="Detection threshold", min=1.0, max=100.0,
                  step=0.1, unit="sigma", log_scale=True),
            Param("grow", "float", 2.0, label="Grow", min=0.0, max=100.0, step=0.5, unit="px",
                  spatial=True),
            Param("feather", "float", 2.0, label="Feather", min=0.0, max=100.0, step=0.5,
                  unit="px", spatial=True),
        ),
        category="mask",
        doc="Detected stars, grown and softened.",
    )
)
