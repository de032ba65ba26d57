"""The document's sky frame for the overlay and for exports with the overlay burnt in."""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.astrometry.overlay import SkyOverlay, sky_overlay
from editor.io.wcs import array_wcs


def canvas_wcs(doc: Any, height: int | None = None, scale: float = 1.0) -> Any | None:
    """Array WCS of the canvas as rendered at ``scale`` (after layer offsets and the document
    geometry: the same WCS a FITS export gets), or None when nothing has one. ``height``:
    rows of that render (default: the document's, scaled)."""
    header = doc.export_meta(scale).header
    if height is None:
        height = max(1, int(round(doc.height * scale)))
    try:
        return array_wcs(header, int(height))
    except Exception:  # noqa: BLE001 - a header whose WCS astropy rejects: no sky frame
        return None


def document_overlay(doc: Any, shape: tuple[int, int], scale: float = 1.0,
                     objects: bool = True) -> SkyOverlay | None:
    """The overlay for a render of ``shape`` at ``scale``, or None without a WCS."""
    wcs = canvas_wcs(doc, shape[0], scale)
    return None if wcs is None else sky_overlay(wcs, shape, objects=objects)


def burn_sky_overlay(pixels: np.ndarray, doc: Any, scale: float = 1.0) -> np.ndarray:
    """``pixels`` (a render of ``doc`` at ``scale``) with the sky overlay drawn in; unchanged
    when the document has no WCS."""
    from editor.astrometry.overlay_burn import burn_overlay

    overlay = document_overlay(doc, pixels.shape[:2], scale)
    if overlay is None:
        return pixels
    return burn_overlay(pixels, overlay, *export_levels(pixels))


def export_levels(pixels: np.ndarray) -> tuple[float, float]:
    """The values an integer export writes as 0 and full scale (editor/io/export_range.py):
    0..1 for data within 0..1 (give or take 1 % of pixels), else its own finite range."""
    sample = pixels[:: max(1, pixels.shape[0] // 512), :: max(1, pixels.shape[1] // 512)]
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(finite, [1, 99])
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    return float(np.nanmin(pixels)), float(np.nanmax(pixels))
