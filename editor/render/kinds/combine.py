"""Channel-merge layers: R, G, B (and L) frames aligned and merged into colour."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from editor.render import steps
from editor.render.comp import Comp, missing_is_transparent
from editor.render.kinds.base import LayerKind, Top, register
from editor.render.resample import Window, place_source
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.render.engine import RenderJob


class CombineKind(LayerKind):
    type = "channel_combine"

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        top = self.merge(job, node, win)
        return top, missing_is_transparent(top, None)

    def merge(self, job: "RenderJob", node: dict, win: Window) -> np.ndarray:
        """The merged colour image on ``win`` (frames shifted by their alignment offsets)."""
        offsets = {k: tuple(v) for k, v in node["offsets"].items()}
        wide = win.expand(steps.shift_halo(offsets, job.scale), job.full)
        chans: dict[str, np.ndarray] = {}
        for name, sid in node["channels"].items():
            src = job.sources.get(sid)
            if src is None:
                raise StepFailed(f"channel {name}: source {sid} is missing")
            px, _ = place_source(src, job.scale, wide, canvas=job.canvas)
            dy, dx = offsets.get(name, (0.0, 0.0))
            px = steps.shift_channel(px, dy * job.scale, dx * job.scale)
            chans[name] = px[wide.crop_of(win)] if wide != win else px
        return steps.combine_channels(node["mode"], chans, node["params"])

    def own_pixels(self, job: "RenderJob", node: dict) -> np.ndarray | None:
        try:
            return self.merge(job, node, job.full)
        except StepFailed:
            return np.zeros(job.full.shape, dtype=np.float32)

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        names = {c: source_names.get(s, s) for c, s in node["channels"].items()}
        return f"{node['mode']} merge " + json.dumps(names, separators=(",", ":"))


register(CombineKind())
