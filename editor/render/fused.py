"""Point-wise layers fused per tile: a run of them reads the composite once and writes it once.

Rendering layer by layer made every adjustment, every blend and every mask a pass over the
whole tile into a fresh array (page faults included). Here the engine hands a run of consecutive *point-wise* layers
to :func:`run`, which walks the tile in cache-sized row chunks (:data:`CHUNK_BYTES`): each chunk
is copied into a per-thread buffer, every layer of the run is applied to it in place (its
filter's chunk kernel, then the blend with opacity x mask), and the chunk is written once to
the result.

A layer is point-wise when (:func:`step_of`):

- it is an adjustment whose built-in filter declares ``extra["pointwise"]``:
  ``pointwise(scaled_params, shape) -> chunk(src, dst)`` (``dst`` may be ``src``) or None
  when these parameters are not element-wise (e.g. levels on the luminance only). The filter
  functions use the very same kernels, so fused and unfused renders give the same bits;
- its halo (the kind's and its mask's) is 0: a mask that is a raster, another layer, a
  generated mask on a source, or a generated mask on the composite below whose large-radius
  part comes from the one coarse field of the whole canvas (the contrast mask of r = 1000).

A mask generated from the composite below depends on the layers under it in the run. When
nothing is cached (full renders, exports) and the mask can be made chunk by chunk (a contrast
mask from its coarse field, no feather: :class:`ChunkAlpha`), it is made from each chunk as the
run reaches that layer. Otherwise the run is cut there into segments: the mask is computed on
the composite finished so far, then the next segment continues. When the document's cache
keeps results, the composite at such a cut (what the masked layer's edits start from) and the
run's result are stored under their usual keys, as the step-by-step render does; the results
in between are not.

What this saves on this project's 2-core test machine is less the memory traffic (a 1024 px
tile is 12 MiB, within the last-level cache) than the page faults of fresh arrays and the
Python and allocation overhead of whole-tile temporaries; each numpy call inside a chunk is
still its own pass over that chunk (about 1 ms per megapixel of RGB each), so the chunk loop
copies nothing it need not (:func:`_chunk`) and the kernels leave out steps that change nothing.

Where the CPU of issue 13's 40 MP full render goes (``bench_tiled.py --only full``, both tile
threads, load 2.8): curves 0.24 s (the gather in its 4 MiB table: it misses the caches), asinh
0.25 (luminance and per-pixel factor: strided reads of the interleaved RGB; writing the output
included), contrast mask per chunk 0.15, blends and the rest of the loop 0.11, first levels
0.11 (reading the source included), masked levels 0.08 (exp2/log2), outside the chunk loop
0.19. Best of two renders: 13.1-16.9 memory passes (1.09-1.52 s CPU) against 16.1-22.5
(1.16-1.62 s CPU) before the copies and no-op steps went (old and new trees in turn, load
2.6-3.6). A compiled per-pixel kernel was weighed and left out: numba's scalar exp2/log2/asinh
are several times slower than numpy's SIMD ones, and importing it costs 0.3-0.9 s per process
(the CLI and its workers) for ~0.3 s saved on this render.

The kernels are at numpy's floor (issue 13's 0.25 preview, 2.5 MP RGB, one thread): a contiguous
pass costs ~0.1 ns per element, a pass over one channel of interleaved RGB as much as one over
all three, and ``np.take`` ~0.7 ns per element whatever the table's size (curves: 9-10 ms, most
of it the gather). Measured and dropped: planar chunks (converting costs what the channel passes
save), chunks of 64 KiB-4 MiB (1 MiB is best: ~80 us of Python per chunk), interpolated curve
tables in L1/L2. The preview's two segments cost ~38 ms of CPU; the same chain written in C
(gcc -O3, vector libm) took 18 ms on one thread: compiled code, not numpy, is the next step.

Blend modes are all per pixel (:func:`editor.render.blend.blend_pixels` on a chunk), and the
opacity/mask mix is :func:`editor.render.blend.blend`'s formula in the same order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from editor.render import buffers
from editor.render.blend import blend_pixels
from editor.render.comp import Comp
from editor.render.keys import make_key
from editor.render.maskops import feather_halo, finish_mask
from editor.render.measure import (coarse_field, measured_values, spec_measuring_scale,
                                   wants_measure)
from editor.render.resample import Window
from editor.render.steps import StepFailed, resolved_params
from filters._common import WORKERS, run_parallel, scratch

if TYPE_CHECKING:
    from editor.render.engine import RenderJob

#: Bytes of one chunk of pixels. Smaller chunks keep the chunk, the composite before a masked
#: blend and the kernels' temporaries within a core's L2 (2 MiB here), but each chunk costs
#: ~60 numpy calls of Python overhead: 40 MP full renders took 1.23-1.46 s CPU with 1 MiB
#: chunks, 1.24-1.94 s with 256 KiB, 1.25-1.61 s with 2 MiB (same run, loaded machine).
CHUNK_BYTES = 1 << 20

Kernel = Callable[[np.ndarray, np.ndarray], None]


@dataclass
class PointStep:
    node: dict
    op: Kernel
    below_mask: bool  # its mask is generated from the composite below it
    rows_mask: bool = False  # ...and can be made chunk by chunk (no cut of the run needed)


class ChunkAlpha:
    """A layer's opacity x mask made row chunk by row chunk from the composite below it:
    a generated mask whose large-radius part is one coarse field of the whole canvas
    (``extra["rows"]`` of its spec) and no feather, so every pixel of the mask depends on
    that pixel only; then the mask's levels/invert/density (:func:`finish_mask`, point-wise
    without feather) and the opacity, as :meth:`RenderJob.alpha` does on the whole."""

    def __init__(self, rows: Callable, props: dict, scale: float, opacity: float) -> None:
        self.rows, self.props, self.scale, self.opacity = rows, props, scale, opacity

    def __call__(self, below: np.ndarray, r0: int, r1: int) -> np.ndarray:
        m = finish_mask(self.rows(below, r0, r1), self.props, self.scale)
        return m if self.opacity == 1.0 else m * np.float32(self.opacity)


def step_of(job: "RenderJob", node: dict, shape: tuple[int, ...]) -> PointStep | None:
    """``node`` as a fusable point-wise step on a composite of ``shape``, or None."""
    if node["type"] != "adjustment":
        return None
    spec = job.registry.get(node["kind"])
    if spec is None or spec.source != "builtin":  # plugins run guarded, one call per layer
        return None
    factory = spec.extra.get("pointwise")
    if not callable(factory) or int(node.get("kind_version", 1)) > spec.version:
        return None
    try:
        resolved = resolved_params(spec, node["params"])
        if wants_measure(spec, resolved, job.canvas):
            return None
        op = factory(spec.scaled(resolved, job.scale), tuple(shape))
    except (StepFailed, ValueError, TypeError, KeyError):
        return None  # the step-by-step path reports the error on the layer
    if op is None or job.halo(node) != 0:
        return None
    m = node.get("mask")
    below = bool(m is not None and m["enabled"] and m["type"] == "generated"
                 and m["input"] == "below")
    return PointStep(node, op, below, below and _rows_spec(job, m) is not None)


def _rows_spec(job: "RenderJob", m: dict) -> Any:
    """The mask's spec when it can be made chunk by chunk (see :class:`ChunkAlpha`)."""
    spec = job.registry.get(m["kind"])
    if spec is None or spec.source != "builtin" or not callable(spec.extra.get("rows")):
        return None
    if feather_halo(float(m["feather"]), job.scale) != 0:
        return None
    try:
        resolved = resolved_params(spec, m["params"])
    except StepFailed:
        return None
    return spec if coarse_field(spec, resolved, job.canvas) else None


