"""Finding layers in the (nested) stack and capturing/restoring its structure for undo."""

from __future__ import annotations

from typing import Any

from editor.core.layers import GroupLayer, Layer
from editor.errors import DocumentError
from editor.locale import tr

# A structure snapshot: [(layer, substructure-or-None), ...]; the layer objects are shared,
# only the lists are captured, so restoring it undoes inserts, removals, moves and grouping.
Structure = list[tuple[Layer, Any]]


def capture(layers: list[Layer]) -> Structure:
    return [(l, capture(l.children) if isinstance(l, GroupLayer) else None) for l in layers]


def restore(target: list[Layer], structure: Structure) -> None:
    target[:] = [l for l, _ in structure]
    for layer, sub in structure:
        if isinstance(layer, GroupLayer) and sub is not None:
            restore(layer.children, sub)


def locate(layers: list[Layer], lid: str) -> tuple[list[Layer], int, Layer]:
    """(the list holding the layer, its index, the layer); DocumentError if unknown."""
    for i, layer in enumerate(layers):
        if layer.id == lid:
            return layers, i, layer
        if isinstance(layer, GroupLayer):
            try:
                return locate(layer.children, lid)
            except DocumentError:
                pass
    raise DocumentError(tr("no layer with id {lid!r}").format(lid=lid))


def truncate(nodes: list[dict], lid: str) -> list[dict] | None:
    """The layer-dict tree composited up to and including ``lid`` (None if not in it)."""
    for i, node in enumerate(nodes):
        if node["id"] == lid:
            return nodes[: i + 1]
        if node["type"] == "group":
            inner = truncate(node["children"], lid)
            if inner is not None:
                return nodes[:i] + [{**node, "children": inner}]
    return None


def referenced_sources(nodes: list[dict]) -> set[str]:
    """Source ids a layer-dict tree uses (pixels, channels, raster masks, mask inputs)."""
    out: set[str] = set()
    for node in nodes:
        if node.get("source"):
            out.add(node["source"])
        out.update((node.get("channels") or {}).values())
        out.update(p["source"] for p in node.get("panels") or () if p.get("source"))
        m = node.get("mask")
        if m:
            if m.get("type") == "raster":
                out.add(m["source"])
            elif m.get("input") not in (None, "below"):
                out.add(m["input"])
        if node.get("type") == "group":
            out |= referenced_sources(node["children"])
    return out
