"""The kinds of layer a document stacks, bottom to top.

Layers are plain data: they name their pixels by source id and their operation by registry id,
so they serialise to JSON (:meth:`Layer.to_dict`) and the render engine derives everything
else. Every change goes through :class:`editor.core.document.Document` so it can be undone.
"""

from __future__ import annotations

import copy
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from editor.core.masks import Mask, mask_from_dict
from editor.errors import DocumentError
from editor.locale import _
from filters.blend import BLEND_MODES  # the one list (the renderer implements each of them)

COMBINE_MODES = ("lrgb", "rgb")


def new_id(prefix: str = "L") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass(eq=False)
class Layer:
    """What every layer has: identity, visibility, opacity (0..1), blend mode, optional mask."""

    id: str = field(default_factory=new_id)
    name: str = "Layer"
    visible: bool = True
    opacity: float = 1.0
    blend: str = "normal"
    mask: Mask | None = None

    type = "layer"
    # Runtime state (not saved, not undoable): the last render problem of this layer.
    error: str | None = None

    def set_prop(self, name: str, value: Any) -> None:
        """Set a user property, validated; raises DocumentError with the reason."""
        if name == "name":
            self.name = str(value)
        elif name == "visible":
            self.visible = bool(value)
        elif name == "opacity":
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise DocumentError(_("opacity: {value!r} is not a number").format(value=value)) from None
            if not 0.0 <= v <= 1.0:
                raise DocumentError(_("opacity {v} is outside 0..1").format(v=v))
            self.opacity = v
        elif name == "blend":
            if value not in BLEND_MODES:
                raise DocumentError(_("unknown blend mode {value!r} (one of {text})").format(value=value, text=', '.join(BLEND_MODES)))
            self.blend = str(value)
        else:
            raise DocumentError(_("{type} layers have no property {name!r}").format(type=self.type, name=name))

    def get_prop(self, name: str) -> Any:
        return copy.deepcopy(getattr(self, name))

    def common_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "name": self.name, "visible": self.visible,
                "opacity": self.opacity, "blend": self.blend,
                "mask": None if self.mask is None else self.mask.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        return self.common_dict()

    def clone(self, new_ids: bool = True) -> "Layer":
        """A deep copy (for duplicate), with fresh ids when asked."""
        twin = layer_from_dict(self.to_dict())
        if new_ids:
            _renumber(twin)
        return twin


@dataclass(eq=False)
class ImageLayer(Layer):
    """Pixels of a source placed at ``offset`` = (y, x) canvas pixels, sub-pixel (panels)."""

    source_id: str = ""
    offset: tuple[float, float] = (0.0, 0.0)

    type = "image"

    def set_prop(self, name: str, value: Any) -> None:
        if name == "offset":
            try:
                y, x = (float(v) for v in value)
                if not (math.isfinite(y) and math.isfinite(x)):
                    raise ValueError
                # Whole numbers stay ints in the JSON; fractions are kept (resampled at render).
                self.offset = tuple(int(v) if v == int(v) else v for v in (y, x))  # type: ignore[assignment]
            except (TypeError, ValueError):
                raise DocumentError(_("offset must be (y, x), got {value!r}").format(value=value)) from None
        else:
            super().set_prop(name, value)

    def to_dict(self) -> dict[str, Any]:
        return {**self.common_dict(), "source": self.source_id, "offset": list(self.offset)}


@dataclass(eq=False)
class AdjustmentLayer(Layer):
    """A registered operation applied to the composite below it (through its mask).

    ``unavailable`` is True when the operation's plugin is not installed: the layer then
    renders as pass-through and keeps its parameters untouched so nothing is lost.
    """

    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    kind_version: int = 1
    plugin_id: str = "builtin"
    plugin_version: str = ""
    unavailable: bool = False

    type = "adjustment"

    def to_dict(self) -> dict[str, Any]:
        return {**self.common_dict(), "kind": self.kind, "params": copy.deepcopy(self.params),
                "kind_version": self.kind_version, "plugin_id": self.plugin_id,
                "plugin_version": self.plugin_version}


