"""Fitting a mosaic plan from panels: register, frame, balance."""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.jobs.progress import Progress, scaled_progress
from editor.locale import tr
from editor.mosaic.plan import ALIGNS, BLENDS, MosaicPlan, PanelParams


def plan_mosaic(images: list[tuple[np.ndarray, dict[str, Any] | None]], *, names: list[str] | None = None,
                align: str = "auto", balance: bool = True, gradient: bool = False,
                blend: str = "feather", reference: int = 0, canvas_wcs: Any = None,
                progress: Progress | None = None) -> MosaicPlan:
    """Register, frame and balance panels. ``images``: (pixels, FITS header or None) each,
    pixels top row first. ``align``: "wcs" (every panel needs a WCS), "stars" (similarity by
    star matching), "auto" (WCS when every panel has one). ``canvas_wcs``: the user's frame
    (astropy WCS, array order) instead of the optimal one."""
    from editor.astrometry.wcs import array_wcs, wcs_cards
    from editor.mosaic import balance as balancing
    from editor.mosaic import register
    from editor.mosaic.transforms import canvas_bbox

    if align not in ALIGNS:
        raise ValueError(tr("unknown alignment {align!r} (one of {text})").format(align=align, text=', '.join(ALIGNS)))
    if blend not in BLENDS:
        raise ValueError(tr("unknown blend {blend!r} (one of {text})").format(blend=blend, text=', '.join(BLENDS)))
    if len(images) < 1:
        raise ValueError(tr("a mosaic needs at least one panel"))
    if not 0 <= reference < len(images):
        raise ValueError(tr("reference panel {reference} does not exist (0..{n})").format(reference=reference, n=len(images) - 1))
    names = names or [f"panel {i + 1}" for i in range(len(images))]
    wcss = [None if hdr is None else array_wcs(hdr, px.shape[0]) for px, hdr in images]
    if align == "auto":
        align = "wcs" if all(w is not None for w in wcss) else "stars"
    if align == "wcs":
        missing = [names[i] for i, w in enumerate(wcss) if w is None]
        if missing:
            raise ValueError(tr("{text}: no WCS (plate-solve it, or align by stars)").format(text=', '.join(missing)))
        frame, shape, transforms = register.by_wcs([px.shape[:2] for px, _ in images], wcss, canvas_wcs)
    else:
        frame, shape, transforms = register.by_stars([px for px, _ in images], reference,
                                                     wcss[reference],
                                                     scaled_progress(progress, 0.0, 0.6))
    cards = None if frame is None else {k: v for k, v in wcs_cards(frame).items() if k != "ROWORDER"}
    nch = 1 if images[0][0].ndim == 2 else images[0][0].shape[2]
    panels = []
    for (px, _), name, t in zip(images, names, transforms):
        if (1 if px.ndim == 2 else px.shape[2]) != nch:
            raise ValueError(tr("{name}: mixes mono and colour panels; convert one first").format(name=name))
        panels.append(PanelParams(name=name, transform=t, shape=px.shape[:2], gain=[1.0] * nch,
                                  offset=[0.0] * nch, gradient=[[0.0, 0.0] for _ in range(nch)],
                                  bbox=canvas_bbox(t, px.shape[:2], cards)))
    if align == "wcs":
        _check_one_field(shape, panels, [px for px, _ in images], wcss, reference)
    plan = MosaicPlan(shape=shape, panels=panels, wcs=cards, reference=reference, blend=blend)
    plan.report["align"] = align
    if balance and len(images) > 1:
        balancing.fit_balance(plan, [px for px, _ in images], gradient=gradient,
                              progress=scaled_progress(progress, 0.6, 1.0))
    if progress is not None:
        progress(1.0)
    return plan


def _check_one_field(shape: tuple[int, int], panels: list[PanelParams], pixels: list[np.ndarray],
                     wcss: list[Any], reference: int) -> None:
    """A canvas far larger than its panels (in canvas pixels) means a panel of another field
    (a wrong file or WCS): name it instead of asking for a giant, empty canvas."""
    covered = sum(max(0.0, (b[1] - b[0]) * (b[3] - b[2])) for b in (p.bbox for p in panels))
    if shape[0] * shape[1] <= 16 * max(covered, 1.0):
        return
    centres = [w.pixel_to_world((px.shape[1] - 1) / 2, (px.shape[0] - 1) / 2)
               for px, w in zip(pixels, wcss)]
    far = max(range(len(panels)), key=lambda k: centres[reference].separation(centres[k]).deg)
    sep = centres[reference].separation(centres[far]).deg
    raise ValueError(tr("{name} lies {sep:.2f} deg from {name2}: the "
                     "panels do not form one field (the canvas would be {shape}x{shape2} px, "
                     "mostly empty); check the files or their WCS").format(name=panels[far].name, sep=sep, name2=panels[reference].name, shape=shape[1], shape2=shape[0]))
