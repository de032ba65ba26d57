"""How much memory a tiled render will take, and the tile size and thread count that fit
the memory budget (``NEBULAYER_MEMORY_BUDGET``), decided before anything is rendered.

The estimate counts what the process holds already (its resident size: the interpreter,
libraries and the sources read into memory; memory-mapped sources count only the pages in
use), plus per thread the tile with its halo times the copies a step makes, the tiles
rendered ahead, the band being written, the whole-canvas measuring renders at their reduced
scale, and the sources' reduced copies (proxies) a scale below 1 or a measure builds. When
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
    return {"resident": resident_bytes(), "tiles": threads * per_thread,
            "ahead": 2 * threads * tile * tile * px, "band": 2 * tile * fx * px,
            "whole": whole, "measure": measure, "proxies": proxies}


def whole_render_fits(doc: Any, scale: float = 1.0) -> bool:
    """Whether a render of the whole canvas of ``doc`` at ``scale`` in one piece (what
    ``doc.render()`` does) fits the memory budget, by the engine's own count
    (:data:`editor.render.engine.RENDER_COPIES` RGB float32 copies). When it does not, the
    editor shows the document by tiles and exports it streamed, as the headless render does."""
    from editor.io.budget import memory_budget
    from editor.render.engine import RENDER_COPIES

    h, w = round(doc.height * scale), round(doc.width * scale)
    return RENDER_COPIES * h * w * 3 * 4 <= memory_budget()


def require_in_memory(nbytes: int, what: str) -> None:
    """DocumentError in one line when ``what`` needs ``nbytes`` in memory at once, more than
    the memory budget (a whole-canvas raster of a document shown by tiles)."""
    from editor.io.budget import format_bytes, memory_budget

    limit = memory_budget()
    if nbytes > limit:
        raise DocumentError(_("{what} needs {need} in memory at once, more than the memory "
                              "budget of {budget}: the document is too big for it (set "
                              "NEBULAYER_MEMORY_BUDGET higher to allow it)").format(
            what=what, need=format_bytes(nbytes), budget=format_bytes(limit)))


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