@dataclass(eq=False)
class ChannelCombineLayer(Layer):
    """Colour built from mono frames: ``mode="rgb"`` (R, G, B) or ``"lrgb"`` (L + R, G, B or
    L + an RGB source). ``channels`` maps a channel name to a source id; ``offsets`` maps a
    channel to its (dy, dx) sub-pixel alignment shift, kept editable."""

    channels: dict[str, str] = field(default_factory=dict)
    offsets: dict[str, tuple[float, float]] = field(default_factory=dict)
    mode: str = "lrgb"
    params: dict[str, Any] = field(default_factory=dict)

    type = "channel_combine"

    def set_prop(self, name: str, value: Any) -> None:
        if name == "offsets":
            try:
                self.offsets = {str(k): (float(v[0]), float(v[1])) for k, v in dict(value).items()}
            except (TypeError, ValueError, IndexError):
                raise DocumentError(_("offsets must map channel -> (dy, dx), got {value!r}").format(value=value)) from None
            unknown = set(self.offsets) - set(self.channels)
            if unknown:
                raise DocumentError(_("offsets for unknown channel(s) {text}").format(text=', '.join(sorted(unknown))))
        elif name == "mode":
            if value not in COMBINE_MODES:
                raise DocumentError(_("unknown combine mode {value!r}").format(value=value))
            self.mode = str(value)
        else:
            super().set_prop(name, value)

    def to_dict(self) -> dict[str, Any]:
        return {**self.common_dict(), "channels": dict(self.channels),
                "offsets": {k: [float(v[0]), float(v[1])] for k, v in self.offsets.items()},
                "mode": self.mode, "params": copy.deepcopy(self.params)}


@dataclass(eq=False)
class GroupLayer(Layer):
    """Layers applied together; the group's opacity, blend and mask act on their joint result
    (the children see the composite below the group, Photoshop's pass-through)."""

    children: list[Layer] = field(default_factory=list)

    type = "group"

    def to_dict(self) -> dict[str, Any]:
        return {**self.common_dict(), "children": [c.to_dict() for c in self.children]}


@dataclass(eq=False)
class MosaicLayer(Layer):
    """Panels (sources) blended into one picture; every number editable (see
    :mod:`editor.core.mosaic_layer` for the records, editor.mosaic for fitting and rendering)."""

    panels: list[dict[str, Any]] = field(default_factory=list)
    canvas: dict[str, Any] = field(default_factory=lambda: {"shape": [1, 1]})

    type = "mosaic"

    def set_prop(self, name: str, value: Any) -> None:
        from editor.core.mosaic_layer import check_canvas, check_panel

        if name == "panels":
            if not isinstance(value, (list, tuple)) or not value:
                raise DocumentError(_("a mosaic needs at least one panel"))
            self.panels = [check_panel(p, k) for k, p in enumerate(value)]
        elif name == "canvas":
            self.canvas = check_canvas(value, len(self.panels))
        else:
            super().set_prop(name, value)

    def to_dict(self) -> dict[str, Any]:
        return {**self.common_dict(), "panels": copy.deepcopy(self.panels),
                "canvas": copy.deepcopy(self.canvas)}


_TYPES: dict[str, type[Layer]] = {
    "image": ImageLayer, "adjustment": AdjustmentLayer,
    "channel_combine": ChannelCombineLayer, "group": GroupLayer, "mosaic": MosaicLayer,
}


def layer_from_dict(d: dict[str, Any]) -> Layer:
    """Rebuild a layer tree from :meth:`Layer.to_dict` output; DocumentError on bad data."""
    try:
        cls = _TYPES[d["type"]]
        layer = cls(id=str(d["id"]), name=str(d.get("name", "Layer")))
        layer.set_prop("visible", d.get("visible", True))
        layer.set_prop("opacity", d.get("opacity", 1.0))
        layer.set_prop("blend", d.get("blend", "normal"))
        layer.mask = None if d.get("mask") is None else mask_from_dict(d["mask"])
        if isinstance(layer, ImageLayer):
            layer.source_id = str(d["source"])
            layer.set_prop("offset", d.get("offset", (0, 0)))
        elif isinstance(layer, AdjustmentLayer):
            layer.kind = str(d["kind"])
            layer.params = copy.deepcopy(dict(d.get("params") or {}))
            layer.kind_version = int(d.get("kind_version", 1))
            layer.plugin_id = str(d.get("plugin_id", "builtin"))
            layer.plugin_version = str(d.get("plugin_version", ""))
        elif isinstance(layer, ChannelCombineLayer):
            layer.channels = {str(k): str(v) for k, v in dict(d["channels"]).items()}
            layer.set_prop("mode", d.get("mode", "lrgb"))
            layer.set_prop("offsets", d.get("offsets", {}))
            layer.params = copy.deepcopy(dict(d.get("params") or {}))
        elif isinstance(layer, GroupLayer):
            layer.children = [layer_from_dict(c) for c in d.get("children", [])]
        elif isinstance(layer, MosaicLayer):
            layer.set_prop("panels", d["panels"])
            layer.set_prop("canvas", d["canvas"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocumentError(_("bad layer record: {exc!r}").format(exc=exc)) from None
    return layer


def _renumber(layer: Layer) -> None:
    layer.id = new_id()
    if isinstance(layer, GroupLayer):
        for c in layer.children:
            _renumber(c)


def walk(layers: list[Layer]):
    """Every layer of a tree, depth first, bottom to top."""
    for layer in layers:
        yield layer
        if isinstance(layer, GroupLayer):
            yield from walk(layer.children)
