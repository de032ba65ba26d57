"""Nebulayer plugin: star reduction and star masks.

Adds the adjustment "Star reduction" (id ``stars.reduce``: morphological erosion through a star
mask, stars found with SEP) and the generated mask "Star mask" (id ``stars.mask``) usable on any
layer, e.g. to protect stars from a stretch or a sharpening.
"""

from __future__ import annotations

from typing import Any

from filters.registry import FilterSpec, Param

from .reduce import reduce_stars, stars_mask

__version__ = "1.0.0"

_DETECTION = (
    Param("threshold", "float", 5.0, label="Detection threshold", min=1.5, max=100.0, step=0.5,
          unit="sigma", log_scale=True, doc="How far above the sky noise a star must rise"),
    Param("min_area", "int", 5, label="Minimum area", min=1, max=200, unit="px",
          doc="Smaller detections are treated as noise or hot pixels"),
    Param("max_radius", "float", 8.0, label="Largest star", min=1.0, max=200.0, unit="px",
          spatial=True, doc="Bigger objects (nebulae, galaxies, cluster cores) are left alone"),
    Param("mask_scale", "float", 3.0, label="Mask size", min=0.5, max=10.0, step=0.1,
          doc="Mask radius in units of each star's size (sigma)"),
    Param("feather", "float", 1.5, label="Mask feather", min=0.0, max=20.0, step=0.1, unit="px",
          spatial=True, doc="Softness of the mask edge"),
)

# Detection uses the sky background and noise of the whole frame: region renders need it all.
_WHOLE_IMAGE = {"global": True}


def plugin_manifest() -> dict[str, Any]:
    return {
        "api_version": 1,
        "id": "nebulayer.stars",
        "name": "Star reduction",
        "version": __version__,
        "description": __doc__,
        "filters": [
            FilterSpec(
                id="stars.reduce", name="Star reduction", func=reduce_stars,
                params=(Param("amount", "float", 1.0, label="Amount", min=0.0, max=1.0, step=0.05),
                        Param("radius", "float", 1.5, label="Erosion radius", min=1.0, max=10.0,
                              step=0.1, unit="px", spatial=True),
                        Param("iterations", "int", 1, label="Iterations", min=1, max=5),
                        *_DETECTION),
                doc=reduce_stars.__doc__ or "", extra=_WHOLE_IMAGE),
            FilterSpec(id="stars.mask", name="Star mask", func=stars_mask, category="mask",
                       params=_DETECTION, doc=stars_mask.__doc__ or "", extra=_WHOLE_IMAGE),
        ],
    }
