"""Group layers: their children composited on the composite below, then blended as one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from editor.render.comp import Comp
from editor.render.kinds.base import LayerKind, Top, count_steps, register
from editor.render.resample import Window

if TYPE_CHECKING:
    from editor.render.engine import RenderJob


class GroupKind(LayerKind):
    type = "group"

    def signature(self, job: "RenderJob", node: dict) -> dict[str, Any]:
        rec = super().signature(job, node)
        rec["children"] = [job.signature(c) for c in node["children"] if c["visible"]]
        return rec

    def halo(self, job: "RenderJob", node: dict) -> int:
        # the children run one after the other on the composite below: their halos add up
        return sum(job.halo(c) for c in node["children"] if c["visible"])

    def steps(self, node: dict) -> int:
        return 1 + count_steps(node["children"])

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        return job.composite(node["children"], win, below).data, None

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        return "group"


register(GroupKind())
