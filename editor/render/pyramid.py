"""Display tiles for the tiled canvas: a pyramid of levels (1, 1/2, 1/4 ...), the tiles a view
needs nearest its centre first, one tile rendered to a screen picture, and a byte-bounded cache
of those pictures (OpenSeadragon's / napari multiscale's scheme; no Qt here).

A tile is a cell of the fixed grid of a level's scaled canvas (``TILE`` px from its corner), so
a tile rendered for one view is the same tile for the next: a pan renders only the cells that
came into view. The pixels come from the engine's :class:`~editor.render.tiles.TiledRender`
on the same grid, through the document's render cache, so a parameter change re-runs only the
steps after the changed layer. The display cache is keyed by the document's render key
(:func:`document_key`: the engine's own state key of the top of the stack, so undoing back to
a state shown before finds its tiles, and any change that alters a pixel gets a new key), the
stretch, the clip warning, the level and the cell.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Hashable

import numpy as np

from editor.render.display_lut import fast_display_image
from editor.render.keys import make_key
from editor.render.resample import Window
from editor.render.tiles import TiledRender, level_scale

if TYPE_CHECKING:
    from editor.core.document import Document

#: Tile side in level pixels: 256 x 256 RGB is 0.75 MiB float, 192 KiB on screen; a 1920x1080
#: view needs 40-54 of them. Small tiles keep a pan's work to the strip it exposes (a 300 px
#: pan renders 1-2 columns of 256 px, not a 512 px column) and let both threads share a view.
TILE = 256
#: Display cache size: ~1360 RGB pictures of 256 px, several screens at several levels.
DISPLAY_CACHE_BYTES = 256 * 1024 * 1024


def level_for_zoom(zoom: float, max_level: int = 16) -> int:
    """The coarsest level still at least as fine as the screen (zoom 1 -> 0, 0.5 -> 1,
    0.3 -> 1, 0.2 -> 2): a tile pixel is never magnified by more than 2 on screen."""
    if zoom >= 1.0:
        return 0
    return int(min(max_level, math.floor(math.log2(1.0 / max(zoom, 1e-9)) + 1e-9)))


def coarsest_level(width: int, height: int, tile: int = TILE) -> int:
    """The level at which the whole canvas fits in one tile (the overview placeholder)."""
    level = 0
    while max(width, height) * level_scale(level) > tile and level < 16:
        level += 1
    return level


def level_full(width: int, height: int, level: int) -> Window:
    """The scaled canvas at ``level`` (rounded like the engine's full window)."""
    s = level_scale(level)
    return Window(0, max(1, round(height * s)), 0, max(1, round(width * s)))


@dataclass(frozen=True)
class TileId:
    level: int
    tx: int
    ty: int


def tile_window(full: Window, t: TileId, tile: int = TILE) -> Window:
    return Window(t.ty * tile, min(full.y1, (t.ty + 1) * tile),
                  t.tx * tile, min(full.x1, (t.tx + 1) * tile))


def tile_rect(width: int, height: int, t: TileId, tile: int = TILE) -> tuple[float, float, float, float]:
    """Where tile ``t`` sits on the canvas, (x, y, w, h) in canvas pixels."""
    full = level_full(width, height, t.level)
    w = tile_window(full, t, tile)
    sx, sy = width / full.x1, height / full.y1  # exact edges even where the level rounded
    return w.x0 * sx, w.y0 * sy, (w.x1 - w.x0) * sx, (w.y1 - w.y0) * sy


def visible_tiles(width: int, height: int, region: tuple[float, float, float, float], level: int,
                  tile: int = TILE) -> list[TileId]:
    """The cells of ``level`` covering canvas ``region`` (x, y, w, h), nearest its centre first."""
    full = level_full(width, height, level)
    sx, sy = full.x1 / width, full.y1 / height
    x, y, w, h = region
    tx0, ty0 = max(0, int(x * sx) // tile), max(0, int(y * sy) // tile)
    tx1 = min((full.x1 - 1) // tile, int(math.ceil((x + w) * sx)) // tile)
    ty1 = min((full.y1 - 1) // tile, int(math.ceil((y + h) * sy)) // tile)
    cx, cy = (x + w / 2) * sx / tile - 0.5, (y + h / 2) * sy / tile - 0.5
    cells = [TileId(level, tx, ty) for ty in range(ty0, ty1 + 1) for tx in range(tx0, tx1 + 1)]
    cells.sort(key=lambda t: (t.tx - cx) ** 2 + (t.ty - cy) ** 2)
    return cells


def pan_direction(before: tuple[float, float], after: tuple[float, float]) -> tuple[int, int] | None:
    """(dx, dy) in -1/0/1 of a move of the view centre from ``before`` to ``after`` (a
    diagonal when both parts are within a factor 2), None when it did not move."""
    dx, dy = after[0] - before[0], after[1] - before[1]
    if abs(dx) <= 0.5 and abs(dy) <= 0.5:
        return None
    return (int(math.copysign(1, dx)) if abs(dx) >= abs(dy) / 2 else 0,
            int(math.copysign(1, dy)) if abs(dy) >= abs(dx) / 2 else 0)


def prefetch_tiles(width: int, height: int, region: tuple[float, float, float, float], level: int,
                   direction: tuple[int, int], tile: int = TILE) -> list[TileId]:
    """The cells of ``level`` a further pan by one tile in ``direction`` would bring into view
    (nearest the view's centre first); none without a direction."""
    if direction == (0, 0):
        return []
    step = tile / level_scale(level)  # one tile of this level in canvas px
    x, y, w, h = region
    shifted = (x + direction[0] * step, y + direction[1] * step, w, h)
    now = set(visible_tiles(width, height, region, level, tile))
    return [t for t in visible_tiles(width, height, shifted, level, tile) if t not in now]


def document_key(doc: "Document") -> str:
    """The document's render key: the engine's state key of the top of the layer stack (every
    visible layer's signature chained from the bottom, sources by pixel token, exactly what
    the engine keys its cached step results by), plus the canvas and output geometry.

    Equal keys mean equal pixels at every level, so a display tile keyed by it can be reused
    after undo/redo and can never be shown for another state. Scale-independent: the level is
    a separate part of the tile key."""
    tr = TiledRender(doc, 1.0)
    job = tr._job()  # noqa: SLF001 - the engine's signatures, not a copy of their rules
    state = "display-top"
    for node in tr._tree:  # noqa: SLF001
        if node.get("visible", True):
            state = make_key(state, job.signature(node))
    return make_key(state, [int(v) for v in doc.layer_shape], doc.geometry.to_dict())


def stretch_key(stretch: Any, clip_warning: bool) -> str:
    """A key of the screen stretch ("none", an STF triple/dict, per-channel arrays)."""
    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, np.ndarray):
            return [float(x) for x in v.ravel()]
        if isinstance(v, (np.floating, np.integer)):
            return float(v)
        return v
    return make_key(plain(stretch), bool(clip_warning))


class DisplayTileCache:
    """LRU of display pictures (uint8) bounded in bytes; thread-safe (the worker fills it,
    the UI thread reads it)."""

    def __init__(self, max_bytes: int = DISPLAY_CACHE_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self.nbytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any, nbytes: int) -> None:
        with self._lock:
            if key in self._items:
                self.nbytes -= self._sizes.pop(key)
                del self._items[key]
            self._items[key] = value
            self._sizes[key] = int(nbytes)
            self.nbytes += int(nbytes)
            while self.nbytes > self.max_bytes and len(self._items) > 1:
                old, _ = self._items.popitem(last=False)
                self.nbytes -= self._sizes.pop(old)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self.nbytes = 0


class LevelRenderer:
    """Renders display tiles of one document state at one level (one engine snapshot, reused
    for every tile of that level, so all tiles show the same state)."""

    def __init__(self, doc: "Document", level: int, *, tile: int = TILE, cancel: Any = None,
                 errors: Any = None) -> None:
        self.level, self.tile = level, tile
        self.tiled = TiledRender(doc, level_scale(level), tile=tile, cancel=cancel, errors=errors)
        self.full = self.tiled.full

    def linear(self, t: TileId) -> np.ndarray:
        """Tile ``t``'s linear pixels (read-only, possibly the engine cache's array)."""
        return self.tiled.render_tile(tile_window(self.full, t, self.tile))

    def picture(self, t: TileId, stretch: Any, clip_warning: bool) -> np.ndarray:
        """Tile ``t`` as a uint8 (h, w, 3) screen picture."""
        return np.ascontiguousarray(
            fast_display_image(self.linear(t), stretch=stretch, clip_warning=clip_warning))
