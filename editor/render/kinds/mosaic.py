"""Mosaic layers: panels resampled onto the canvas, balanced and blended (editor.mosaic).

A region render computes only the panels whose footprint meets the window; a preview samples
block-averaged panels, so it looks like the downscaled full render. Uncovered pixels are NaN:
transparent, the layers below show there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from editor.locale import _
from editor.render.blend import blend
from editor.render.comp import Comp, missing_is_transparent
from editor.render.kinds.base import LayerKind, Top, register
from editor.render.resample import Window
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.core.document import Document
    from editor.render.engine import RenderJob

_CACHE: Any = None


def plan_of(node: dict) -> Any:
    """The node's :class:`editor.mosaic.plan.MosaicPlan` (StepFailed when it is inconsistent)."""
    from editor.mosaic.plan import MosaicPlan

    try:
        return MosaicPlan.from_dict(dict(node["canvas"], panels=node["panels"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise StepFailed(f"mosaic settings are inconsistent: {exc}") from None


def panel_label(panel: dict, index: int) -> str:
    """What follows "mosaic panel" in a message: the panel's name without a leading "panel "
    (default names are "panel 6": "mosaic panel panel 6" said it twice), else its number."""
    name = str(panel.get("name", "")).strip()
    if name.lower().startswith("panel "):
        name = name[len("panel "):].strip()
    return name or str(index + 1)


def _damaged(job: "RenderJob", node: dict) -> dict[int, str]:
    """Panel index -> the problem the background checksum check found in its pixels (mapped
    in place from a project; checked meanwhile). In the layer's signature, so renders cached
    before the check (tiles, levels, the fit view) are not shown after it."""
    from editor.mosaic.checks import damage_of

    out = {}
    for k, p in enumerate(node["panels"]):
        src = job.sources.get(p["source"])
        problem = damage_of(src.pixels) if src is not None else None
        if problem:
            out[k] = problem
    return out


class MosaicKind(LayerKind):
    type = "mosaic"

    def signature(self, job: "RenderJob", node: dict) -> dict[str, Any]:
        rec = {k: v for k, v in node.items() if k not in ("name", "id", "panels", "canvas")}
        rec = job.resolve_tokens(rec)
        canvas = {k: v for k, v in node["canvas"].items() if k != "report"}
        rec["canvas"] = canvas
        rec["panels"] = [dict(p, source=job.token(p["source"])) for p in node["panels"]]
        damaged = _damaged(job, node)
        if damaged:  # found by the background check after renders that showed the bytes
            rec["damaged"] = [[k, v] for k, v in sorted(damaged.items())]
        return rec

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        from editor.mosaic.compose import PanelCache, render_mosaic

        global _CACHE
        if _CACHE is None:
            _CACHE = PanelCache()
        plan = plan_of(node)
        pixels, keys = [], []
        damaged = _damaged(job, node)
        for k, p in enumerate(node["panels"]):
            src = job.sources.get(p["source"])
            if src is None:
                raise StepFailed(f"the pixels of mosaic panel {panel_label(p, k)} ({p['source']}) are missing")
            if k in damaged:
                raise StepFailed(_("mosaic panel {name}: {problem}").format(
                    name=panel_label(p, k), problem=_(damaged[k])))
            pixels.append(src.pixels)
            keys.append(src.token)
        shapes = {px.ndim for px in pixels}
        if len(shapes) > 1:
            raise StepFailed("a mosaic cannot mix mono and colour panels")
        try:
            top = render_mosaic(plan, pixels, job.scale, (win.y0, win.y1, win.x0, win.x1),
                                cache=_CACHE, keys=keys)
        except ValueError as exc:
            raise StepFailed(f"mosaic: {exc}") from None
        return top, missing_is_transparent(top, None)

    def composite(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> np.ndarray:
        empty = below.data_ is None  # before crop() makes the zeros
        top, cov = self.render(job, node, below, win)
        out = blend(below.crop(win), top, node["blend"], job.alpha(node, below, win, cov))
        if empty:
            # On the empty canvas, what no panel covers has no data: NaN, so later filters
            # (background extraction, statistics) ignore it instead of seeing black sky.
            gap = np.isnan(top) if top.ndim == 2 else np.isnan(top).all(axis=2)
            out = np.array(out, dtype=np.float32, copy=True)
            out[gap] = np.nan
        return out

    def own_pixels(self, job: "RenderJob", node: dict) -> np.ndarray | None:
        top, _ = self.render(job, node, None, job.full)  # type: ignore[arg-type]  (below unused)
        return np.nan_to_num(top)

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        names = [source_names.get(p["source"], p["source"]) for p in node["panels"]]
        return (f"mosaic of {len(names)} panels ({node['canvas'].get('blend', 'feather')}): "
                + ", ".join(names))


def canvas_header(doc: "Document", scale: float) -> dict[str, Any]:
    """WCS cards of the first visible mosaic layer's canvas for a FITS written bottom-up,
    moved to the render at ``scale``; {} when no mosaic carries a WCS."""
    from editor.astrometry.wcs import wcs_cards
    from editor.io.wcs import array_wcs, for_geometry

    for layer in doc.all_layers():
        if layer.type == "mosaic" and layer.visible and layer.canvas.get("wcs"):
            cards = dict(layer.canvas["wcs"], ROWORDER="TOP-DOWN")
            wcs = array_wcs(cards, doc.height)
            if wcs is None:
                return {}
            header = wcs_cards(wcs)
            shape = (max(1, int(round(doc.height * scale))), max(1, int(round(doc.width * scale))))
            if not doc.geometry.is_identity:
                from editor.render.geometry import export_wcs, output_full

                header = export_wcs(doc.geometry, header, doc.height, (0, 0), scale)
                shape = output_full(doc.geometry, scale).shape
            else:
                header = for_geometry(header, doc.height, shape, scale=scale)
            # FITS's own row order: the streamed FITS export writes rows bottom-up whatever
            # the header says, and a bottom-up WCS is what every reader assumes.
            from editor.io.wcs import with_row_order

            header = with_row_order(header, shape, "BOTTOM-UP")
            return header
    return {}


register(MosaicKind())
