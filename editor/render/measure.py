"""Image statistics measured once per layer input, the same for every preview scale and region.

An operation may declare ``extra["measure"]`` (see :mod:`filters.registry`): the values its
result depends on (a stretch's black point from the noise, a background model) are then
measured on the layer's whole input rendered at :func:`measuring_scale` and passed to every
render of the layer. Measured on the preview itself, a 0.1 preview (area averaging divides the
noise by ~10) got a different stretch from the export; measured on a region, a different one
again.

The measuring size is a proxy level (1/2, 1/4... of the canvas) closest to
:data:`MEASURE_PIXELS` (``NEBULAYER_MEASURE_PIXELS`` overrides it), or the full canvas when it
is smaller: images up to that size are measured on their own pixels, as before.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
from typing import Any, Callable

import numpy as np

from editor.plugins.discovery import PLUGIN_FAILURES, describe_failure
from editor.render.keys import make_key
from editor.render.steps import StepFailed
from filters.registry import FilterSpec

log = logging.getLogger(__name__)

MEASURE_PIXELS = 2_000_000
MEASURE_PIXELS_ENV = "NEBULAYER_MEASURE_PIXELS"


def measure_pixels() -> int:
    """Pixels of the measuring render: ``NEBULAYER_MEASURE_PIXELS`` or :data:`MEASURE_PIXELS`."""
    raw = os.environ.get(MEASURE_PIXELS_ENV, "").strip()
    if raw:
        try:
            value = int(float(raw))
            if value > 0:
                return value
        except ValueError:
            pass
        log.warning("%s=%r is not a pixel count; using %d", MEASURE_PIXELS_ENV, raw,
                    MEASURE_PIXELS)
    return MEASURE_PIXELS


def measuring_scale(canvas: tuple[int, int]) -> float:
    """1, 1/2, 1/4...: the proxy level of ``canvas`` (H, W) whose size is closest to
    :func:`measure_pixels` (in ratio), never larger than the canvas."""
    n = float(canvas[0]) * float(canvas[1])
    target = float(measure_pixels())
    if n <= target:
        return 1.0
    level = max(0, round(math.log(n / target, 4)))
    return 0.5**level


def measurer(spec: FilterSpec) -> Callable[..., Any] | None:
    """The spec's measure function, or None if its result depends only on the pixels given."""
    fn = spec.extra.get("measure")
    return fn if callable(fn) else None


def coarse_field(spec: FilterSpec, resolved: dict[str, Any], canvas: tuple[int, int]) -> bool:
    """Whether ``spec`` (declaring ``extra["coarse"]``, a predicate on its parameters at the
    measuring scale) takes its smooth part from its measure: then it is point-wise on its
    input (no halo) and every tile uses the one coarse field of the whole canvas."""
    pred = spec.extra.get("coarse")
    if not callable(pred) or measurer(spec) is None:
        return False
    try:
        return bool(pred(spec.scaled(resolved, measuring_scale(canvas))))
    except PLUGIN_FAILURES:
        return False


def spec_measuring_scale(spec: FilterSpec, resolved: dict[str, Any],
                         canvas: tuple[int, int]) -> float:
    """:func:`measuring_scale`, or for a coarse-field filter the coarsest halving of it at
    which its radius is still large enough (a 1000 px blur of a 40 MP canvas is measured on a
    1/32 copy of 0.04 MP: a change below it re-measures in milliseconds)."""
    ms = measuring_scale(canvas)
    if not coarse_field(spec, resolved, canvas):
        return ms
    pred = spec.extra["coarse"]
    try:
        while ms > 1 / 1024 and pred(spec.scaled(resolved, ms / 2)):
            ms /= 2
    except PLUGIN_FAILURES:
        pass
    return ms


def wants_measure(spec: FilterSpec, resolved: dict[str, Any], canvas: tuple[int, int]) -> bool:
    """Whether a render of ``spec`` needs :func:`measured_values` (a coarse-field filter only
    when its radius calls for the coarse field: a small high pass needs no measuring render)."""
    if measurer(spec) is None:
        return False
    return spec.extra.get("coarse") is None or coarse_field(spec, resolved, canvas)


