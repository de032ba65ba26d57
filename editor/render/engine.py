"""The render engine: a layer stack (as plain dicts) -> float32 pixels, with step caching.

Each step's result is cached under ``state`` = hash(state below, the step's own record), the
darktable scheme: change one layer and every step below it comes from the cache, only that
layer and those above are recomputed. Results are per (state, scale, window); a region asked
for after a whole-canvas render of the same state is cut from it.

Regions: walking the stack from the top, each layer widens the window its input needs by its
halo (a blur's reach, a generated mask's reach), so a region render equals the crop of the
whole render. When the widened window is most of the canvas the whole canvas is rendered.

Measured layers (a spec with ``extra["measure"]``, see :mod:`editor.render.measure`): their
statistics come from the layer's whole input at a fixed measuring scale, cached by that
input's scale-independent key, so every preview scale and region uses the same values.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from editor.core import availability
from editor.errors import DocumentError
from editor.jobs.progress import Progress, scaled_progress
from editor.render import steps
from editor.render.blend import blend
from editor.render.cache import RenderCache, make_key
from editor.render.maskops import feather_halo, finish_mask
from editor.render.measure import measured_values, measurer
from editor.render.resample import Window, place_source
from editor.render.steps import StepFailed

FULL_RENDER_FRACTION = 0.6
#: A step holds at least the composite below, the layer's pixels and the blended result.
RENDER_COPIES = 3


@dataclass
class Comp:
    """A composite: pixels on ``win`` of the scaled canvas, identified by ``state``."""

    state: str
    data_: np.ndarray | None  # None: all zeros (the empty canvas), made only when needed
    win: Window
    # How to render this composite at another scale: (origin below, visible layers on it);
    # None is the empty canvas. Measured layers re-render their input with it.
    origin: tuple | None = None

    @property
    def data(self) -> np.ndarray:
        if self.data_ is None:
            self.data_ = np.zeros(self.win.shape, dtype=np.float32)
        return self.data_

    def crop(self, win: Window) -> np.ndarray:
        if win == self.win:
            return self.data
        return self.data[self.win.crop_of(win)]


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


class RenderJob:
    """One render of one layer tree. Reads only immutable sources and the plain-dict tree."""

    def __init__(self, *, tree: list[dict], sources: dict, layers: dict, registry: Any,
                 cache: RenderCache, stats: RenderStats, canvas: tuple[int, int], scale: float,
                 progress: Progress | None) -> None:
        self.sources = sources
        self.layers = layers  # id -> live Layer, only to report .error / .unavailable
        self.registry = registry
        self.cache = cache
        self.stats = stats
        self.scale = float(scale)
        self.canvas = (int(canvas[0]), int(canvas[1]))
        self.full = Window(0, max(1, round(canvas[0] * scale)), 0, max(1, round(canvas[1] * scale)))
        self.tree = tree
        self.progress = progress
        self.total = max(1, _count(tree))
        self.done = 0

    # ------------------------------------------------------------------ public entry points
    def render(self, win: Window | None) -> Comp:
        win = win or self.full
        if win != self.full:
            need = self._input_window(self.tree, win)
            ny, nx = need.shape
            fy, fx = self.full.shape
            if ny * nx > FULL_RENDER_FRACTION * fy * fx:
                self._check_budget(self.full)
                out = self.composite(self.tree, self.full, None)
                return Comp(out.state, out.crop(win), win, out.origin)
            self._check_budget(need)
        else:
            self._check_budget(win)
        return self.composite(self.tree, win, None)

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
                f"rendering the {fx}x{fy} canvas (scale {self.scale:g}) needs about "
                f"{format_bytes(needed)}, more than the memory budget of {format_bytes(limit)}; "
                f"render a smaller scale or region, or set NEBULAYER_MEMORY_BUDGET higher")

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
        for k in range(first, len(nodes)):
            comp = self.step(nodes[k], comp, wins[k])
            comp.origin = (base, tuple(nodes[: k + 1]))
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
            hit = self._lookup(states[k], wins[k])
            if hit is not None:
                self.stats.add("cache_hits")
                self._advance(_count(nodes[: k + 1]))
                return k + 1, Comp(states[k], hit, wins[k])
        return 0, comp

    def _input_window(self, nodes: list[dict], win: Window) -> Window:
        for node in reversed([n for n in nodes if n["visible"]]):
            win = win.expand(self.halo(node), self.full)
        return win

    def step(self, node: dict, below: Comp, win: Window) -> Comp:
        state = make_key(below.state, self.signature(node))
        hit = self._lookup(state, win)
        if hit is not None:
            self.stats.add("cache_hits")
            self._advance(_count([node]))
            return Comp(state, hit, win)
        self._report()
        lid = node["id"]
        self.stats.add("layer_renders", lid)
        kind = node["type"]
        try:
            if kind == "image":
                src = self.sources.get(node["source"])
                if src is None:
                    raise StepFailed(f"the pixels of this layer ({node['source']}) are missing")
                sub = _footprint(src, tuple(node["offset"]), self.scale, win)
                if sub is not None and sub != win:
                    out = self._paste(node, below, win, sub, src)
                    self._set_error(lid, None)
                    self._advance(1)
                    return Comp(state, self._store(state, win, out, ("step", lid)), win)
                top, cov = place_source(src, self.scale, win, tuple(node["offset"]), self.canvas)
            elif kind == "channel_combine":
                top, cov = self._combine(node, win), None
            elif kind == "adjustment":
                top, cov = self._adjust(node, below, win), None
            elif kind == "group":
                top, cov = self.composite(node["children"], win, below).data, None
            else:
                raise StepFailed(f"unknown layer type {kind!r}")
            if kind in ("image", "channel_combine"):
                cov = _missing_is_transparent(top, cov)
            alpha = self._alpha(node, below, win, cov)
        except StepFailed as exc:
            self._set_error(lid, str(exc))
            self._advance(1)
            return Comp(below.state, below.crop(win), win)  # pass-through, not cached
        self._set_error(lid, None)
        out = blend(below.crop(win), top, node["blend"], alpha)
        self._advance(1)
        return Comp(state, self._store(state, win, out, ("step", lid)), win)

    # ------------------------------------------------------------------ layer kinds
    def _adjust(self, node: dict, below: Comp, win: Window) -> np.ndarray:
        spec = self.registry.get(node["kind"])
        live = self.layers.get(node["id"])
        if spec is None:
            if live is not None:
                live.unavailable = True
            raise StepFailed(availability.layer_message(self.registry, node))
        if int(node.get("kind_version", 1)) > spec.version:
            raise StepFailed(f"'{node['kind']}' settings are from a newer version "
                             f"({node['kind_version']}) than the installed one ({spec.version})")
        resolved = steps.resolved_params(spec, node["params"])
        params = spec.scaled(resolved, self.scale)
        key = make_key("filter", below.state, node["kind"], spec.version, spec.source, params)
        out = self._lookup(key, below.win)
        if out is None:
            if measurer(spec) is not None:
                params = dict(params, measured=measured_values(self, spec, resolved, below))
            self.stats.add("filter_runs")
            sub = scaled_progress(self.progress, self.done / self.total, (self.done + 1) / self.total)
            out = steps.run_spec(spec, below.data, params, sub)
            out = self._store(key, below.win, out, ("filter", node["id"]))
        return out[below.win.crop_of(win)] if below.win != win else out

    def _paste(self, node: dict, below: Comp, win: Window, sub: Window, src: Any) -> np.ndarray:
        """A mosaic panel: blended only on ``sub``, its footprint in ``win``; elsewhere the
        result is exactly the composite below. Placing the panel on the whole window cost a
        canvas-sized copy of it, its coverage, NaN masks and blend output (~2 GiB per
        quarter-canvas panel of a 100 MP mosaic)."""
        top, cov = place_source(src, self.scale, sub, tuple(node["offset"]), self.canvas)
        cov = _missing_is_transparent(top, cov)
        alpha = self._alpha(node, below, win, None)
        inner = win.crop_of(sub)
        if np.ndim(alpha) == 2:
            alpha = alpha[inner]
        if cov is not None:
            alpha = cov * alpha
        rgb = top.ndim == 3 or (below.data_ is not None and below.data_.ndim == 3)
        shape = win.shape + ((3,) if rgb else ())
        if below.data_ is None:
            out = np.zeros(shape, np.float32)  # the empty canvas: untouched pages stay free
            base = out[inner]
        else:
            b = below.crop(win)
            out = np.empty(shape, np.float32)
            out[...] = b if b.ndim == out.ndim else b[:, :, None]
            base = b[inner]
        out[inner] = blend(base, top, node["blend"], alpha)
        return out

    def _combine(self, node: dict, win: Window) -> np.ndarray:
        offsets = {k: tuple(v) for k, v in node["offsets"].items()}
        wide = win.expand(steps.shift_halo(offsets, self.scale), self.full)
        chans: dict[str, np.ndarray] = {}
        for name, sid in node["channels"].items():
            src = self.sources.get(sid)
            if src is None:
                raise StepFailed(f"channel {name}: source {sid} is missing")
            px, _ = place_source(src, self.scale, wide, canvas=self.canvas)
            dy, dx = offsets.get(name, (0.0, 0.0))
            px = steps.shift_channel(px, dy * self.scale, dx * self.scale)
            chans[name] = px[wide.crop_of(win)] if wide != win else px
        return steps.combine_channels(node["mode"], chans, node["params"])

    # ------------------------------------------------------------------ masks
    def _alpha(self, node: dict, below: Comp, win: Window, cov: np.ndarray | None):
        alpha: Any = float(node["opacity"])
        m = self._mask(node, below, win)
        if m is not None:
            alpha = m * np.float32(alpha)
        if cov is not None:
            alpha = cov * alpha
        return alpha

    def _mask(self, node: dict, below: Comp, win: Window) -> np.ndarray | None:
        m = node.get("mask")
        if m is None or not m["enabled"]:
            return None
        in_key = below.state if m["type"] == "generated" and m["input"] == "below" else None
        key = make_key("mask", in_key, self._resolve_tokens(m), self.scale)
        hit = self._lookup(key, win)
        if hit is not None:
            return hit
        self.stats.add("mask_renders")
        fh = feather_halo(float(m["feather"]), self.scale)
        wide = win.expand(fh, self.full)
        raw = self._raw_mask(m, below, wide, node["id"])
        out = finish_mask(raw, m, self.scale)
        out = out[wide.crop_of(win)] if wide != win else out
        return self._store(key, win, np.ascontiguousarray(out), ("mask", node["id"]))

    def _raw_mask(self, m: dict, below: Comp, win: Window, lid: str) -> np.ndarray:
        if m["type"] == "raster":
            src = self.sources.get(m["source"])
            if src is None:
                raise StepFailed(f"mask pixels {m['source']} are missing")
            px, _ = place_source(src, self.scale, win, canvas=self.canvas)
            return px if px.ndim == 2 else px.mean(axis=2)
        spec = self.registry.get(m["kind"])
        if spec is None:
            raise StepFailed(availability.mask_message(self.registry, m))
        params = spec.scaled(steps.resolved_params(spec, m["params"]), self.scale)
        if m["input"] == "below":
            img, img_win, in_key = below.data, below.win, below.state
        else:
            src = self.sources.get(m["input"])
            if src is None:
                raise StepFailed(f"mask input {m['input']} is missing")
            img_win = win.expand(steps.spatial_halo(spec, params), self.full)
            img, _ = place_source(src, self.scale, img_win, canvas=self.canvas)
            in_key = src.token
        key = make_key("rawmask", in_key, m["kind"], spec.version, params, self.scale)
        out = self._lookup(key, img_win)
        if out is None:
            self.stats.add("filter_runs")
            out = steps.check_mask(spec, steps.run_spec(spec, img, params, None), img.shape[:2])
            out = self._store(key, img_win, out, ("rawmask", lid))
        return out[img_win.crop_of(win)] if img_win != win else out

    # ------------------------------------------------------------------ keys, halos, cache
    def halo(self, node: dict) -> int:
        """Border (scaled px) this layer needs on the composite below it."""
        h = 0
        if node["type"] == "adjustment":
            spec = self.registry.get(node["kind"])
            if spec is not None:
                try:
                    params = spec.scaled(steps.resolved_params(spec, node["params"]), self.scale)
                    h = steps.spatial_halo(spec, params)
                except StepFailed:
                    h = 0
        elif node["type"] == "group":
            for child in node["children"]:
                if child["visible"]:
                    h += self.halo(child)
        m = node.get("mask")
        if m is not None and m["enabled"] and m["type"] == "generated" and m["input"] == "below":
            spec = self.registry.get(m["kind"])
            gh = 0
            if spec is not None:
                try:
                    gh = steps.spatial_halo(spec, spec.scaled(steps.resolved_params(spec, m["params"]), self.scale))
                except StepFailed:
                    gh = 0
            h = max(h, gh + feather_halo(float(m["feather"]), self.scale))
        return min(h, steps.GLOBAL_HALO)

    def signature(self, node: dict) -> str:
        rec = {k: v for k, v in node.items() if k not in ("name", "id", "children")}
        rec = self._resolve_tokens(rec)
        if node["type"] == "adjustment":
            spec = self.registry.get(node["kind"])
            rec["_impl"] = None if spec is None else [spec.version, spec.source]
        if node["type"] == "group":
            rec["children"] = [self.signature(c) for c in node["children"] if c["visible"]]
        return make_key(rec)

    def _resolve_tokens(self, rec: dict) -> dict:
        """The record with source ids replaced by pixel tokens (a re-opened file is new data)."""
        rec = copy.copy(rec)
        if "source" in rec:
            rec["source"] = self._token(rec["source"])
        if "channels" in rec:
            rec["channels"] = {k: self._token(v) for k, v in rec["channels"].items()}
        if rec.get("mask"):
            rec["mask"] = self._resolve_tokens(rec["mask"])
        if rec.get("input") not in (None, "below"):
            rec["input"] = self._token(rec["input"])
        return rec

    def _token(self, sid: str) -> str:
        src = self.sources.get(sid)
        return "missing:" + sid if src is None else src.token

    def _lookup(self, state: str, win: Window) -> np.ndarray | None:
        hit = self.cache.get(make_key(state, self.scale, win.as_list()))
        if hit is not None:
            return hit
        if win != self.full:
            whole = self.cache.get(make_key(state, self.scale, self.full.as_list()))
            if whole is not None:
                return whole[self.full.crop_of(win)]
        return None

    def _store(self, state: str, win: Window, data: np.ndarray, slot: tuple) -> np.ndarray:
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
        live = self.layers.get(lid)
        if live is not None:
            live.error = message


def _count(nodes: list[dict]) -> int:
    n = 0
    for node in nodes:
        if node["visible"]:
            n += 1 + (_count(node["children"]) if node["type"] == "group" else 0)
    return n


def _footprint(src: Any, offset: tuple, scale: float, win: Window) -> Window | None:
    """The part of ``win`` a source placed at ``offset`` (y, x) touches (1 px margin:
    beyond its edge the coverage is 0 and the result is below's), None if it misses it."""
    oy, ox = float(offset[0]), float(offset[1])
    y0 = max(win.y0, math.floor(oy * scale) - 1)
    y1 = min(win.y1, math.ceil((oy + src.height) * scale) + 1)
    x0 = max(win.x0, math.floor(ox * scale) - 1)
    x1 = min(win.x1, math.ceil((ox + src.width) * scale) + 1)
    if y1 <= y0 or x1 <= x0:
        return None
    return Window(y0, y1, x0, x1)


def _missing_is_transparent(top: np.ndarray, cov: np.ndarray | None) -> np.ndarray | None:
    """NaN pixels of a picture layer are missing data: show what is below them (mosaics,
    borders left by alignment) instead of punching holes."""
    bad = np.isnan(top)
    if bad.ndim == 3:
        bad = bad.any(axis=2)
    if not bad.any():
        return cov
    valid = (~bad).astype(np.float32)
    return valid if cov is None else cov * valid
