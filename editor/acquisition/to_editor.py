"""Handing a captured frame or a live stack to the editor: pixels, metadata and a name, then a
new document or a layer of the open one.

No Qt here: the Acquisition tab emits the (pixels, meta, name) these functions make, and the
main window only asks the user whether to add it as a layer (:func:`fits_as_layer` says when
that question makes sense).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from editor.acquisition.camera import RawFrame
from editor.acquisition.colour_frames import mosaic_pattern
from editor.acquisition.live_stack import normalise
from editor.io.image import Image, ImageMeta

# FITS structure cards of the driver's file: the editor's export writes its own
_STRUCTURE_CARDS = ("SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND",
                    "BZERO", "BSCALE", "COMMENT", "HISTORY", "")

Payload = tuple[np.ndarray, Any, str]  # (pixels, ImageMeta or a dict of FITS cards, name)


def frame_for_editor(frame: RawFrame) -> tuple[np.ndarray, ImageMeta, str]:
    """(float32 pixels 0..1, ImageMeta with the frame's FITS cards, name) of a captured frame."""
    cards = {"INSTRUME": frame.camera, "EXPTIME": frame.settings.exposure,
             "IMAGETYP": frame.settings.frame_type}
    cards.update({k: frame.driver_header[k] for k in frame.driver_header
                  if k not in _STRUCTURE_CARDS})
    path = frame.extra.get("path")
    name = Path(path).stem if path else f"{frame.camera} {frame.settings.exposure:g} s"
    data = normalise(frame.data)
    data.flags.writeable = False
    meta = ImageMeta(path=str(path or ""), format="FITS" if path else "array",
                     original_dtype=str(frame.data.dtype), header=cards,
                     bayer_pattern=mosaic_pattern(cards, data.shape[0]) if data.ndim == 2 else None)
    return data, meta, name


def stack_for_editor(snapshot: tuple[np.ndarray, dict, str]) -> tuple[np.ndarray, ImageMeta, str]:
    """(pixels, ImageMeta with the stack's FITS cards, name) of a live-stack snapshot.

    A colour stack is (H, W, 3) with no BAYERPAT; its HISTORY card (how it was debayered)
    also becomes a note, so exports record it."""
    image, cards, name = snapshot
    notes = [str(cards["HISTORY"]).removeprefix("Nebulayer: ")] if "HISTORY" in cards else []
    return image, ImageMeta(format="array", original_dtype="float32", header=dict(cards),
                            notes=notes), name


def payload_image(payload: Payload) -> tuple[Image, str]:
    """The editor's Image and the layer name of a (pixels, meta, name) payload; a plain dict
    of FITS cards is accepted as the metadata."""
    array, meta, name = payload
    if not isinstance(meta, ImageMeta):
        meta = ImageMeta(format="array", header=dict(meta or {}))
    return Image(array, meta), name


def fits_as_layer(doc: Any, image: Image) -> bool:
    """Whether ``image`` can become a layer of ``doc``: a document is open and has its size."""
    return doc is not None and (doc.width, doc.height) == (image.width, image.height)


def document_for(image: Image, name: str) -> Any:
    """A new document holding ``image`` as its one layer, named ``name``."""
    from editor.core.document import Document

    doc = Document.new(image.width, image.height)
    doc.add_image(image, name=name)
    return doc
