"""The contract every layer kind fulfils, and the registry the engine looks kinds up in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from editor.render.blend import blend
from editor.render.comp import Comp
from editor.render.resample import Window
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.render.engine import RenderJob

#: (layer pixels on the window, coverage (H, W) 0..1 or None for "everywhere")
Top = tuple[np.ndarray, "np.ndarray | None"]


class LayerKind:
    """How one ``node["type"]`` of the layer tree renders. Subclasses override what differs.

    ``node`` is the layer's plain-dict record (``Layer.to_dict()``); ``job`` the
    :class:`~editor.render.engine.RenderJob` (scale, canvas, sources, cache, registry).
    Raise :class:`~editor.render.steps.StepFailed` for a layer that cannot render: the
    engine makes it pass-through and reports the message on the layer.
    """

    type: ClassVar[str] = ""

    def signature(self, job: "RenderJob", node: dict) -> dict[str, Any]:
        """Everything the layer's result depends on besides the composite below, as plain
        data for :func:`editor.render.keys.make_key`. Default: the record without name/id,
        source ids replaced by pixel tokens (a re-opened file is new data)."""
        rec = {k: v for k, v in node.items() if k not in ("name", "id", "children")}
        return job.resolve_tokens(rec)

    def halo(self, job: "RenderJob", node: dict) -> int:
        """Border (scaled px) the layer's own operation reads around an output window on the
        composite below (its mask's halo is added by the engine). Default: none."""
        return 0

    def steps(self, node: dict) -> int:
        """Progress units the layer takes (a group counts its children too)."""
        return 1

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        """The layer's pixels on ``win`` (before opacity, mask and blend)."""
        raise NotImplementedError

    def composite(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> np.ndarray:
        """The composite after this layer on ``win``: :meth:`render`, then blend with the
        layer's opacity x mask x coverage. Override for kinds that touch only part of it."""
        top, cov = self.render(job, node, below, win)
        alpha = job.alpha(node, below, win, cov)
        if below.data_ is None and node["blend"] == "normal" and np.ndim(alpha) == 0 \
                and float(alpha) >= 1.0:
            # covers the empty canvas: blend() would return ``top`` without reading the
            # zeros, which cost a fresh tile-sized array (~2 ms a 1024 px tile) to make
            return top.astype(np.float32, copy=False)
        return blend(below.crop(win), top, node["blend"], alpha)

    def own_pixels(self, job: "RenderJob", node: dict) -> np.ndarray | None:
        """The layer's own pixels on the whole scaled canvas for its thumbnail; None: the
        thumbnail shows the stack up to this layer (adjustments, groups)."""
        return None

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        """What the layer does, for the HISTORY lines of an export."""
        return node["type"]


_KINDS: dict[str, LayerKind] = {}


def register(kind: LayerKind) -> LayerKind:
    """Make ``kind`` render the nodes whose ``type`` is ``kind.type`` (once per type)."""
    if not kind.type:
        raise ValueError(f"{type(kind).__name__} has no type name")
    if kind.type in _KINDS:
        raise ValueError(f"layer kind {kind.type!r} registered twice")
    _KINDS[kind.type] = kind
    return kind


def kind_of(type_name: str) -> LayerKind:
    """The kind rendering ``type_name``; StepFailed for a type nobody registered."""
    kind = _KINDS.get(type_name)
    if kind is None:
        raise StepFailed(f"unknown layer type {type_name!r}")
    return kind


def count_steps(nodes: list[dict]) -> int:
    """Progress units of the visible ``nodes`` (a type nobody registered counts one: it
    fails as one step)."""
    n = 0
    for node in nodes:
        if node["visible"]:
            kind = _KINDS.get(node["type"])
            n += 1 if kind is None else kind.steps(node)
    return n


def registered_kinds() -> dict[str, LayerKind]:
    return dict(_KINDS)
