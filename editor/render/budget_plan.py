"""How much memory a tiled render will take, and the tile size and thread count that fit
the memory budget (``NEBULAYER_MEMORY_BUDGET``), decided before anything is rendered.

The estimate counts what the process holds already (its resident size: the interpreter,
libraries and the sources read into memory; memory-mapped sources count only the pages in
use), plus per thread the tile with its halo times the copies a step makes, the tiles
rendered ahead, the band being written, the whole-canvas measuring renders at their reduced
scale, the sources' reduced copies (proxies) a scale below 1 or a measure builds, and the
pages of mapped sources the rows of tiles in flight read. When
even one thread on 256 px tiles would not fit, the job is refused in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from editor.errors import DocumentError
from editor.locale import _

#: Float copies of a tile a step holds at once: the composite below, the layer's pixels or
#: filter output, its mask, the blended result, and the filter's own temporaries.
STEP_COPIES = 6
MIN_TILE = 256


def resident_bytes() -> int:
    """This process's resident memory now."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except (ImportError, OSError):  # pragma: no cover - psutil is a dependency
        return 0


def estimate(doc: Any, scale: float, tile: int, threads: int) -> dict[str, int]:
    """Bytes per part of a tiled render of ``doc`` at ``scale`` (see the module notes)."""
    from editor.render.measure import measuring_scale
    from editor.render.resample import Window
    from editor.render.tiles import TiledRender

    tr = TiledRender(doc, scale, tile=tile)
    job = tr._job()
    fy, fx = tr.full.shape
    chans = 3 if any(s.pixels.ndim == 3 for s in doc.sources.values()) else 1
    px = 4 * chans
    cy, cx = fy // 2, fx // 2
    need = job._input_window(job.tree, Window(cy, min(fy, cy + tile), cx, min(fx, cx + tile)))
    ny, nx = need.shape
    if need == tr.full:  # a step needs the whole canvas: it is rendered once, whole
        whole = 3 * fy * fx * px
        per_thread = STEP_COPIES * tile * tile * px
    else:
        whole = 0
        per_thread = STEP_COPIES * ny * nx * px
    ms = measuring_scale(doc.height and (doc.height, doc.width))
    measured = _may_measure(job.tree)
    measure = STEP_COPIES * int(doc.height * ms * doc.width * ms) * px if measured else 0
    # Reduced copies: built in memory for sources read into memory; a mapped source has its
    # proxy levels in mapped files already (a mosaic at scale < 1 still averages its panels
    # in memory, ~scale^2 of them).
    held = sum(s.pixels.nbytes for s in doc.sources.values() if not is_mapped(s.pixels))
    mapped = sum(s.pixels.nbytes for s in doc.sources.values() if is_mapped(s.pixels))
    proxies = (held // 3 if (scale < 1 or (measured and ms < 1)) else 0) \
        + (int(mapped * scale * scale) if scale < 1 else 0)
    # Pages of mapped sources read for the rows of tiles in flight (two rows: handed back
    # after each row, see TiledRender), which count in the resident size meanwhile.
    # (below scale 1 the rows come from the proxy level of that scale: as many, narrower)
    rows = 2 * ny * (1 / scale if scale >= 1 else scale)
    pages = sum(min(s.pixels.nbytes, rows * s.pixels.nbytes / s.pixels.shape[0])
                for s in doc.sources.values() if is_mapped(s.pixels))
    return {"resident": resident_bytes(), "tiles": threads * per_thread,
            "ahead": 2 * threads * tile * tile * px, "band": 2 * tile * fx * px,
            "whole": whole, "measure": measure, "proxies": proxies, "mapped": int(pages)}


def whole_render_fits(doc: Any, scale: float = 1.0) -> bool:
    """Whether a render of the whole canvas of ``doc`` at ``scale`` in one piece (what
    ``doc.render()`` does) fits the memory budget, by the engine's own count
    (:data:`editor.render.engine.RENDER_COPIES` RGB float32 copies). When it does not, the
    editor shows the document by tiles and exports it streamed, as the headless render does."""
    from editor.io.budget import memory_budget

    return whole_render_bytes(doc, scale) <= memory_budget()


def whole_render_bytes(doc: Any, scale: float = 1.0) -> int:
    """What the engine counts for a one-piece render of the whole canvas (its refusal's rule)."""
    from editor.render.engine import RENDER_COPIES

    h, w = round(doc.height * scale), round(doc.width * scale)
    return RENDER_COPIES * h * w * 3 * 4


def is_mapped(a: Any) -> bool:
    """Whether ``a`` is a view of a memory map (its pages are the file's, not ours)."""
    import mmap

    while a is not None:
        if isinstance(a, mmap.mmap):
            return True
        a = getattr(a, "base", None)
    return False


def _may_measure(nodes: list[dict]) -> bool:
    """Whether a layer might measure its input on a reduced whole-canvas render: any
    adjustment or generated mask (statistics-driven or coarse large-radius filters);
    picture layers (images, mosaics) alone never do."""
    for n in nodes:
        if not n.get("visible", True):
            continue
        m = n.get("mask")
        if n.get("type") == "adjustment" or (m and m.get("enabled") and m.get("type") == "generated"):
            return True
        if _may_measure(n.get("children") or []):
            return True
    return False


def fit_tiles(doc: Any, scale: float, tile: int, threads: int, out: Path | None = None
              ) -> tuple[int, int]:
    """(tile, threads) at most those asked for whose estimate fits the budget; DocumentError
    with the figures when none does."""
    from editor.io.budget import format_bytes, memory_budget

    limit = memory_budget()
    t, n = int(tile), max(1, int(threads))
    while True:
        parts = estimate(doc, scale, t, n)
        total = sum(parts.values())
        if total <= limit:
            return t, n
        if n > 1:
            n -= 1
        elif t > MIN_TILE:
            t = max(MIN_TILE, (t // 2 + 15) // 16 * 16)
        else:
            break
    detail = ", ".join(f"{k} {format_bytes(v)}" for k, v in parts.items() if v)
    raise DocumentError(
        _("rendering {width}x{height} at scale {scale:g} needs about "
        "{format_bytes} ({detail}), more than the memory budget of "
        "{format_bytes2}; set NEBULAYER_MEMORY_BUDGET higher or render a smaller scale").format(width=doc.width, height=doc.height, scale=scale, format_bytes=format_bytes(total), detail=detail, format_bytes2=format_bytes(limit)))


def planned_render(doc: Any, scale: float, out: Path, *, tile: int = 1024,
                   threads: int | None = None, progress: Any = None, errors: Any = None,
                   cache: Any = None) -> Any:
    """The tiled render of ``doc`` at ``scale`` for writing ``out`` (tile size rounded for
    its format), with the tile size and threads :func:`fit_tiles` fits to the budget: what
    ``nebulayer render`` and the editor's export of a canvas too big for memory both run.
    ``cache``: the render cache (default the document's); the planner counts what the process
    holds now, so a cache that would grow during the render must not be the one given."""
    import os

    from editor.render.tiles import TiledRender
    from editor.render.tiles_export import stream_tile

    t, n = fit_tiles(doc, scale, stream_tile(tile, Path(out)), threads or os.cpu_count() or 1,
                     Path(out))
    return TiledRender(doc, scale, tile=t, workers=n, cache=doc.cache if cache is None else cache,
                       progress=progress,
                       errors=errors)