def _chunk_alpha(job: "RenderJob", node: dict, below: Comp) -> ChunkAlpha | None:
    """``node``'s alpha as a :class:`ChunkAlpha` on ``below`` (whose pixels are not made),
    or None: its measure would read ``below``'s pixels (measured at this very scale on the
    whole canvas) or the mask has no coarse field here."""
    m = node["mask"]
    spec = _rows_spec(job, m)
    if spec is None:
        return None
    resolved = resolved_params(spec, m["params"])
    if spec_measuring_scale(spec, resolved, job.canvas) == job.scale and below.win == job.full:
        return None
    measured = measured_values(job, spec, resolved, below)
    params = spec.scaled(resolved, job.scale)
    rows = spec.extra["rows"](below.win.shape, measured, **params)
    if rows is None:
        return None
    job.stats.add("mask_renders")
    return ChunkAlpha(rows, m, job.scale, float(node["opacity"]))


def run_length(job: "RenderJob", nodes: list[dict], k: int, comp: Comp, win: Window) -> int:
    """How many of ``nodes[k:]`` form one fusable run on ``comp`` (0: render step by step)."""
    if comp.win != win:
        return 0
    # not comp.data: that would make the empty canvas's zeros, and kinds tell the empty
    # canvas by data_ None (a mosaic leaves NaN where no panel covers)
    shape = comp.win.shape if comp.data_ is None else comp.data_.shape
    n = 0
    while k + n < len(nodes) and step_of(job, nodes[k + n], shape) is not None:
        n += 1
    return n


