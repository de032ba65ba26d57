"""Rendering a whole document, one layer's mask or its thumbnail: the renderer service.

The document model knows no renderer (see :mod:`editor.core.services`); importing this module
provides :data:`~editor.core.services.RENDERER`, which ``doc.render()``, ``doc.render_mask()``,
``doc.render_layer_thumbnail()`` and ``doc.export_meta()`` call.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from editor.core import services
from editor.errors import DocumentError
from editor.locale import _
from editor.render import buffers
from editor.render.cache import default_cache
from editor.core.render_errors import RenderErrors
from editor.render.comp import Comp
from editor.render.engine import RenderJob, RenderStats
from editor.render.export_meta import export_meta
from editor.render.kinds import kind_of
from editor.render.resample import Window
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.core.document import Document


def render_job(doc: "Document", scale: float, progress: Any, nodes: list[dict] | None,
               errors: RenderErrors | None = None) -> RenderJob:
    """A job rendering ``nodes`` (default: the document's layer tree) at ``scale``; what goes
    wrong with layers is recorded in ``job.errors`` (``errors`` if given)."""
    if not scale > 0:
        raise DocumentError(_("render scale must be > 0, got {scale}").format(scale=scale))
    tree, live, sources = doc.render_inputs()
    return RenderJob(tree=tree if nodes is None else nodes, sources=sources, layers=live,
                     registry=doc.registry, cache=doc.cache, stats=doc._stats,
                     canvas=doc.layer_shape, scale=scale, progress=progress,
                     errors=errors)


@contextmanager
def _reporting(doc: "Document", errors: RenderErrors | None) -> Iterator[RenderErrors]:
    """The record a render fills; applied to the document at the end (even if cancelled,
    as the layers were set during the render before) unless the caller passed its own."""
    record = RenderErrors() if errors is None else errors
    try:
        yield record
    finally:
        if errors is None:
            doc.apply_render_errors(record)


def render(doc: "Document", *, scale: float = 1.0, region: tuple | None = None,
           progress: Any = None, nodes: list[dict] | None = None, copy: bool = True,
           errors: RenderErrors | None = None) -> np.ndarray:
    """What :meth:`Document.render` returns (``nodes``: a snapshot's or truncated tree)."""
    geometry = doc.geometry
    if not geometry.is_identity:  # crop/rotate/flip/resample: editor/render/geometry.py
        from editor.render.geometry import engine_scale, output_full, render_output

        with _reporting(doc, errors) as record:
            job = render_job(doc, engine_scale(geometry, scale), progress, nodes, record)
            doc._stats.add("renders")
            full = output_full(geometry, scale)
            win = full if region is None else region_window(region, scale, full)
            px = render_output(job, geometry, scale, win)
        if progress is not None:
            progress(1.0)
        px.flags.writeable = copy
        return px
    with _reporting(doc, errors) as record:
        job = render_job(doc, scale, progress, nodes, record)
        doc._stats.add("renders")
        win = None if region is None else region_window(region, scale, job.full)
        out = job.render(win)
    if progress is not None:
        progress(1.0)
    if copy:
        data = out.data
        if data.dtype != np.float32:
            return np.array(data, dtype=np.float32, copy=True)
        mine = buffers.empty(data.shape)  # memory a dropped earlier render let go of
        np.copyto(mine, data)
        return mine
    view = out.data.view()
    view.flags.writeable = False  # the empty canvas's zeros are not cached: protect anyway
    return view


def region_window(region: tuple, scale: float, full: Window) -> Window:
    """The scaled-canvas window of ``region`` = (x, y, w, h) in canvas pixels."""
    try:
        x, y, w, h = (float(v) for v in region)
    except (TypeError, ValueError):
        raise DocumentError(_("region must be (x, y, w, h), got {region!r}").format(region=region)) from None
    win = Window(max(0, round(y * scale)), min(full.y1, round((y + h) * scale)),
                 max(0, round(x * scale)), min(full.x1, round((x + w) * scale)))
    if win.y1 <= win.y0 or win.x1 <= win.x0:
        raise DocumentError(_("region {region} is outside the canvas or empty at scale {scale}").format(region=region, scale=scale))
    return win


def _input_of(job: RenderJob, nodes: list[dict], lid: str, below: Comp | None
              ) -> tuple[dict, Comp] | None:
    """The layer record and the full-canvas composite it applies to."""
    win = job.full
    comp = below
    if comp is None:
        comp = job.composite([], win, None)
    for node in nodes:
        if node["id"] == lid:
            return node, comp
        if node["visible"] and node.get("children"):  # a group: its children apply on comp
            found = _input_of(job, node["children"], lid, comp)
            if found is not None:
                return found
        if node["visible"]:
            comp = job.step(node, comp, win)
    return None


def render_mask(doc: "Document", lid: str, scale: float = 1.0) -> np.ndarray:
    """The finished mask of ``lid`` at ``scale``, (H, W) float32 0..1; ones without a mask."""
    doc.layer(lid)
    with _reporting(doc, None) as record:
        job = render_job(doc, scale, None, None, record)
        found = _input_of(job, job.tree, lid, None)
    if found is None:
        raise DocumentError(_("no layer with id {lid!r}").format(lid=lid))
    node, below = found
    h, w = job.full.shape
    if node.get("mask") is None or not node["mask"]["enabled"]:
        return np.ones((h, w), dtype=np.float32)
    try:
        m = job.mask_of(node, below, job.full)
    except StepFailed as exc:
        raise DocumentError(_("mask of {name}: {exc}").format(name=doc.layer(lid).name, exc=exc)) from None
    return np.array(m, dtype=np.float32, copy=True)


def render_thumbnail(doc: "Document", lid: str, size: int = 64, mask: bool = False) -> np.ndarray:
    """uint8 (h, w, 3): the layer's own pixels (or its mask as grey), longest side ``size``."""
    from editor.render.display import display_image

    layer = doc.layer(lid)
    scale = min(1.0, size / max(doc.width, doc.height))
    if mask:
        m = render_mask(doc, lid, scale)
        g = np.clip(m * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(g[:, :, None], 3, axis=2)
    job = render_job(doc, scale, None, None)
    try:
        px = kind_of(layer.type).own_pixels(job, layer.to_dict())
    except StepFailed:  # missing pixels: an empty thumbnail (the layer shows the error)
        px = np.zeros(job.full.shape, dtype=np.float32)
    if px is None:  # a kind without pixels of its own shows the stack up to it
        px = doc.render(scale=scale, upto=lid)
    return display_image(px, stretch="auto")


class DocumentRenderer:
    """The :class:`editor.core.services.Renderer` the document calls."""

    new_stats = staticmethod(RenderStats)
    default_cache = staticmethod(default_cache)
    render = staticmethod(render)
    render_mask = staticmethod(render_mask)
    render_thumbnail = staticmethod(render_thumbnail)
    export_meta = staticmethod(export_meta)


services.provide(services.RENDERER, DocumentRenderer())

__all__ = ["render", "render_job", "render_mask", "render_thumbnail", "region_window",
           "export_meta", "DocumentRenderer"]
