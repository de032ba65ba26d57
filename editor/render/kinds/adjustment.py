"""Adjustment layers: a registered filter applied to the composite below (GEGL's "a filter
plus an optional mask, applied to everything below it")."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core import availability
from editor.jobs.progress import scaled_progress
from editor.render import steps
from editor.render.comp import Comp
from editor.render.keys import make_key
from editor.render.kinds.base import LayerKind, Top, register
from editor.render.measure import coarse_field, measured_values, wants_measure
from editor.render.resample import Window
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.render.engine import RenderJob


class AdjustmentKind(LayerKind):
    type = "adjustment"

    def signature(self, job: "RenderJob", node: dict) -> dict[str, Any]:
        rec = super().signature(job, node)
        spec = job.registry.get(node["kind"])
        # the implementation too: an updated plugin must not reuse the old one's results
        rec["_impl"] = None if spec is None else [spec.version, spec.source]
        return rec

    def halo(self, job: "RenderJob", node: dict) -> int:
        spec = job.registry.get(node["kind"])
        if spec is None:
            return 0
        try:
            resolved = steps.resolved_params(spec, node["params"])
        except StepFailed:
            return 0
        if coarse_field(spec, resolved, job.canvas):
            return 0  # its smooth part comes from one reduced copy of the whole input
        return steps.spatial_halo(spec, spec.scaled(resolved, job.scale))

    def render(self, job: "RenderJob", node: dict, below: Comp, win: Window) -> Top:
        spec = job.registry.get(node["kind"])
        if spec is None:
            job.set_unavailable(node["id"])
            raise StepFailed(availability.layer_message(job.registry, node))
        if int(node.get("kind_version", 1)) > spec.version:
            raise StepFailed(f"'{node['kind']}' settings are from a newer version "
                             f"({node['kind_version']}) than the installed one ({spec.version})")
        resolved = steps.resolved_params(spec, node["params"])
        params = spec.scaled(resolved, job.scale)
        # The filter runs on the whole window below (its halo included), cached on its own so
        # a change of opacity, mask or blend does not run it again.
        key = make_key("filter", below.state, node["kind"], spec.version, spec.source, params)
        out = job.lookup(key, below.win)
        if out is None:
            if wants_measure(spec, resolved, job.canvas):
                params = dict(params, measured=measured_values(job, spec, resolved, below))
            job.stats.add("filter_runs")
            sub = scaled_progress(job.progress, job.done / job.total, (job.done + 1) / job.total)
            out = steps.run_spec(spec, below.data, params, sub)
            out = job.store(key, below.win, out, ("filter", node["id"]))
        top: np.ndarray = out[below.win.crop_of(win)] if below.win != win else out
        return top, None

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        return (f"{node['kind']} v{node.get('kind_version', 1)} "
                + json.dumps(node["params"], separators=(",", ":")))


register(AdjustmentKind())