def run(job: "RenderJob", nodes: list[dict], k: int, end: int, comp: Comp, base: Any,
        out: np.ndarray | None = None) -> Comp:
    """The composite after ``nodes[k:end]`` (a fusable run) on ``comp``; ``base`` is the
    origin of the composite ``nodes`` are stacked on. ``out``: where to write the result
    (a view of the caller's output; not cached then)."""
    win = comp.win
    src = comp.data
    steps = [step_of(job, nodes[i], src.shape) for i in range(k, end)]
    segments: list[list[tuple[int, PointStep]]] = []
    keep = job.cache.max_bytes > 0
    # Masks made from the composite below, chunk by chunk, when nothing is cached (when the
    # cache keeps results, the composite below the masked layer is kept instead: its edits
    # start there). A failure is kept to be reported on its layer.
    chunked: dict[int, ChunkAlpha | StepFailed] = {}
    for i, st in zip(range(k, end), steps):
        assert st is not None
        if st.rows_mask and not keep:
            try:
                ca = _chunk_alpha(job, st.node, Comp("", None, win, (base, tuple(nodes[:i]))))
            except StepFailed as exc:
                ca = exc
            if ca is not None:
                chunked[i] = ca
    for i, st in zip(range(k, end), steps):
        assert st is not None
        if not segments or (st.below_mask and i not in chunked):  # cut: make the below
            segments.append([])
        segments[-1].append((i, st))
    dst: np.ndarray | None = None
    state = comp.state
    for s, seg in enumerate(segments):
        below = Comp(state, src, win, (base, tuple(nodes[:seg[0][0]])))
        ops: list[tuple[Kernel, str, Any]] = []
        for i, st in seg:
            lid = st.node["id"]
            job._report()
            job.stats.add("layer_renders", lid)
            try:
                alpha = chunked.get(i)
                if isinstance(alpha, StepFailed):
                    raise alpha
                if alpha is None:
                    alpha = job.alpha(st.node, below, win, None)
            except StepFailed as exc:  # its mask failed: pass-through, as step() does
                job._set_error(lid, str(exc))
                job._advance(1)
                continue
            job.stats.add("filter_runs")
            job._set_error(lid, None)
            state = make_key(state, job.signature(st.node))
            ops.append((st.op, st.node["blend"], alpha))
            job._advance(1)
        last = s == len(segments) - 1
        if dst is None or (keep and dst is not out):
            # in place from the second segment on, unless the cut is cached
            fits = out is not None and out.shape == src.shape
            dst = out if fits and (last or not keep) else buffers.empty(src.shape)
        if ops:
            apply(ops, src, dst)
        elif dst is not src:
            np.copyto(dst, src)
        if dst is not out and (keep or last):
            dst = job.store(state, win, dst, ("fused", seg[-1][1].node["id"]))
        src = dst
    return Comp(state, src, win, (base, tuple(nodes[:end])))


