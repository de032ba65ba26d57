"""Re-fitting a mosaic layer that is already in a document (the panel list's "Re-fit
balance" and "Re-solve"): new numbers for its panels, which the caller sets as one undoable
step with ``doc.set_layer_props(layer_id, panels=...)``. The canvas frame stays as it is, so
the picture does not move under the user."""

from __future__ import annotations

import copy
from typing import Any

from editor.jobs.progress import Progress
from editor.mosaic.plan import MosaicPlan


def _plan_of(layer: Any) -> MosaicPlan:
    return MosaicPlan.from_dict({**copy.deepcopy(layer.canvas), "panels": copy.deepcopy(layer.panels)})


def refit_balance(doc: Any, layer_id: str, *, gradient: bool | None = None,
                  progress: Progress | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Panels with gain/offset (and gradient: kept on when any panel has one, unless
    ``gradient`` says) fitted again from the overlaps, to the canvas' reference panel;
    returns (panels, balance report)."""
    from editor.mosaic.balance import fit_balance

    layer = doc.layer(layer_id)
    plan = _plan_of(layer)
    if gradient is None:
        gradient = any(any(abs(v) > 0 for g in p.gradient for v in g) for p in plan.panels)
    for p in plan.panels:  # start from neutral numbers: the fit is global, not incremental
        p.gain, p.offset = [1.0] * len(p.gain), [0.0] * len(p.offset)
        p.gradient = [[0.0, 0.0] for _ in p.gradient]
    pixels = [doc.sources[p["source"]].pixels for p in layer.panels]
    fit_balance(plan, pixels, gradient=bool(gradient), progress=progress)
    out = []
    for old, new in zip(layer.panels, plan.panels):
        out.append(dict(copy.deepcopy(old), gain=list(new.gain), offset=list(new.offset),
                        gradient=[list(g) for g in new.gradient]))
    return out, plan.report.get("balance", {})


def reregister_by_wcs(doc: Any, layer_id: str) -> list[dict[str, Any]]:
    """Panels whose transforms come again from their sources' WCS (after a plate solve),
    on the layer's own canvas frame; a panel whose source has no WCS keeps its transform."""
    from editor.io.wcs import array_wcs
    from editor.mosaic.transforms import canvas_bbox, wcs_transform

    layer = doc.layer(layer_id)
    frame = layer.canvas.get("wcs")
    out = []
    for p in layer.panels:
        src = doc.sources[p["source"]]
        wcs = array_wcs(src.meta.header, src.height)
        q = copy.deepcopy(p)
        if wcs is not None and frame is not None:
            q["transform"] = wcs_transform(wcs)
            q["bbox"] = list(canvas_bbox(q["transform"], src.pixels.shape[:2], frame))
        out.append(q)
    return out
