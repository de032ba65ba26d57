"""Photoshop's High Pass filter, for any radius."""

from __future__ import annotations

import numpy as np

from filters._common import as_image, report
from filters.messages import M_
from filters.gaussian import blur_or_highpass, expand_coarse, uses_coarse_field
from filters.registry import FilterSpec, Param, ProgressCallback, register


def highpass(
    img: np.ndarray, radius: float, *, measured: dict | None = None,
    progress: ProgressCallback | None = None,
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

    With ``measured`` from :func:`highpass_measure` holding a ``"coarse"`` blur of a reduced
    copy of the whole image (radius >= 16 px there), the blur is its bilinear enlargement onto
    this image's ``measured["frame"]``: a region or tile needs no border, and a 1000 px high
    pass of any canvas never needs it at full resolution. That blur is the one of the reduced
    copy (area-averaged pixels; the editor picks the coarsest copy on which the radius is
    still >= 16 px): measured on the Horsehead plate (r = 200 px, copy at 1/8 scale), median
    4.5e-4 and beyond 100 px of the edges at most 2.3e-3 of the data range from the
    full-resolution one, 3.9e-3 near the edges (the copy's edge rows average several rows,
    and 'nearest' repeats them). See tests/tiles/test_coarse_filters.py.

    Examples
    --------
    >>> import numpy as np, filters
    >>> float(filters.highpass(np.full((8, 8), 0.2, np.float32), 50.0)[0, 0])
    0.5
    """
    img = as_image(img)
    radius = float(radius)
    if not radius >= 0:
        raise ValueError("radius: " + M_("must be >= 0, got {value}", value=radius))
    report(progress, 0.0)
    coarse = None if measured is None else measured.get("coarse")
    if coarse is not None and radius > 0:
        blur = expand_coarse(coarse, img.shape[:2], measured.get("frame"), measured.get("canvas"))
        if blur.ndim < img.ndim:
            blur = blur[..., None]
        out = np.subtract(img, blur, dtype=np.float32)
        out += np.float32(0.5)
        report(progress, 1.0)
        return out
    if radius == 0:
        out = np.full(img.shape, 0.5, np.float32)
        out[np.isnan(img)] = np.nan
    else:
        out = blur_or_highpass(img, radius, highpass=True)
    report(progress, 1.0)
    return out


def highpass_measure(img: np.ndarray, *, radius: float, measuring_scale: float = 1.0) -> dict:
    """The blur of the whole image a large-radius high pass subtracts, left on this reduced
    copy (``radius`` in its pixels): {"coarse": blur} when the radius is large enough there
    (:func:`filters.gaussian.uses_coarse_field`), else {} (the high pass runs on its input)."""
    if not uses_coarse_field(radius):
        return {}
    from filters.gaussian import gaussian_blur

    return {"coarse": gaussian_blur(img, float(radius))}


def _coarse(measure_params: dict) -> bool:
    return uses_coarse_field(float(measure_params.get("radius", 0.0)))


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
        extra={"measure": highpass_measure, "coarse": _coarse},
    )
)
