"""Per-layer views of a document: a layer's mask, its thumbnail, export metadata."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.layers import AdjustmentLayer, ChannelCombineLayer, GroupLayer, ImageLayer
from editor.errors import DocumentError
from editor.io.image import ImageMeta
from editor.render.engine import Comp, RenderJob
from editor.render.resample import place_source

if TYPE_CHECKING:
    from editor.core.document import Document


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
        if node["type"] == "group" and node["visible"]:
            found = _input_of(job, node["children"], lid, comp)
            if found is not None:
                return found
        if node["visible"]:
            comp = job.step(node, comp, win)
    return None


def render_mask(doc: "Document", lid: str, scale: float = 1.0) -> np.ndarray:
    """The finished mask of ``lid`` at ``scale``, (H, W) float32 0..1; ones without a mask."""
    doc.layer(lid)
    job = doc._job(scale, None, None)
    found = _input_of(job, job.tree, lid, None)
    if found is None:
        raise DocumentError(f"no layer with id {lid!r}")
    node, below = found
    h, w = job.full.shape
    if node.get("mask") is None or not node["mask"]["enabled"]:
        return np.ones((h, w), dtype=np.float32)
    from editor.render.steps import StepFailed

    try:
        m = job.mask_of(node, below, job.full)
    except StepFailed as exc:
        raise DocumentError(f"mask of {doc.layer(lid).name}: {exc}") from None
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
    job = doc._job(scale, None, None)
    if isinstance(layer, ImageLayer):
        px, _ = place_source(doc.sources[layer.source_id], scale, job.full, layer.offset,
                             (doc.height, doc.width))
    elif isinstance(layer, ChannelCombineLayer):
        from editor.render.steps import StepFailed

        try:
            px = job._combine(layer.to_dict(), job.full)
        except StepFailed:
            px = np.zeros(job.full.shape, dtype=np.float32)
    else:
        px = doc.render(scale=scale, upto=lid)
    return display_image(px, stretch="auto")


def history_lines(doc: "Document") -> list[str]:
    """One HISTORY line per visible layer, bottom to top (what was done to the pixels)."""
    lines = ["Nebulayer layered edit, bottom to top:"]

    def describe(layers: list, depth: int) -> None:
        for layer in layers:
            if not layer.visible:
                continue
            pad = "  " * depth
            extra = ""
            if layer.opacity != 1.0 or layer.blend != "normal":
                extra = f" blend={layer.blend} opacity={layer.opacity:g}"
            if layer.mask is not None and layer.mask.enabled:
                extra += " masked" if not hasattr(layer.mask, "kind") else f" mask={layer.mask.kind}"
            if isinstance(layer, ImageLayer):
                src = doc.sources.get(layer.source_id)
                what = f"image {src.name if src else layer.source_id}"
            elif isinstance(layer, AdjustmentLayer):
                what = f"{layer.kind} v{layer.kind_version} " + json.dumps(layer.params, separators=(",", ":"))
            elif isinstance(layer, ChannelCombineLayer):
                names = {c: doc.sources[s].name if s in doc.sources else s for c, s in layer.channels.items()}
                what = f"{layer.mode} merge " + json.dumps(names, separators=(",", ":"))
            elif isinstance(layer, GroupLayer):
                what = "group"
            else:
                what = layer.type
            lines.append(f"{pad}{layer.name}: {what}{extra}")
            if isinstance(layer, GroupLayer):
                describe(layer.children, depth + 1)

    describe(doc.layers, 1)
    return lines


def export_meta(doc: "Document") -> ImageMeta:
    base = doc.sources.get(doc.meta.get("base_source", ""))
    if base is None:
        for layer in doc.all_layers():
            if isinstance(layer, ImageLayer) and layer.source_id in doc.sources:
                base = doc.sources[layer.source_id]
                break
    header: dict[str, Any] = {}
    exif: dict[str, Any] = {}
    if base is not None:
        header = {k: (list(v) if isinstance(v, list) else v) for k, v in base.meta.header.items()
                  if not _structural(k)}
        exif = dict(base.meta.exif)
    history = list(header.get("HISTORY", []))
    history.extend(history_lines(doc))
    header["HISTORY"] = history
    return ImageMeta(path=doc.path or "", format="render", original_dtype="float32",
                     header=header, exif=exif, notes=["rendered by Nebulayer"])


# Cards describing the stored bytes of the source, not the picture: wrong for the render.
_STRUCTURAL = {"SIMPLE", "BITPIX", "EXTEND", "BZERO", "BSCALE", "BLANK", "DATAMIN", "DATAMAX",
               "CHECKSUM", "DATASUM", "PCOUNT", "GCOUNT", "XTENSION", "END"}


def _structural(key: str) -> bool:
    return key in _STRUCTURAL or (key.startswith("NAXIS") and key[5:].isdigit() or key == "NAXIS")
