"""A saved layer stack applied to other images: ``nebulayer apply RECIPE.nebula IMG...``.

The recipe is a project's layers above its base image (the image it was opened from):
adjustments with their masks (generated masks recompute on each image). Layers that carry
pixels of the recipe's own project (other images, painted masks, channel merges) cannot be
moved to another image: the recipe is refused with one line naming them. Spatial parameters
stay in pixels, as in Photoshop actions; apply a recipe to images of a similar scale.
"""

from __future__ import annotations

from typing import Any

from editor.errors import DocumentError
from editor.locale import _


def recipe_layers(path: str, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The recipe's layer records (plain data, sent to workers as is). Its crop/rotate/flip/
    resample are in its own image's pixels and are not applied: said in ``notes``."""
    from editor.core.document import Document
    from editor.core.tree import referenced_sources
    from editor.render.cache import RenderCache

    doc = Document.load(path, cache=RenderCache(0))
    base = doc.meta.get("base_source")
    if notes is not None and not doc.geometry.is_identity:
        notes.append(f"{path}: its geometry ({'; '.join(doc.geometry.describe())}) is not applied: "
                     f"a recipe holds layers only")
    out = []
    for layer in doc.layers:
        rec = layer.to_dict()
        if rec.get("type") == "image" and rec.get("source") == base:
            continue
        own = referenced_sources([rec])
        if own:
            raise DocumentError(_("{path}: layer '{name}' uses pixels of the recipe's own "
                                "project; a recipe can only hold adjustments and generated masks").format(path=path, name=layer.name))
        out.append(rec)
    if not out:
        raise DocumentError(_("{path}: no layers above its image to apply").format(path=path))
    return out


def apply_recipe(recipe: list[dict[str, Any]], image: str) -> Any:
    """A document: ``image`` with the recipe's layers on top."""
    from editor.core.document import Document
    from editor.core.layers import layer_from_dict
    from editor.render.cache import RenderCache

    doc = Document.from_image(image, cache=RenderCache(0))
    doc.layers.extend(layer_from_dict(dict(rec)) for rec in recipe)
    doc.path = None
    return doc
