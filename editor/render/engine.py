"""The render engine: a layer stack (as plain dicts) -> float32 pixels, with step caching.

Each step's result is cached under ``state`` = hash(state below, the step's own record), the
darktable scheme: change one layer and every step below it comes from the cache, only that
layer and those above are recomputed. Results are per (state, scale, window); a region asked
for after a whole-canvas render of the same state is cut from it.

Regions: walking the stack from the top, each layer widens the window its input needs by its
halo (a blur's reach, a generated mask's reach), so a region render equals the crop of the
whole render. When the widened window is most of the canvas the whole canvas is rendered.

What a layer does is asked of its kind (:mod:`editor.render.kinds`: signature, halo, pixels,
composite); masks, caching, pass-through on failure and progress are the same for every kind
and stay here. Failures are recorded in ``job.errors`` (see :mod:`editor.core.render_errors`),
never set on the live layers from the render thread.

Measured layers (a spec with ``extra["measure"]``, see :mod:`editor.render.measure`): their
statistics come from the layer's whole input at a fixed measuring scale, cached by that
input's scale-independent key, so every preview scale and region uses the same values.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np

from editor.core import availability
from editor.core.render_errors import RenderErrors
from editor.errors import DocumentError
from editor.jobs.progress import Progress
from editor.locale import tr
from editor.render import fused, steps
from editor.render.cache import RenderCache
from editor.render.comp import Comp
from editor.render.keys import make_key
from editor.render.kinds import count_steps, kind_of
from editor.render.maskops import feather_halo, finish_mask
from editor.render.measure import coarse_field, measured_values, wants_measure
from editor.render.resample import Window, place_source
from editor.render.steps import StepFailed

FULL_RENDER_FRACTION = 0.6
#: Fuse runs of point-wise layers (False: layer by layer, to compare in tests and benchmarks).
FUSE = True
#: A step holds at least the composite below, the layer's pixels and the blended result.
RENDER_COPIES = 3


class RenderStats:
    """Counters proving what was computed and what came from the cache (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, Any] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.counts = {"renders": 0, "layer_renders": 0, "cache_hits": 0, "filter_runs": 0,
                           "mask_renders": 0, "measure_runs": 0, "layers": {}}

    def add(self, name: str, layer_id: str | None = None) -> None:
        with self._lock:
            self.counts[name] += 1
            if layer_id is not None and name == "layer_renders":
                self.counts["layers"][layer_id] = self.counts["layers"].get(layer_id, 0) + 1


class SharedState:
    """What the jobs of one tiled render share: ``tiled`` (tiles never fall back to a
    whole-canvas render), ``pinned`` results every tile needs (measured statistics, the
    coarse part of large-radius filters) kept out of the LRU cache so a stream of tiles
    cannot evict them, and a lock so only one tile computes each."""

    def __init__(self, tiled: bool = False) -> None:
        self.tiled = tiled
        self.pinned: dict[str, Any] = {}
        self.lock = threading.RLock()
        #: id(layer record) -> (the record, its signature), and (id, scale) -> (record, halo):
        #: asked for every layer by every step, run and tile. The record is kept so its id
        #: cannot be reused by another one; records of a render are not changed during it.
        #: (Signatures that depend on other layers, see RenderJob.signature, are not kept.)
        self.signatures: dict[int, tuple[dict, str]] = {}
        self.halos: dict[tuple[int, float], tuple[dict, int]] = {}

    def at_another_scale(self) -> "SharedState":
        """For the whole-canvas measuring render of a layer's input: the same pinned results
        (a measure nested in it is the one the tiles use), whole renders allowed."""
        other = SharedState(tiled=False)
        other.pinned, other.lock = self.pinned, self.lock
        other.signatures, other.halos = self.signatures, self.halos  # scale is in the halo key
        return other


