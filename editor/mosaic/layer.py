"""Adding a fitted mosaic to a document as one mosaic layer (undoable)."""

from __future__ import annotations

from typing import Any

from editor.core.layers import MosaicLayer
from editor.errors import DocumentError
from editor.locale import _


def add_mosaic_layer(doc: Any, images: list[Any], plan: dict[str, Any], names: list[str] | None = None,
                     name: str | None = None, index: int | None = None) -> str:
    """Add a mosaic layer whose panels are ``images`` (paths, arrays or Images) with the
    fitted ``plan`` (:meth:`editor.mosaic.plan.MosaicPlan.to_dict`); returns its id."""
    if len(images) != len(plan["panels"]):
        raise DocumentError(_("{n} images for {n2} mosaic panels").format(n=len(images), n2=len(plan['panels'])))
    panels = []
    for k, (img, p) in enumerate(zip(images, plan["panels"])):
        src = doc._source_for(img, (names or [None] * len(images))[k])
        panels.append(dict(p, source=src.id))
    name = name or _("Mosaic")
    layer = MosaicLayer(name=name)
    layer.set_prop("panels", panels)
    layer.set_prop("canvas", {k: v for k, v in plan.items() if k != "panels"})
    return doc._insert(layer, index, _("Add {name}").format(name=name))
