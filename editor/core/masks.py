"""Layer masks: a painted/imported raster, or one generated from a recipe (star mask...).

A mask is a single-channel (H, W) float32 weight 0..1 in canvas coordinates that limits where
a layer acts. Every mask has the same finishing controls, applied in this order::

    levels (black, midtone, white) -> feather (Gaussian, px) -> invert -> density

``midtone`` is a PixInsight-style midtones balance (0.5 = unchanged, lower brightens).
``density`` 1 keeps the mask as is, 0 makes it fully open (as in Photoshop's Properties).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from editor.errors import DocumentError
from editor.locale import _

MASK_PROPS = ("enabled", "invert", "density", "feather", "black", "midtone", "white")


@dataclass(eq=False)
class Mask:
    """Common controls of every mask kind."""

    enabled: bool = True
    invert: bool = False
    density: float = 1.0
    feather: float = 0.0  # Gaussian sigma in full-resolution pixels (scaled in previews)
    black: float = 0.0
    midtone: float = 0.5
    white: float = 1.0

    def set_prop(self, name: str, value: Any) -> None:
        """Set one finishing control, validated; raises DocumentError naming the problem."""
        if name == "enabled" or name == "invert":
            setattr(self, name, bool(value))
            return
        if name not in ("density", "feather", "black", "midtone", "white"):
            raise DocumentError(_("masks have no property {name!r}").format(name=name))
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DocumentError(_("mask {name}: {value!r} is not a number").format(name=name, value=value)) from None
        if v != v:
            raise DocumentError(_("mask {name}: NaN is not allowed").format(name=name))
        limits = {"density": (0.0, 1.0), "feather": (0.0, 10000.0), "black": (0.0, 1.0),
                  "midtone": (0.0001, 0.9999), "white": (0.0, 1.0)}[name]
        if not limits[0] <= v <= limits[1]:
            raise DocumentError(_("mask {name}: {v} is outside {limits}..{limits2}").format(name=name, v=v, limits=limits[0], limits2=limits[1]))
        setattr(self, name, v)

    def props(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in MASK_PROPS}

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def clone(self) -> "Mask":
        return copy.deepcopy(self)


@dataclass(eq=False)
class RasterMask(Mask):
    """A painted or imported mask; its pixels are an immutable document source (H, W)."""

    source_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": "raster", "source": self.source_id, **self.props()}


@dataclass(eq=False)
class GeneratedMask(Mask):
    """A mask computed by a registered "mask" operation from the composite below the layer
    (``input="below"``) or from a document source (``input=<source id>``).

    It re-computes whenever its input changes. ``bake`` turns it into a RasterMask.

    ``plugin_id`` / ``plugin_version`` name the plugin that provides ``kind`` ("builtin" for
    Nebulayer's own), recorded when the mask is set, so a project opened where that plugin
    is missing can say what to install. Such a mask's layer is skipped (renders as
    pass-through, like an adjustment whose plugin is missing) and the recipe is kept as is:
    applying the layer unmasked would put its effect where the user had excluded it.
    """

    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    input: str = "below"
    kind_version: int = 1
    plugin_id: str = "builtin"
    plugin_version: str = ""

    def __init__(self, kind: str, params: dict[str, Any] | None = None, input: str = "below",
                 **props: Any) -> None:
        super().__init__()
        self.kind = kind
        self.params = dict(params or {})
        self.input = input
        self.kind_version = int(props.pop("kind_version", 1))
        self.plugin_id = str(props.pop("plugin_id", "builtin"))
        self.plugin_version = str(props.pop("plugin_version", ""))
        for name, value in props.items():
            self.set_prop(name, value)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "generated", "kind": self.kind, "params": copy.deepcopy(self.params),
                "input": self.input, "kind_version": self.kind_version,
                "plugin_id": self.plugin_id, "plugin_version": self.plugin_version, **self.props()}


@dataclass(eq=False)
class LayerMask(Mask):
    """Another layer used as the mask, live: the luminance (Rec.709 for colour) of that
    layer's rendered output, i.e. the composite of the stack up to and including it, computed
    with it (and the groups holding it) shown, so a hidden helper layer works, as Photoshop's
    "layer pixels as mask" route does. Re-computed when that layer or anything below it
    changes. The source must lie below the masked layer and not contain it (no cycles):
    :meth:`Document.set_mask` refuses others, and a render reports one a later move made."""

    layer: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": "layer", "layer": self.layer, **self.props()}


def mask_from_dict(d: dict[str, Any]) -> Mask:
    """Rebuild a mask from :meth:`Mask.to_dict` output (project files, snapshots)."""
    props = {k: d[k] for k in MASK_PROPS if k in d}
    if d.get("type") == "raster":
        m: Mask = RasterMask(source_id=str(d["source"]))
    elif d.get("type") == "generated":
        m = GeneratedMask(str(d["kind"]), dict(d.get("params") or {}), str(d.get("input", "below")),
                          kind_version=int(d.get("kind_version", 1)),
                          plugin_id=str(d.get("plugin_id", "builtin")),
                          plugin_version=str(d.get("plugin_version", "")))
    elif d.get("type") == "layer":
        m = LayerMask(layer=str(d["layer"]))
    else:
        raise DocumentError(_("unknown mask type {get!r}").format(get=d.get('type')))
    for name, value in props.items():
        m.set_prop(name, value)
    return m