class RenderJob:
    """One render of one layer tree. Reads only immutable sources and the plain-dict tree."""

    def __init__(self, *, tree: list[dict], sources: dict, layers: dict, registry: Any,
                 cache: RenderCache, stats: RenderStats, canvas: tuple[int, int], scale: float,
                 progress: Progress | None, errors: RenderErrors | None = None,
                 shared: "SharedState | None" = None) -> None:
        self.sources = sources
        self.layers = layers  # id -> live Layer; read only (errors go to ``self.errors``)
        #: what went wrong per layer; the caller hands it to Document.apply_render_errors
        self.errors = RenderErrors() if errors is None else errors
        self.registry = registry
        self.cache = cache
        self.stats = stats
        self.scale = float(scale)
        self.canvas = (int(canvas[0]), int(canvas[1]))
        self.full = Window(0, max(1, round(canvas[0] * scale)), 0, max(1, round(canvas[1] * scale)))
        self.tree = tree
        self.progress = progress
        self.total = max(1, count_steps(tree))
        self.done = 0
        #: what every tile of one tiled render shares (measures, whole-canvas results)
        self.shared = SharedState() if shared is None else shared
        #: run consecutive point-wise layers fused (editor/render/fused.py)
        self.fuse = FUSE
        self._out: tuple[Window, np.ndarray] | None = None

    # ------------------------------------------------------------------ public entry points
    def render(self, win: Window | None, out: np.ndarray | None = None) -> Comp:
        """The composite on ``win``; ``out``: an array of its shape the result may be written
        into (then the returned data is ``out``; nothing of it is cached)."""
        win = win or self.full
        self._out = None if out is None else (win, out)
        if win != self.full:
            need = self._input_window(self.tree, win)
            ny, nx = need.shape
            fy, fx = self.full.shape
            # A tile never falls back to the whole canvas unless a step needs all of it
            # (GLOBAL_HALO): rendering the canvas once per tile would defeat the tiling.
            limit = 1.0 if self.shared.tiled else FULL_RENDER_FRACTION
            if ny * nx > limit * fy * fx or (self.shared.tiled and need == self.full):
                out = self._whole()
                return Comp(out.state, out.crop(win), win, out.origin)
            self._check_budget(need)
        else:
            self._check_budget(win)
        return self.composite(self.tree, win, None)

    def _take_out(self, win: Window) -> np.ndarray | None:
        """The caller's output array for ``win`` (once), for the last fused run."""
        if self._out is None or self._out[0] != win:
            return None
        out, self._out = self._out[1], None
        return out

    def _whole(self) -> Comp:
        """The whole canvas; in a tiled render computed once and shared by every tile."""
        if not self.shared.tiled:
            self._check_budget(self.full)
            return self.composite(self.tree, self.full, None)
        with self.shared.lock:
            key = ("whole", self.scale)
            out = self.shared.pinned.get(key)
            if out is None:
                self._check_budget(self.full)
                out = self.shared.pinned[key] = self.composite(self.tree, self.full, None)
            return out

    def _check_budget(self, work: Window) -> None:
        """DocumentError if rendering on ``work`` cannot fit in the memory budget: a clear
        message instead of a MemoryError or the process killed by the system."""
        from editor.io.budget import format_bytes, memory_budget

        ny, nx = work.shape
        needed = RENDER_COPIES * ny * nx * 3 * 4  # RGB float32
        limit = memory_budget()
        if needed > limit:
            fy, fx = self.full.shape
            raise DocumentError(
                tr("rendering the {fx}x{fy} canvas (scale {scale:g}) needs about "
                "{need}, more than the memory budget of {budget}; "
                "render a smaller scale or region, or set NEBULAYER_MEMORY_BUDGET higher").format(fx=fx, fy=fy, scale=self.scale, need=format_bytes(needed), budget=format_bytes(limit)))

    def mask_of(self, node: dict, below: Comp, win: Window) -> np.ndarray | None:
        return self._mask(node, below, win)

    # ------------------------------------------------------------------ the stack walk
    def composite(self, nodes: list[dict], win: Window, below: Comp | None) -> Comp:
        nodes = [n for n in nodes if n["visible"]]
        wins: list[Window] = []
        w = win
        for node in reversed(nodes):
            wins.append(w)
            w = w.expand(self.halo(node), self.full)
        wins.reverse()
        base = None if below is None else below.origin
        if below is None:
            state = make_key("empty", self.full.as_list())
            comp = Comp(state, None, w)
        else:
            comp = below
        first, comp = self._resume(nodes, wins, comp)
        if first:
            comp.origin = (base, tuple(nodes[:first]))
        k = first
        while k < len(nodes):
            n = fused.run_length(self, nodes, k, comp, wins[k]) if self.fuse else 0
            if n:  # point-wise layers: one read and one write of the window for all of them
                out = self._take_out(win) if k + n == len(nodes) else None
                comp = fused.run(self, nodes, k, k + n, comp, base, out)
                k += n
                continue
            comp = self.step(nodes[k], comp, wins[k])
            comp.origin = (base, tuple(nodes[: k + 1]))
            k += 1
        if comp.win != win:
            comp = Comp(comp.state, comp.crop(win), win, comp.origin)
        return comp

    def _resume(self, nodes: list[dict], wins: list[Window], comp: Comp) -> tuple[int, Comp]:
        """(index of the first step to compute, composite below it): starts above the highest
        step whose result is cached. The LRU cache evicts the bottom steps of a tall stack
        first (they are the oldest), so walking up from the bottom would recompute them all
        even when the top result is there."""
        states = []
        state = comp.state
        for node in nodes:
            state = make_key(state, self.signature(node))
            states.append(state)
        for k in range(len(nodes) - 1, -1, -1):
            hit = self.lookup(states[k], wins[k])
            if hit is not None:
                self.stats.add("cache_hits")
                self._advance(count_steps(nodes[: k + 1]))
                return k + 1, Comp(states[k], hit, wins[k])
        return 0, comp

    def _input_window(self, nodes: list[dict], win: Window) -> Window:
        for node in reversed([n for n in nodes if n["visible"]]):
            win = win.expand(self.halo(node), self.full)
        return win

    def step(self, node: dict, below: Comp, win: Window) -> Comp:
        state = make_key(below.state, self.signature(node))
        origin = (below.origin, (node,))  # how to render this step's result at another scale
        hit = self.lookup(state, win)
        if hit is not None:
            self.stats.add("cache_hits")
            self._advance(count_steps([node]))
            return Comp(state, hit, win, origin)
        self._report()
        lid = node["id"]
        self.stats.add("layer_renders", lid)
        try:
            out = kind_of(node["type"]).composite(self, node, below, win)
        except StepFailed as exc:
            self._set_error(lid, str(exc))
            self._advance(1)
            return Comp(below.state, below.crop(win), win, below.origin)  # pass-through
        self._set_error(lid, None)
        self._advance(1)
        return Comp(state, self.store(state, win, out, ("step", lid)), win, origin)

    # ------------------------------------------------------------------ masks
    def alpha(self, node: dict, below: Comp, win: Window, cov: np.ndarray | None) -> Any:
        """The layer's opacity x mask x coverage on ``win`` (a float where it is uniform)."""
        alpha: Any = float(node["opacity"])
        m = self._mask(node, below, win)
        if m is not None:
            alpha = m if alpha == 1.0 else m * np.float32(alpha)  # m * 1 is m, bit for bit
        if cov is not None:
            alpha = cov * alpha
        return alpha

    def _mask(self, node: dict, below: Comp, win: Window) -> np.ndarray | None:
        m = node.get("mask")
        if m is None or not m["enabled"]:
            return None
        in_key = below.state if m["type"] == "generated" and m["input"] == "below" else None
        key = make_key("mask", in_key, self.resolve_tokens(m), self.scale)
        hit = self.lookup(key, win)
        if hit is not None:
            return hit
        self.stats.add("mask_renders")
        fh = feather_halo(float(m["feather"]), self.scale)
        wide = win.expand(fh, self.full)
        raw = self._raw_mask(m, below, wide, node["id"])
        out = finish_mask(raw, m, self.scale)
        out = out[wide.crop_of(win)] if wide != win else out
        return self.store(key, win, np.ascontiguousarray(out), ("mask", node["id"]))

    def _raw_mask(self, m: dict, below: Comp, win: Window, lid: str) -> np.ndarray:
        if m["type"] == "raster":
            src = self.sources.get(m["source"])
            if src is None:
                raise StepFailed(tr("mask pixels {source} are missing").format(source=m['source']))
            px, _ = place_source(src, self.scale, win, canvas=self.canvas)
            return px if px.ndim == 2 else px.mean(axis=2)
        if m["type"] == "layer":  # another layer's output as the mask (kinds/layer_mask.py)
            from editor.render.kinds import layer_mask

            return layer_mask.raw_mask(self, m, win, lid)
        spec = self.registry.get(m["kind"])
        if spec is None:
            raise StepFailed(availability.mask_message(self.registry, m))
        resolved = steps.resolved_params(spec, m["params"])
        params = spec.scaled(resolved, self.scale)
        measured = None
        if m["input"] == "below":
            img, img_win, in_key = below.data, below.win, below.state
            if wants_measure(spec, resolved, self.canvas):
                measured = measured_values(self, spec, resolved, below)
        else:
            src = self.sources.get(m["input"])
            if src is None:
                raise StepFailed(tr("mask input {input} is missing").format(input=m['input']))
            img_win = win.expand(steps.spatial_halo(spec, params), self.full)
            img, _ = place_source(src, self.scale, img_win, canvas=self.canvas)
            in_key = src.token
        key = make_key("rawmask", in_key, m["kind"], spec.version, params, self.scale)
        out = self.lookup(key, img_win)
        if out is None:
            self.stats.add("filter_runs")
            run_params = params if measured is None else dict(params, measured=measured)
            out = steps.check_mask(spec, steps.run_spec(spec, img, run_params, None), img.shape[:2])
            out = self.store(key, img_win, out, ("rawmask", lid))
        return out[img_win.crop_of(win)] if img_win != win else out

    # ------------------------------------------------------------------ keys, halos, cache
    def halo(self, node: dict) -> int:
        """Border (scaled px) this layer needs on the composite below it: its kind's, or its
        generated mask's (plus feather) if that reads further."""
        memo = self.shared.halos.get((id(node), self.scale))
        if memo is not None and memo[0] is node:
            return memo[1]
        h = self._halo(node)
        self.shared.halos[(id(node), self.scale)] = (node, h)
        return h

    def _halo(self, node: dict) -> int:
        try:
            h = kind_of(node["type"]).halo(self, node)
        except StepFailed:
            h = 0
        m = node.get("mask")
        if m is not None and m["enabled"] and m["type"] == "generated" and m["input"] == "below":
            spec = self.registry.get(m["kind"])
            gh = 0
            if spec is not None:
                try:
                    resolved = steps.resolved_params(spec, m["params"])
                    if not coarse_field(spec, resolved, self.canvas):
                        gh = steps.spatial_halo(spec, spec.scaled(resolved, self.scale))
                except StepFailed:
                    gh = 0
            h = max(h, gh + feather_halo(float(m["feather"]), self.scale))
        return min(h, steps.GLOBAL_HALO)

    def signature(self, node: dict) -> str:
        """The key of what this layer adds to the composite below (its kind says what counts)."""
        memo = self.shared.signatures.get(id(node))
        if memo is not None and memo[0] is node:
            return memo[1]
        try:
            rec = kind_of(node["type"]).signature(self, node)
        except StepFailed:
            rec = {"unknown_type": node["type"]}  # renders as a failure: nothing to cache
        key = make_key(rec)
        # Not kept: a group's (its children's) and a layer-as-mask's (the source layer's state
        # on this scale's canvas, cut where a cycle is being resolved): they depend on more.
        m = node.get("mask")
        if node["type"] != "group" and not (m and m.get("type") == "layer"):
            self.shared.signatures[id(node)] = (node, key)
        return key

    def resolve_tokens(self, rec: dict) -> dict:
        """The record with source ids replaced by pixel tokens (a re-opened file is new data)."""
        rec = copy.copy(rec)
        if "source" in rec:
            rec["source"] = self.token(rec["source"])
        if "channels" in rec:
            rec["channels"] = {k: self.token(v) for k, v in rec["channels"].items()}
        if rec.get("mask"):
            rec["mask"] = self.resolve_tokens(rec["mask"])
        if rec.get("input") not in (None, "below"):
            rec["input"] = self.token(rec["input"])
        if rec.get("type") == "layer" and "layer" in rec and "opacity" not in rec:
            from editor.render.kinds import layer_mask  # a layer mask: its source's state

            rec = layer_mask.resolve(self, rec)
        return rec

    def token(self, sid: str) -> str:
        """The pixel token of source ``sid`` (unique per loaded buffer) for cache keys."""
        src = self.sources.get(sid)
        return "missing:" + sid if src is None else src.token

    def lookup(self, state: str, win: Window) -> np.ndarray | None:
        """The cached result ``state`` on ``win`` (or cut from the whole canvas's), or None."""
        hit = self.cache.get(make_key(state, self.scale, win.as_list()))
        if hit is not None:
            return hit
        if win != self.full:
            whole = self.cache.get(make_key(state, self.scale, self.full.as_list()))
            if whole is not None:
                return whole[self.full.crop_of(win)]
        return None

    def store(self, state: str, win: Window, data: np.ndarray, slot: tuple) -> np.ndarray:
        """Cache a result; ``slot`` (what it is, of which layer) bounds how many variants of
        it are kept, per scale and window (see RenderCache)."""
        return self.cache.put(make_key(state, self.scale, win.as_list()), data,
                              slot=(*slot, self.scale, tuple(win.as_list())))

    # ------------------------------------------------------------------ progress, errors
    def _report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.done / self.total, 1.0))

    def _advance(self, n: int) -> None:
        self.done += n
        self._report()

    def _set_error(self, lid: str, message: str | None) -> None:
        # Recorded, not set on the live layer: this runs on the render thread, and the model
        # changes only through Document.apply_render_errors (one event for the views).
        self.errors.messages[lid] = message

    def set_unavailable(self, lid: str) -> None:
        """The layer's operation is not installed (shown as such by the layers panel)."""
        self.errors.unavailable.add(lid)
