"""Merge Down (Photoshop's Ctrl+E), non-destructively.

The selected layer and the one just below it (siblings in the same list) are rendered
together at full resolution in the layer frame into a new image source; one new image layer
named after the lower one replaces both, as one undo step. The old layers and their sources
are untouched, so undo brings them back exactly. An adjustment merged onto an image is thus
"baked" as in Photoshop, but the originals stay recoverable.

As in Photoshop, the layer below must have pixels of its own (an image, channel-combine or
mosaic layer) and be visible: an adjustment layer or a group below shows the composite under
it, so rendering the pair alone (from an empty canvas) would make a picture the document never
showed; :func:`merge_down_problem` says why, and the menu item is disabled then. The pair is
rendered with the lower layer at full opacity, normal blend and no mask, and the merged layer
takes the lower layer's opacity, blend mode and mask (Photoshop keeps the lower layer's), so
an adjustment only changes the lower layer's pixels and what lies below shows as before.

Lives in editor.render because it renders; the document model (editor.core) has no renderer.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core import tree
from editor.core.layers import ImageLayer
from editor.errors import DocumentError
from editor.io.image import Image, ImageMeta
from editor.locale import tr

if TYPE_CHECKING:
    from editor.core.document import Document


def below_of(doc: "Document", layer_id: str) -> str:
    """The id of the sibling just below ``layer_id``; DocumentError when there is none."""
    parent = doc.parent_of(layer_id)
    layers = doc.layers if parent is None else parent.children
    ids = [l.id for l in layers]
    if layer_id not in ids or ids.index(layer_id) == 0:
        raise DocumentError(tr("there is no layer below the selected one to merge into"))
    return ids[ids.index(layer_id) - 1]


#: Layer types with pixels of their own (they do not show the composite below them).
PIXEL_LAYERS = ("image", "channel_combine", "mosaic")


def merge_down_problem(doc: "Document", layer_id: str) -> str | None:
    """Why ``layer_id`` cannot be merged down (one line), or None when it can."""
    try:
        lower = doc.layer(below_of(doc, layer_id))
    except DocumentError as exc:
        return str(exc)
    if lower.type not in PIXEL_LAYERS:
        return tr("the layer below ({name}) has no pixels of its own (an adjustment layer or a "
                  "group): Merge Down needs an image layer below").format(name=lower.name)
    if not lower.visible:
        return tr("the layer below ({name}) is hidden").format(name=lower.name)
    from editor.io.budget import require_in_memory
    from editor.render.budget_plan import whole_render_bytes

    try:  # a whole-canvas render and the merged pixels, held at once
        require_in_memory(whole_render_bytes(doc) + doc.width * doc.height * 3 * 4,
                          tr("Merge Down"))
    except DocumentError as exc:
        return str(exc)
    return None


def merge_down(doc: "Document", layer_id: str, progress: Any = None) -> str:
    """Merge ``layer_id`` into the layer below; returns the new image layer's id."""
    from editor.render.document_render import render_job

    problem = merge_down_problem(doc, layer_id)
    if problem is not None:
        raise DocumentError(problem)
    lower_id = below_of(doc, layer_id)
    lower = doc.layer(lower_id)
    # the lower layer's own pixels, whole: its opacity, blend and mask go to the merged layer
    base = {**lower.to_dict(), "opacity": 1.0, "blend": "normal", "mask": None}
    nodes = [base, doc.layer(layer_id).to_dict()]
    job = render_job(doc, 1.0, progress, nodes)
    pixels = np.array(job.render(None).data, dtype=np.float32, copy=True)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    # the lower image's header (WCS, FILTER...) stays with the merged pixels (same frame)
    header = dict(doc.sources[lower.source_id].meta.header) if isinstance(lower, ImageLayer) else {}
    src = doc._add_source(Image(pixels, ImageMeta(format="array", header=header)), lower.name)
    merged = ImageLayer(name=lower.name, source_id=src.id, opacity=lower.opacity,
                        blend=lower.blend, mask=copy.deepcopy(lower.mask))

    def mutate(layers: list) -> None:
        lst, i, _ = tree.locate(layers, lower_id)
        lst.pop(i)                       # the lower layer ...
        lst2, j, _ = tree.locate(layers, layer_id)
        lst2[j] = merged                 # ... and the upper one becomes the merged layer

    doc._restructure(tr("Merge Down"), mutate, nbytes=int(pixels.nbytes))
    return merged.id
