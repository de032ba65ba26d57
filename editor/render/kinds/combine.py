"""Channel-merge layers: R, G, B (and L) frames aligned and merged into colour."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

import numpy as np

from editor.render import steps
from editor.render.comp import Comp, missing_is_transparent
from editor.render.kinds.base import LayerKind, Top, register
from editor.render.resample import Window, place_source
from editor.render.steps import StepFailed
from filters.channel_norm import channel_stats, normalization

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
        params = dict(node["params"])
        mode = params.pop("normalize", "auto")
        chans = _normalized(job, node, chans, mode)
        # The statistics are the whole frames' (same for every region, tile and scale), so
        # the filters are told not to measure the window again.
        return steps.combine_channels(node["mode"], chans, dict(params, normalize="off"))

    def own_pixels(self, job: "RenderJob", node: dict) -> np.ndarray | None:
        try:
            return self.merge(job, node, job.full)
        except StepFailed:
            return np.zeros(job.full.shape, dtype=np.float32)

    def describe(self, node: dict, source_names: dict[str, str]) -> str:
        names = {c: source_names.get(s, s) for c, s in node["channels"].items()}
        return f"{node['mode']} merge " + json.dumps(names, separators=(",", ":"))


def _stats(src) -> list[tuple[float, float]]:
    """Per-channel (median, sigma) of a source's whole frame, kept per pixel buffer."""
    with _STATS_LOCK:
        hit = _STATS.get(src.token)
    if hit is None:
        px = src.pixels
        planes = [px] if px.ndim == 2 else [px[..., c] for c in range(px.shape[2])]
        hit = [channel_stats(p) for p in planes]
        with _STATS_LOCK:
            _STATS[src.token] = hit
            while len(_STATS) > 256:
                _STATS.pop(next(iter(_STATS)))
    return hit


def _normalized(job: "RenderJob", node: dict, chans: dict[str, np.ndarray], mode: str
                ) -> dict[str, np.ndarray]:
    """R, G, B (or the RGB source's channels) matched in background and scale
    (filters.channel_norm) with statistics of the whole source frames."""
    if mode == "off":
        return chans
    try:
        if all(c in chans for c in ("R", "G", "B")):
            stats = [_stats(job.sources[node["channels"][c]])[0] for c in ("R", "G", "B")]
            coeffs = normalization(stats, mode)
            if coeffs is None:
                return chans
            out = dict(chans)
            for c, (g, o) in zip(("R", "G", "B"), coeffs):
                out[c] = chans[c] * np.float32(g) + np.float32(o)
            return out
        if "RGB" in chans and chans["RGB"].ndim == 3 and mode == "on":  # a colour image:
            # its balance is the user's unless asked (as filters.lrgb_combine's default)
            coeffs = normalization(_stats(job.sources[node["channels"]["RGB"]]), mode)
            if coeffs is None:
                return chans
            g = np.array([c[0] for c in coeffs], np.float32)
            o = np.array([c[1] for c in coeffs], np.float32)
            return dict(chans, RGB=chans["RGB"] * g + o)
    except ValueError as exc:
        raise StepFailed(f"channel normalisation: {exc}") from None
    return chans


_STATS: dict[str, list[tuple[float, float]]] = {}
_STATS_LOCK = threading.Lock()


register(CombineKind())
