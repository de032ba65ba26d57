"""Registration of mosaic panels onto one canvas: by their WCS or by matching stars."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from astropy.wcs import WCS

from editor.jobs.progress import Progress
from editor.locale import tr
from editor.mosaic.transforms import canvas_bbox, similarity_params, wcs_transform


def _fit_frame(wcs: WCS, shapes: list[tuple[int, int]], transforms: list[dict[str, Any]]
               ) -> tuple[WCS, tuple[int, int]]:
    """Shift ``wcs`` so every panel lands on pixels >= 0, and the canvas shape holding them."""
    from editor.astrometry.wcs import wcs_cards

    cards = {k: v for k, v in wcs_cards(wcs).items() if k != "ROWORDER"}
    boxes = np.array([canvas_bbox(t, s, cards) for t, s in zip(transforms, shapes)])
    y0, x0 = math.floor(boxes[:, 0].min() + 0.5), math.floor(boxes[:, 2].min() + 0.5)
    y1, x1 = math.ceil(boxes[:, 1].max() - 0.5), math.ceil(boxes[:, 3].max() - 0.5)
    out = wcs.deepcopy()
    out.wcs.crpix = np.asarray(out.wcs.crpix, dtype=float) - np.array([x0, y0], dtype=float)
    out.wcs.set()
    return out, (int(y1 - y0), int(x1 - x0))


def by_wcs(shapes: list[tuple[int, int]], wcss: list[WCS], canvas_wcs: WCS | None = None
           ) -> tuple[WCS, tuple[int, int], list[dict[str, Any]]]:
    """The canvas frame (reproject's optimal celestial frame unless ``canvas_wcs`` is given:
    TAN, north up, the finest panel's pixel scale) and each panel's WCS transform."""
    from reproject.mosaicking import find_optimal_celestial_wcs

    transforms = [wcs_transform(w) for w in wcss]
    if canvas_wcs is None:
        from editor.astrometry.wcs import flip_rows

        canvas_wcs, shape = find_optimal_celestial_wcs(list(zip(shapes, wcss)))
        # reproject's frame has north towards higher rows (FITS's bottom-up file order):
        # turn it so north is up in Nebulayer's top-row-first images.
        canvas_wcs = flip_rows(canvas_wcs, int(shape[0]))
    frame, shape = _fit_frame(canvas_wcs, shapes, transforms)
    return frame, shape, transforms


def _mono(img: np.ndarray) -> np.ndarray:
    m = img if img.ndim == 2 else np.nanmean(img, axis=2)
    m = np.array(m, dtype=np.float32)
    finite = np.isfinite(m)
    m[~finite] = np.median(m[finite]) if finite.any() else 0.0
    return m


#: Fewer matched stars than this may be chance: look at every rotation too.
WEAK_MATCH = 12


def _pair(a: np.ndarray, b: np.ndarray, sa: np.ndarray, sb: np.ndarray) -> tuple[np.ndarray, int] | None:
    """3x3 matrix mapping pixel (x, y) of ``b`` onto ``a``, and the number of matched stars;
    None when they share too few stars. Star-list voting first (partial overlaps, rotation
    near 0 or 180 deg); asterisms (any rotation and scale, large overlaps) otherwise."""
    from editor.mosaic.starmatch import ALL_ROTATIONS, match

    found = match(sa, sb)
    # A true match of a few dozen stars fits to ~0.2 px; a chance alignment in a crowded
    # field gathers ~10 stars at ~0.5-0.7 px (2MASS K panels turned 20 deg: 8 stars at 0.54 px
    # at -5 deg, while every rotation finds the true -20 deg with 32 stars at 0.2 px).
    if found is None or found[1] < WEAK_MATCH:
        wide = match(sa, sb, ALL_ROTATIONS)
        if wide is not None and wide[1] >= WEAK_MATCH and (found is None or wide[1] > found[1]):
            found = wide
    if found is not None and found[1] >= 8 and found[2] < 0.6:
        return found[0], found[1]
    import astroalign

    try:
        t, (src, _) = astroalign.find_transform(b, a, max_control_points=50, detection_sigma=5)
    except (astroalign.MaxIterError, ValueError, TypeError):
        return None
    if len(src) < 6:
        return None
    return np.asarray(t.params, dtype=float), int(len(src))


def by_stars(pixels: list[np.ndarray], reference: int, ref_wcs: WCS | None,
             progress: Progress | None = None
             ) -> tuple[WCS | None, tuple[int, int], list[dict[str, Any]]]:
    """Similarity transforms (shift, rotation, scale) from star matches between every pair of
    panels, chained from ``reference`` along the best-matched pairs; the canvas is the
    reference panel's frame grown to hold all, with the reference's WCS when it has one."""
    n = len(pixels)
    from editor.mosaic.starmatch import detect_stars

    monos = [_mono(p) for p in pixels]
    stars = [detect_stars(m) for m in monos]
    links: dict[tuple[int, int], tuple[np.ndarray, int]] = {}
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for k, (i, j) in enumerate(pairs):
        found = _pair(monos[i], monos[j], stars[i], stars[j])
        if found is not None:
            m, count = found
            links[(i, j)] = (m, count)  # j -> i
            links[(j, i)] = (np.linalg.inv(m), count)
        if progress is not None:
            progress((k + 1) / max(1, len(pairs)))
    # Maximum spanning tree from the reference (Prim): each panel joins through its
    # best-matched link, so one weak pair (a corner overlap) never decides a placement.
    to_ref: dict[int, np.ndarray] = {reference: np.eye(3)}
    while True:
        cands = [(links[(i, j)][1], i, j) for (i, j) in links if i in to_ref and j not in to_ref]
        if not cands:
            break
        _, i, j = max(cands)
        to_ref[j] = to_ref[i] @ links[(i, j)][0]
    lost = [k + 1 for k in range(n) if k not in to_ref]
    if lost:
        raise ValueError(tr("panel(s) {text} share too few stars with the "
                         "others to be aligned (need an overlap with stars, or a WCS)").format(text=', '.join(map(str, lost))))
    transforms = [similarity_params(to_ref[k]) for k in range(n)]
    shapes = [p.shape[:2] for p in pixels]
    boxes = np.array([canvas_bbox(t, s, None) for t, s in zip(transforms, shapes)])
    y0, x0 = math.floor(boxes[:, 0].min() + 0.5), math.floor(boxes[:, 2].min() + 0.5)
    y1, x1 = math.ceil(boxes[:, 1].max() - 0.5), math.ceil(boxes[:, 3].max() - 0.5)
    for t in transforms:
        t["dx"] -= x0
        t["dy"] -= y0
    frame = None
    if ref_wcs is not None:
        frame = ref_wcs.deepcopy()
        frame.wcs.crpix = np.asarray(frame.wcs.crpix, dtype=float) - np.array([x0, y0], dtype=float)
        frame.wcs.set()
    return frame, (int(y1 - y0), int(x1 - x0)), transforms
