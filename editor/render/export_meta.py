"""What an exported render says about itself: the base image's header plus HISTORY lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from editor.core.layers import ImageLayer
from editor.io.image import ImageMeta
from editor.render.kinds import kind_of
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.core.document import Document


def history_lines(doc: "Document") -> list[str]:
    """One HISTORY line per visible layer, bottom to top (what was done to the pixels)."""
    lines = ["Nebulayer layered edit, bottom to top:"]
    names = {sid: src.name for sid, src in doc.sources.items()}

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
            node = layer.to_dict()
            try:
                what = kind_of(layer.type).describe(node, names)
            except StepFailed:
                what = layer.type
            lines.append(f"{pad}{layer.name}: {what}{extra}")
            describe(getattr(layer, "children", []), depth + 1)

    describe(doc.layers, 1)
    return lines


def export_meta(doc: "Document") -> ImageMeta:
    """The base image's FITS header and EXIF (minus cards about its stored bytes), with one
    HISTORY line per visible layer appended."""
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
