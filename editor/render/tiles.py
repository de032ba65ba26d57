"""Rendering a region of a document tile by tile: bounded memory, parallel tiles, cancel and
progress between tiles, the same pixels as one whole render.

Every tile is an ordinary region render of the engine (:class:`~editor.render.engine.RenderJob`):
each layer kind widens the tile by its halo, so a tile equals the crop of the whole render
(bit for bit where the steps are exact; see :mod:`editor.render.kinds`). What every tile
needs from the whole canvas is computed once and shared through
:class:`~editor.render.engine.SharedState`: measured statistics and the coarse part of
large-radius filters (high pass, contrast mask) come from one reduced copy of the layer's
input, so no step needs the canvas at full resolution. A stack with a step that does need
it (a plugin declaring ``global``) renders the canvas once and cuts every tile from it.

Tiles are cut on a fixed grid of the scaled canvas (multiples of ``tile`` from its corner), so
a tile rendered for one view is the same cache entry for the next one (the tiled display asks
for :func:`render_level_region`).

Threads: numpy and scipy release the GIL, so independent tiles run in parallel on a thread
pool; BLAS is limited to one thread inside it (threadpoolctl), since OpenBLAS starting its own
threads inside ours made a small blur 100x slower under load.
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from editor.core.render_errors import RenderErrors
from editor.jobs.progress import CancelToken, Progress
from editor.locale import tr
from editor.render import buffers
from editor.render.cache import RenderCache
from editor.render.engine import RenderJob, SharedState
from editor.render.resample import Window

if TYPE_CHECKING:
    from editor.core.document import Document

#: Tile side (scaled px). 1024 x 1024 RGB float32 is 12 MiB: a step's few copies stay in the
#: last-level cache's neighbourhood while the per-tile overhead (halo, Python) stays small.
DEFAULT_TILE = 1024
#: Thread names starting with "filters" make filters.run_parallel run inline: a tile is
#: already one unit of parallel work, and waiting on the filters' pool from our pool's
#: threads could deadlock.
THREAD_PREFIX = "filters-tile"


def tile_grid(win: Window, tile: int) -> list[Window]:
    """The tiles covering ``win``, row by row, cut on the grid of multiples of ``tile``
    counted from the canvas corner (so every view asks for the same tiles)."""
    if tile < 1:
        raise ValueError(f"tile size must be >= 1, got {tile}")
    out = []
    for ty in range(win.y0 // tile, -(-win.y1 // tile)):
        for tx in range(win.x0 // tile, -(-win.x1 // tile)):
            out.append(Window(max(win.y0, ty * tile), min(win.y1, (ty + 1) * tile),
                              max(win.x0, tx * tile), min(win.x1, (tx + 1) * tile)))
    return out


def blas_limited(workers: int) -> Any:
    """A context limiting BLAS to one thread while ``workers`` > 1 tiles run at once."""
    if workers <= 1:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it threads still work
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class TiledRender:
    """Renders windows of one document state at one scale, tile by tile.

    The layer tree and sources are read once (a snapshot), so every tile shows the same
    state even if the document changes during the render. ``cache``: where tile results
    go (default the document's; a ``RenderCache(0)`` keeps nothing, for exports).
    ``cancel`` is checked between tiles and between the steps of a tile.
    """

    def __init__(self, doc: "Document", scale: float = 1.0, *, tile: int = DEFAULT_TILE,
                 workers: int = 1, cache: RenderCache | None = None,
                 progress: Progress | None = None, cancel: CancelToken | None = None,
                 errors: RenderErrors | None = None, nodes: list[dict] | None = None) -> None:
        from editor.errors import DocumentError

        if not scale > 0:
            raise DocumentError(tr("render scale must be > 0, got {scale}").format(scale=scale))
        self.doc = doc
        self.scale = float(scale)
        self.tile = int(tile)
        self.workers = max(1, int(workers))
        self.cache = doc.cache if cache is None else cache
        self._own_cache = cache is None
        self.progress = progress
        self.cancel = cancel or CancelToken()
        self.errors = RenderErrors() if errors is None else errors
        tree, self._live, self._sources = doc.render_inputs()
        self._tree = tree if nodes is None else nodes
        self.shared = SharedState(tiled=True)
        # A cropped/rotated/resampled document: tiles of the output canvas, each rendered
        # from the one layer-frame window it shows (editor/render/geometry.py).
        self.geometry = doc.geometry
        self.full = self._job().full
        if not self.geometry.is_identity:
            from editor.render.geometry import output_full

            self.full = output_full(self.geometry, self.scale)

    def _job(self) -> RenderJob:
        from editor.render.geometry import engine_scale

        scale = self.scale if self.geometry.is_identity else engine_scale(self.geometry, self.scale)
        return RenderJob(tree=self._tree, sources=self._sources, layers=self._live,
                         registry=self.doc.registry, cache=self.cache, stats=self.doc._stats,
                         canvas=self.doc.layer_shape, scale=scale,
                         progress=self.cancel.progress(), errors=self.errors, shared=self.shared)

    def render_tile(self, win: Window, out: np.ndarray | None = None) -> np.ndarray:
        """One tile (read-only array, possibly the cached one). ``out``: an array of the
        tile's shape the engine may write the result into (then it returns ``out``)."""
        self.cancel.check()
        if not self.geometry.is_identity:
            from editor.render.geometry import render_output

            return render_output(self._job(), self.geometry, self.scale, win)
        return self._job().render(win, out).data

    def tiles(self, win: Window | None = None, into: list | None = None
              ) -> Iterator[tuple[Window, np.ndarray]]:
        """(tile window, pixels) over ``win`` in row order; tiles run ``workers`` at a time,
        at most ``2 * workers`` rendered ahead of the consumer (bounded memory). ``into``:
        a list holding (once the consumer made it) the array of ``win`` being assembled;
        when this render keeps nothing in the cache, each tile started after that is
        written straight into its part of it (no tile-sized copy)."""
        win = win or self.full
        grid = tile_grid(win, self.tile)
        done = 0
        if self._own_cache:
            self.cache = self._cache_for(win)
        direct = into is not None and self.cache.max_bytes == 0

        def part(t: Window) -> np.ndarray | None:
            if not direct or not into:
                return None
            return into[0][t.y0 - win.y0:t.y1 - win.y0, t.x0 - win.x0:t.x1 - win.x0]

        def finished(t: Window, out: np.ndarray) -> tuple[Window, np.ndarray]:
            """Count a tile done, report progress, hand back its row's pages."""
            nonlocal done
            done += 1
            if self.progress is not None:
                self.progress(done / len(grid))
            self._row_done(t, win)
            return t, out

        if self.progress is not None:
            self.progress(0.0)
        if self.workers == 1:
            for t in grid:
                yield finished(t, self.render_tile(t, part(t)))
            return
        with blas_limited(self.workers), ThreadPoolExecutor(
                self.workers, thread_name_prefix=THREAD_PREFIX) as pool:
            ahead: deque[tuple[Window, Future]] = deque()
            todo = iter(grid)
            try:
                for t in todo:
                    ahead.append((t, pool.submit(self.render_tile, t, part(t))))
                    if len(ahead) >= 2 * self.workers:
                        t0, fut = ahead.popleft()
                        yield finished(t0, fut.result())
                while ahead:
                    t0, fut = ahead.popleft()
                    yield finished(t0, fut.result())
            finally:
                if ahead:  # the consumer stopped early: stop the tiles still running
                    self.cancel.cancel()
                for _, fut in ahead:
                    fut.cancel()

    def _cache_for(self, win: Window) -> RenderCache:
        """The document's cache, unless this render's step results could not stay in half
        of it: then a stream of tiles (an export, a whole big canvas) would only evict what
        the views use and fault in fresh memory for every step (measured: 3x slower), so its
        tiles keep nothing (measures and coarse fields are shared through ``shared``)."""
        from editor.render.kinds import count_steps

        ny, nx = win.shape
        steps = count_steps(self._tree) + 1
        if ny * nx * 3 * 4 * steps > self.doc.cache.max_bytes // 2:
            return RenderCache(0)
        return self.doc.cache

    @staticmethod
    def _row_done(t: Window, win: Window) -> None:
        """After the last tile of a row: memory-mapped sources' pages read for it are handed
        back, so the process does not end up holding every source page it ever read."""
        if t.x1 == win.x1:
            from editor.io.mapped import drop_resident

            drop_resident()

    def bands(self, win: Window | None = None) -> Iterator[tuple[Window, np.ndarray]]:
        """(band window, pixels): each row of tiles assembled across ``win``'s width, top to
        bottom, for writers that take rows (strips, FITS sections)."""
        win = win or self.full
        band: np.ndarray | None = None
        band_win: Window | None = None
        for t, px in self.tiles(win):
            if band_win is None or t.y0 != band_win.y0:
                if band is not None:
                    yield band_win, band
                band_win = Window(t.y0, t.y1, win.x0, win.x1)
                band = buffers.fresh(band_win.shape + px.shape[2:])
            assert band is not None
            band[:, t.x0 - win.x0:t.x1 - win.x0] = _as_band_channels(px, band)
        if band is not None:
            yield band_win, band

    def render(self, win: Window | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """The whole of ``win`` assembled (into ``out`` if given)."""
        win = win or self.full
        into: list = [] if out is None else [out]
        for t, px in self.tiles(win, into=into):
            if not into:  # grey or colour: as the first tile
                into.append(buffers.empty(win.shape + px.shape[2:]))
            dst = into[0][t.y0 - win.y0:t.y1 - win.y0, t.x0 - win.x0:t.x1 - win.x0]
            if px is not dst:  # else the engine wrote it there
                dst[...] = _as_band_channels(px, into[0])
        assert into
        return into[0]


def _as_band_channels(px: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """A tile with as many channels as the assembled array (a grey tile in a colour band,
    e.g. a region outside every colour layer, is repeated on the three channels)."""
    if px.ndim == dst.ndim:
        return px
    if px.ndim == 2:
        return px[:, :, None]
    raise ValueError(f"tile of shape {px.shape} in an image of shape {dst.shape}")


def level_scale(level: int) -> float:
    """The scale of pyramid level ``level`` (0 = 100 %, 1 = 50 %, ...)."""
    return 0.5 ** int(level)


def render_level_region(doc: "Document", level: int, region: tuple[float, float, float, float],
                        *, tile: int = 512, workers: int = 1,
                        cancel: CancelToken | None = None,
                        progress: Callable[[float], None] | None = None,
                        errors: RenderErrors | None = None) -> tuple[Window, np.ndarray]:
    """The pixels of ``region`` = (x, y, w, h) in canvas pixels at pyramid ``level``, for a
    tiled display: rendered on the fixed tile grid of that level through the document's
    cache, so panning back or re-showing a view is served from cached tiles. Returns the
    scaled-canvas window the pixels cover and the pixels (grey (h, w) or RGB (h, w, 3))."""
    from editor.render.document_render import region_window

    scale = level_scale(level)
    tr = TiledRender(doc, scale, tile=tile, workers=workers, cancel=cancel, progress=progress,
                     errors=errors)
    win = region_window(region, scale, tr.full)
    ty0, tx0 = (win.y0 // tile) * tile, (win.x0 // tile) * tile
    aligned = Window(ty0, min(tr.full.y1, math.ceil(win.y1 / tile) * tile),
                     tx0, min(tr.full.x1, math.ceil(win.x1 / tile) * tile))
    px = tr.render(aligned)
    return win, px[aligned.crop_of(win)]
