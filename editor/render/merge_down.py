"""Merge Down (Photoshop's Ctrl+E), non-destructively.

The selected layer and the one just below it (siblings in the same list) are rendered
together, from an empty canvas, at full resolution in the layer frame, into a new image
source; one new image layer named after the lower one replaces both, as one undo step. The
old layers and their sources are untouched, so undo brings them back exactly. An adjustment
merged onto an image is thus "baked" as in Photoshop, but the originals stay recoverable.

Lives in editor.render because it renders; the document model (editor.core) has no renderer.
"""

from __future__ import annotations

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


def merge_down(doc: "Document", layer_id: str, progress: Any = None) -> str:
    """Merge ``layer_id`` into the layer below; returns the new image layer's id."""
    from editor.render.document_render import render_job

    lower_id = below_of(doc, layer_id)
    lower = doc.layer(lower_id)
    nodes = [doc.layer(lower_id).to_dict(), doc.layer(layer_id).to_dict()]
    job = render_job(doc, 1.0, progress, nodes)
    pixels = np.array(job.render(None).data, dtype=np.float32, copy=True)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    # the lower image's header (WCS, FILTER...) stays with the merged pixels (same frame)
    header = dict(doc.sources[lower.source_id].meta.header) if isinstance(lower, ImageLayer) else {}
    src = doc._add_source(Image(pixels, ImageMeta(format="array", header=header)), lower.name)
    merged = ImageLayer(name=lower.name, source_id=src.id)

    def mutate(layers: list) -> None:
        lst, i, _ = tree.locate(layers, lower_id)
        lst.pop(i)                       # the lower layer ...
        lst2, j, _ = tree.locate(layers, layer_id)
        lst2[j] = merged                 # ... and the upper one becomes the merged layer

    doc._restructure(tr("Merge Down"), mutate, nbytes=int(pixels.nbytes))
    return merged.id
