"""Nebulayer's image operations: pure functions on float32 arrays, no Qt, no I/O.

Every public function is importable from here (``filters.highpass``...) and every operation a
layer can use is registered with a parameter schema in :mod:`filters.registry`.

Conventions: images are float32 (H, W) or (H, W, C), linear, nominally 0..1 but never
silently clipped; NaN marks missing pixels and stays NaN; inputs are never modified.
"""

from __future__ import annotations

from typing import Any

from filters.registry import FilterSpec, Param, builtin_specs, register

# Importing each module registers its operations; the order is the menu order.
from filters.levels import brightness_contrast, levels, levels_curve  # noqa: E402
from filters.curves import curve_function, curves  # noqa: E402
from filters.stretch import (  # noqa: E402
    asinh_stretch,
    auto_stretch,
    auto_stretch_params,
    median_mad,
    midtones_transfer,
)
from filters.ghs import ghs  # noqa: E402
from filters.gaussian import gaussian_blur  # noqa: E402
from filters.highpass import highpass  # noqa: E402
from filters.background import extract_background  # noqa: E402
from filters.colour import (  # noqa: E402
    color_balance,
    lab_to_rgb,
    neutralize_background,
    rgb_to_lab,
    saturation,
)
from filters.contrast_mask import contrast_mask, local_contrast_mask  # noqa: E402
from filters.masks import luminance_range_mask, star_mask  # noqa: E402
from filters.align import (  # noqa: E402
    align_to,
    register_similarity,
    register_translation,
    shift_image,
    warp_similarity,
)
from filters.lrgb import lrgb_combine, rgb_combine  # noqa: E402
from filters.wavelets import starlet_layers, starlet_reconstruct  # noqa: E402
from filters.statistics import histogram, image_statistics  # noqa: E402
from filters._common import luminance  # noqa: E402

__version__ = "0.1.0"


def plugin_manifest() -> dict[str, Any]:
    """The built-in filters, declared exactly as a third-party plugin declares its own."""
    return {
        "id": "nebulayer.builtin",
        "name": "Nebulayer built-in filters",  # untranslated: a plugin name, as its author wrote it
        "version": __version__,
        "filters": builtin_specs(),
    }


__all__ = [
    "FilterSpec", "Param", "builtin_specs", "register", "plugin_manifest",
    # tone
    "levels", "levels_curve", "curves", "curve_function", "brightness_contrast",
    # stretches
    "auto_stretch", "auto_stretch_params", "midtones_transfer", "median_mad",
    "asinh_stretch", "ghs",
    # blur / detail
    "gaussian_blur", "highpass", "starlet_layers", "starlet_reconstruct",
    # background and colour
    "extract_background", "saturation", "color_balance", "neutralize_background",
    "rgb_to_lab", "lab_to_rgb", "luminance",
    # masks
    "contrast_mask", "local_contrast_mask", "luminance_range_mask", "star_mask",
    # alignment and channel combination
    "register_translation", "shift_image", "align_to", "register_similarity",
    "warp_similarity", "rgb_combine", "lrgb_combine",
    # statistics
    "image_statistics", "histogram",
]
