"""Photoshop's High Pass filter, for any radius."""

from __future__ import annotations

import numpy as np

from filters._common import as_image, report
from filters.gaussian import blur_or_highpass
from filters.registry import FilterSpec, Param, ProgressCallback, register


def highpass(
    img: np.ndarray, radius: float, *, progress: ProgressCallback | None = None
) -> np.ndarray:
    """Keep only the detail smaller than ``radius``, on a mid-grey (0.5) background.

    Same as Photoshop's Filter > Other > High Pass: the image minus its Gaussian blur, plus
    0.5. ``radius`` is the standard deviation of that Gaussian in pixels (Photoshop's radius),
    with no upper limit: a 1000 px high pass of a 40 MP image takes well under a second.
    Use it in Overlay/Soft Light blending to sharpen, or as the first step of the contrast mask.

    Parameters
    ----------
    img : ndarray, float32, (H, W) or (H, W, C)
    radius : float
        Gaussian standard deviation in pixels. 0 gives a flat 0.5 image.

    Returns
    -------
    ndarray, float32, same shape; 0.5 where the image equals its local mean. NaN stays NaN.

    Notes
    -----
    ``out = x - G_radius * x + 0.5`` with the blur of :func:`filters.gaussian_blur` (edges
    repeated, NaN ignored), so the difference from the exact formula is below
    ``filters.gaussian.ERROR_BOUND`` (1e-3) of the data range. Not clipped: bright stars on
    linear data can go above 1.

    Examples
    --------
    >>> import numpy as np, filters
    >>> float(filters.highpass(np.full((8, 8), 0.2, np.float32), 50.0)[0, 0])
    0.5
    """
    img = as_image(img)
    radius = float(radius)
    if not radius >= 0:
        raise ValueError(f"radius: must be >= 0, got {radius}")
    report(progress, 0.0)
    if radius == 0:
        out = np.full(img.shape, 0.5, np.float32)
        out[np.isnan(img)] = np.nan
    else:
        out = blur_or_highpass(img, radius, highpass=True)
    report(progress, 1.0)
    return out


register(
    FilterSpec(
        id="highpass",
        name="High Pass",
        func=highpass,
        params=(
            Param("radius", "float", 10.0, label="Radius", min=0.0, max=20000.0, step=0.1,
                  unit="px", spatial=True, log_scale=True,
                  doc="Gaussian standard deviation: detail smaller than this is kept."),
        ),
        doc="Image minus its Gaussian blur, on mid-grey (Photoshop's High Pass).",
    )
)
