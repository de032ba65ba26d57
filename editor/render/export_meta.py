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
    if not doc.geometry.is_identity:  # crop/rotate/flip/resample, applied after the layers
        lines.append("Nebulayer canvas geometry, in order:")
        lines.extend("  " + line for line in doc.geometry.describe())
    return lines


def export_meta(doc: "Document", scale: float = 1.0) -> ImageMeta:
    """The base image's FITS header and EXIF (minus cards about its stored bytes), with one
    HISTORY line per visible layer appended; its WCS moved to where the base image lies on
    the canvas rendered at ``scale`` (editor/io/wcs.py), BUNIT dropped after a tone curve."""
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
        header = _placed_wcs(doc, base, header, scale)
    else:  # a mosaic layer's canvas has its own sky frame
        from editor.render.kinds.mosaic import canvas_header

        header = canvas_header(doc, scale)
    curve = _first_tone_curve(doc)
    if curve is not None:
        from editor.io.wcs import drop_bunit

        header = drop_bunit(header, f"the values were stretched by the '{curve}' layer")
    history = list(header.get("HISTORY", []))
    history.extend(history_lines(doc))
    header["HISTORY"] = history
    header = bounded_header(header)
    return ImageMeta(path=doc.path or "", format="render", original_dtype="float32",
                     header=header, exif=exif, notes=["rendered by Nebulayer"])


def _placed_wcs(doc: "Document", base: Any, header: dict[str, Any], scale: float) -> dict[str, Any]:
    """The header with its WCS for the canvas: the base image sits at its layer's offset,
    and a render at ``scale`` has round(H*s) x round(W*s) pixels (editor/render/resample.py)."""
    if "CTYPE1" not in header:
        return header
    from editor.io.wcs import for_geometry

    offset = (0, 0)
    for layer in doc.all_layers():
        if isinstance(layer, ImageLayer) and doc.sources.get(layer.source_id) is base:
            offset = tuple(layer.offset)
            break
    if not doc.geometry.is_identity:  # crop/rotate/flip/resample of the document
        from editor.render.geometry import export_wcs

        return export_wcs(doc.geometry, header, base.height, offset, scale)
    shape = (max(1, int(round(doc.height * scale))), max(1, int(round(doc.width * scale))))
    return for_geometry(header, base.height, shape, offset=offset, scale=scale)


def _first_tone_curve(doc: "Document") -> str | None:
    """Name of the first visible layer whose operation is non-linear (filters' specs say)."""
    for layer in doc.all_layers():
        kind = getattr(layer, "kind", None)
        if not layer.visible or not kind or getattr(layer, "unavailable", False):
            continue
        try:
            spec = doc.registry.get(kind)
        except Exception:  # noqa: BLE001 - no registry: nothing is known to be non-linear
            return None
        if spec is not None and getattr(spec, "nonlinear", False):
            return layer.name
    return None


# Cards describing the stored bytes of the source, not the picture: wrong for the render.
_STRUCTURAL = {"SIMPLE", "BITPIX", "EXTEND", "BZERO", "BSCALE", "BLANK", "DATAMIN", "DATAMAX",
               "CHECKSUM", "DATASUM", "PCOUNT", "GCOUNT", "XTENSION", "END"}


def _structural(key: str) -> bool:
    return key in _STRUCTURAL or (key.startswith("NAXIS") and key[5:].isdigit() or key == "NAXIS")


# What an export's header may hold. Values come from files (a source's header, a project's
# layer parameters): a 1.3 MB parameter list once made building a TIFF header take minutes.
MAX_HEADER_TEXT = 2000  # characters of one value or HISTORY line (about 30 FITS cards)
MAX_HEADER_LINES = 2000  # HISTORY / COMMENT lines kept (the newest: they describe this edit)


def bounded_header(header: dict[str, Any]) -> dict[str, Any]:
    """``header`` with long texts cut (marked with "...") and long card lists shortened."""
    def clip(v: Any) -> Any:
        return v if not isinstance(v, str) or len(v) <= MAX_HEADER_TEXT else v[:MAX_HEADER_TEXT - 3] + "..."

    out: dict[str, Any] = {}
    for key, value in header.items():
        if isinstance(value, list):
            kept = value[-MAX_HEADER_LINES:]
            if len(value) > MAX_HEADER_LINES:
                kept[0] = f"({len(value) - MAX_HEADER_LINES + 1} older lines left out)"
            out[key] = [clip(v) for v in kept]
        else:
            out[key] = clip(value)
    return out
