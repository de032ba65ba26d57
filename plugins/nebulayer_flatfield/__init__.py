"""Nebulayer plugin: synthetic flat (vignetting correction without flat frames).

Adds the adjustment "Synthetic flat" (id ``flatfield.vignetting``): fits a radial polynomial to
the sky background sampled across the frame and divides it out.
"""

from __future__ import annotations

from typing import Any

from filters.registry import FilterSpec, Param

from .vignetting import correct_vignetting

__version__ = "1.0.0"


def plugin_manifest() -> dict[str, Any]:
    return {
        "api_version": 1,
        "id": "nebulayer.flatfield",
        "name": "Synthetic flat",
        "version": __version__,
        "description": __doc__,
        "filters": [FilterSpec(
            id="flatfield.vignetting", name="Synthetic flat (vignetting)", func=correct_vignetting,
            params=(
                Param("order", "int", 2, label="Polynomial order", min=1, max=4,
                      doc="Terms in r^2, r^4...: 1 for a gentle fall-off, 3-4 for fast optics"),
                Param("grid", "int", 24, label="Samples per side", min=6, max=64,
                      doc="The sky is sampled in grid x grid boxes"),
                Param("auto_center", "bool", False, label="Find the optical centre",
                      doc="Fit the centre too (for tilted or off-axis sensors)"),
                Param("center_x", "float", 0.5, label="Centre x", min=0.0, max=1.0, step=0.01,
                      doc="Optical centre, as a fraction of the width"),
                Param("center_y", "float", 0.5, label="Centre y", min=0.0, max=1.0, step=0.01,
                      doc="Optical centre, as a fraction of the height"),
                Param("clip", "float", 2.5, label="Rejection", min=1.0, max=10.0, step=0.1,
                      unit="sigma", doc="Boxes this far off the fit (nebulae) are ignored"),
                Param("pedestal", "float", 0.0, label="Offset", min=-1.0, max=1.0, step=0.001,
                      doc="Bias/offset still in the data, kept out of the division"),
                Param("output", "choice", "corrected", label="Output",
                      choices=("corrected", "flat"), doc="The corrected image, or the flat itself"),
            ),
            doc=correct_vignetting.__doc__ or "",
            extra={"global": True},  # the fit samples the whole frame
        )],
    }
