"""A layer used as another layer's mask (``{"type": "layer", "layer": id}``), live.

The mask's raw values are the Rec.709 luminance of the source layer's rendered output: the
composite of the stack up to and including it, with it (and the groups holding it) shown, so a
hidden helper layer works. The engine asks this module through two hooks
(:meth:`RenderJob.resolve_tokens` and ``RenderJob._raw_mask``):

- :func:`resolve` puts the *state key* of that composite into the mask record in place of the
  layer id, so the masked layer's step key, and the mask's own cache key, change whenever the
  source layer or anything below it changes (and only then);
- :func:`raw_mask` renders that composite on the asked window with the same job (its steps
  come from the cache when the main stack already computed them) and takes its luminance.

Region renders stay exact: the source composite is an ordinary region render of the truncated
tree, which widens its own windows by its layers' halos.

A source that is not strictly below the masked layer (a later move put it above, or it is a
group holding it) would make the render depend on itself: :func:`resolve` marks the key
invalid instead of recursing, and :func:`raw_mask` fails the step with a message (the layer then
renders as pass-through and shows the message).
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.core.mask_sources import layer_mask_problem, stack_order
from editor.core.tree import truncate
from editor.render.blend import luminance
from editor.render.keys import make_key
from editor.render.resample import Window
from editor.render.steps import StepFailed

if TYPE_CHECKING:
    from editor.render.engine import RenderJob


def is_layer_mask(rec: dict) -> bool:
    """True for a layer-mask record (not a layer node, which also has a ``type``)."""
    return rec.get("type") == "layer" and "layer" in rec and "opacity" not in rec


def source_nodes(job: "RenderJob", source: str) -> list[dict] | None:
    """The tree rendered for ``source``'s output: truncated at it, it and its groups shown."""
    nodes = truncate(job.tree, source)
    if nodes is None:
        return None
    nodes = copy.deepcopy(nodes)
    level = nodes
    while level:
        last = level[-1]
        last["visible"] = True
        level = last.get("children") if last.get("type") == "group" else None
    return nodes


#: (job id, source layer) pairs being resolved on this thread: a cycle (a source that a
#: later move put above its masked layer) is cut here instead of recursing forever.
_active = threading.local()


def resolve(job: "RenderJob", rec: dict) -> dict:
    """``rec`` with ``layer`` replaced by the state key of the source layer's output."""
    source = rec["layer"]
    busy: set = _active.__dict__.setdefault("busy", set())
    token = (id(job), source)
    nodes = None if token in busy else source_nodes(job, source)
    if nodes is None:
        return {**rec, "layer": "invalid:" + source}
    busy.add(token)
    try:
        state = make_key("empty", job.full.as_list())
        for node in nodes:
            if node["visible"]:
                state = make_key(state, job.signature(node))
    finally:
        busy.discard(token)
    return {**rec, "layer": state}


def raw_mask(job: "RenderJob", m: dict, win: Window, masked: str) -> np.ndarray:
    """The source layer's output luminance on ``win`` (H, W) float32 (not yet clipped)."""
    source = m["layer"]
    problem = layer_mask_problem(job.tree, masked, source)
    if problem is not None:
        raise StepFailed(f"mask from layer {source}: {problem}")
    nodes = source_nodes(job, source)
    if nodes is None:
        raise StepFailed(f"the mask layer {source!r} is missing")
    comp = job.composite(nodes, win, None)
    px = comp.crop(win)
    lum = px if px.ndim == 2 else luminance(px)
    return np.nan_to_num(lum, nan=0.0).astype(np.float32, copy=False)


__all__ = ["is_layer_mask", "resolve", "raw_mask", "source_nodes", "stack_order"]