def apply(ops: list[tuple[Kernel, str, Any]], src: np.ndarray, dst: np.ndarray) -> None:
    """``dst`` = ``ops`` (kernel, blend mode, alpha: float or (H, W)) applied in turn to
    ``src``, chunk by chunk (``dst`` may be ``src``); chunks spread over the filter threads
    (inline on a tile's thread: the tiles are the parallel work there)."""
    h = src.shape[0]
    row = max(1, src[0].nbytes)
    band = max(1, CHUNK_BYTES // row)
    starts = list(range(0, h, band))
    lock = threading.Lock()
    todo = iter(starts)
    steps = _steps(ops)

    def worker() -> None:
        while True:
            with lock:
                r0 = next(todo, None)
            if r0 is None:
                return
            _chunk(steps, src, dst, r0, min(h, r0 + band))

    run_parallel([worker] * max(1, min(len(starts), WORKERS)))


#: How a layer mixes into the composite in :func:`_chunk`: its result replaces the composite
#: (normal, opaque), is mixed by one opacity (None: opaque), by per-pixel alpha rows, or by a mask
#: made per chunk.
OPAQUE, SCALAR, ROWS, CHUNKED = range(4)


def _steps(ops: list[tuple[Kernel, str, Any]]) -> list[tuple[Kernel, str, Any, int]]:
    """``ops`` with how each one mixes, sorted out once per run rather than once per chunk
    (each numpy call on a scalar costs ~2 us, and a run has ~30 chunks per segment); alpha <= 0
    leaves the composite below as it is (blend() keeps below), so that layer is dropped."""
    out = []
    for op, mode, alpha in ops:
        if isinstance(alpha, ChunkAlpha):
            out.append((op, mode, alpha, CHUNKED))
        elif np.ndim(alpha):
            out.append((op, mode, alpha, ROWS))
        elif not float(alpha) <= 0.0:
            a = float(alpha)  # (NaN stays: it is mixed in as before)
            how = OPAQUE if a >= 1.0 and mode == "normal" else SCALAR
            out.append((op, mode, None if a >= 1.0 else np.float32(a), how))
    return out


def _chunk(steps: list[tuple[Kernel, str, Any, int]], src: np.ndarray, dst: np.ndarray,
           r0: int, r1: int) -> None:
    # No copy of the chunk in or out: the first layer reads ``src`` rows, the last one writes
    # ``dst`` rows (kernels take ``dst`` apart from ``src``), the others work in two per-thread
    # buffers that swap roles; a masked layer writes its result beside the composite below
    # instead of copying that first. Each numpy call is a pass over the chunk.
    shape = (r1 - r0,) + src.shape[1:]
    size = int(np.prod(shape))
    bufs = [scratch("fused_x", size, np.float32).reshape(shape),
            scratch("fused_y", size, np.float32).reshape(shape)]
    out = dst[r0:r1]
    cur = src[r0:r1]  # the composite so far: src rows, then one of bufs, last out
    for n, (op, mode, alpha, how) in enumerate(steps):
        last = n == len(steps) - 1
        free = bufs[1] if cur is bufs[0] else bufs[0]
        nxt = out if last else free  # out may be cur's very rows (dst is src): in place
        if how == OPAQUE:
            op(cur, nxt)
            cur = nxt
            continue
        if how == CHUNKED:  # from cur: the composite below this layer
            alpha = alpha(cur, r0, r1)
        elif how == ROWS:
            alpha = alpha[r0:r1]
        # the layer's result beside below, then blend._mix: below + (mixed - below) * a
        top = free if np.may_share_memory(nxt, cur) else nxt
        op(cur, top)
        if mode != "normal":
            mixed = blend_pixels(cur, top, mode)
            if mixed is not top:
                np.copyto(top, mixed)
        if how == SCALAR and alpha is None:  # opaque, not normal
            cur = top
            if cur is not nxt:
                np.copyto(nxt, cur)
                cur = nxt
            continue
        np.subtract(top, cur, out=top)
        if how == SCALAR:
            top *= alpha
        else:
            ab = alpha
            # as a[:, :, None], channel by channel (numpy's loops over a broadcast channel
            # axis are 3 elements long)
            planes = [top] if top.ndim == 2 else [top[..., c] for c in range(shape[-1])]
            for p in planes:
                p *= ab
            # where alpha is 0 keep below exactly (and keep the layer's NaN from leaking
            # in): below + (-0.0) is below, bit for bit, whatever below is
            if not ab.min() > 0:
                off = ~(ab > 0)
                for p in planes:
                    np.copyto(p, np.float32(-0.0), where=off)
        np.add(cur, top, out=nxt)
        cur = nxt
    if cur is not out:
        np.copyto(out, cur)
