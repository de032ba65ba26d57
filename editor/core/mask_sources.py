"""Which layers a layer may use as its mask (:class:`~editor.core.masks.LayerMask`).

A layer's mask from layer ``S`` reads the composite of the stack up to and including ``S``.
That composite must not contain the masked layer ``L`` itself, or rendering ``L`` would need
``L``: so ``S`` must come before ``L`` bottom-to-top (depth first, a group's children before
the group) and must not be a group holding ``L``. Every layer mask then points strictly
down the stack, so chains of layer masks can never loop.
"""

from __future__ import annotations

from typing import Any

from editor.errors import DocumentError
from editor.locale import _


def stack_order(nodes: list[Any]) -> tuple[dict[str, int], dict[str, set[str]]]:
    """(render position of every layer id, ancestors (group ids) of every layer id) of a
    tree of Layer objects or plain dicts; a group's position comes after its children."""
    order: dict[str, int] = {}
    ancestors: dict[str, set[str]] = {}

    def visit(items: list[Any], above: set[str]) -> None:
        for item in items:
            lid, children = _id_children(item)
            ancestors[lid] = set(above)
            if children is not None:
                visit(children, above | {lid})
            order[lid] = len(order)

    visit(nodes, set())
    return order, ancestors


def _id_children(item: Any) -> tuple[str, list | None]:
    if isinstance(item, dict):
        return item["id"], item.get("children") if item.get("type") == "group" else None
    return item.id, getattr(item, "children", None)


def layer_mask_problem(nodes: list[Any], layer_id: str, source_id: str) -> str | None:
    """Why ``source_id`` cannot be the mask of ``layer_id`` (None when it can)."""
    order, ancestors = stack_order(nodes)
    if source_id not in order:
        return _("the mask layer {source_id!r} does not exist").format(source_id=source_id)
    if source_id == layer_id:
        return _("a layer cannot be its own mask")
    if source_id in ancestors.get(layer_id, set()):
        return _("a group holding the layer cannot be its mask")
    if order[source_id] > order.get(layer_id, -1):
        return _("the mask layer must be below the masked layer (it would depend on it)")
    return None


def check_layer_mask(nodes: list[Any], layer_id: str, source_id: str) -> None:
    """DocumentError when ``source_id`` cannot be the mask of ``layer_id``."""
    problem = layer_mask_problem(nodes, layer_id, source_id)
    if problem is not None:
        raise DocumentError(problem)