def run_measure(spec: FilterSpec, img: np.ndarray, params: dict[str, Any],
                scale: float = 1.0) -> dict[str, Any]:
    """``measure(img, **params)`` as a dict with read-only arrays; StepFailed on any failure
    (it may be a plugin's code). A measure that takes ``measuring_scale`` is told the scale
    of ``img`` (statistics such as noise change with an area-average reduction)."""
    fn = measurer(spec)
    assert fn is not None
    view = img.view()
    view.flags.writeable = False
    if "measuring_scale" in inspect.signature(fn).parameters:
        params = dict(params, measuring_scale=scale)
    try:
        out = fn(view, **params)
    except PLUGIN_FAILURES as exc:  # third-party code: anything can come out of it
        raise StepFailed(f"measuring for '{spec.id}' failed: {describe_failure(exc)}") from exc
    if not isinstance(out, dict):
        raise StepFailed(f"measuring for '{spec.id}' returned a {type(out).__name__}, not a dict")
    for v in out.values():
        if isinstance(v, np.ndarray):
            v.flags.writeable = False  # shared by every render of the layer
    return out


# ----------------------------------------------------------------------------- engine side
# ``job`` is an editor.render.engine.RenderJob; ``below`` a Comp (its ``origin`` says how to
# render it again: (origin below, layers on it), None for the empty canvas).

def measured_values(job: Any, spec: FilterSpec, resolved: dict[str, Any], below: Any
                    ) -> dict[str, Any]:
    """What ``spec`` measures on the layer's whole input at :func:`measuring_scale` (cached
    by the input's scale-independent key), plus ``frame``: where ``below`` lies on the canvas."""
    ms = spec_measuring_scale(spec, resolved, job.canvas)
    key = make_key("measure", origin_key(job, below.origin), ms, spec.id, spec.version,
                   spec.source, resolved)
    shared = job.shared
    values = _pinned_or_cached(job, key)
    if values is None:
        with shared.lock:  # tiles of one render wait for the first one's measure
            values = _pinned_or_cached(job, key)
            if values is None:
                if ms == job.scale and below.win == job.full:
                    img = below.data
                else:
                    img = render_origin(job_at_scale(job, ms), below.origin).data
                job.stats.add("measure_runs")
                values = run_measure(spec, img, spec.scaled(resolved, ms), ms)
                job.cache.put(key, values)
    shared.pinned[key] = values  # lives as long as the render (all its tiles)
    sy, sx = job.scale * job.canvas[0], job.scale * job.canvas[1]
    w = below.win
    return dict(values, frame=(w.y0 / sy, w.y1 / sy, w.x0 / sx, w.x1 / sx), canvas=(sy, sx))


def _pinned_or_cached(job: Any, key: str) -> Any:
    values = job.shared.pinned.get(key)
    return job.cache.get(key) if values is None else values


def job_at_scale(job: Any, scale: float) -> Any:
    """A job rendering the same tree at ``scale``; cancelling ``job`` cancels it."""
    progress = None
    if job.progress is not None:
        def progress(_fraction: float) -> None:
            job._report()  # lets the caller's Cancelled through, at the job's own fraction
    return type(job)(tree=job.tree, sources=job.sources, layers=job.layers,
                     registry=job.registry, cache=job.cache, stats=job.stats,
                     canvas=job.canvas, scale=scale, progress=progress, errors=job.errors,
                     shared=job.shared.at_another_scale())


def render_origin(job: Any, origin: tuple | None) -> Any:
    """The whole canvas of the composite ``origin`` describes, rendered by ``job``."""
    job._check_budget(job.full)
    if origin is None:
        return job.composite([], job.full, None)
    base, nodes = origin
    below = None if base is None else render_origin(job, base)
    return job.composite(list(nodes), job.full, below)


def origin_key(job: Any, origin: tuple | None) -> str:
    """A key of the composite ``origin`` describes, the same at every scale."""
    if origin is None:
        return make_key("empty", list(job.canvas))
    base, nodes = origin
    key = origin_key(job, base)
    for node in nodes:
        if node["visible"]:
            key = make_key(key, job.signature(node))
    return key
