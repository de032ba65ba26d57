"""The tiled display: the canvas shows one QGraphicsPixmapItem per visible tile of the pyramid
level matching the zoom (editor/render/pyramid.py), so a canvas of any size displays (no
pyqtgraph 2^29-element image), pans at screen rate and refines tile by tile.

Order of work: the overview (the whole canvas in a tile or two of the coarsest level, a few
ms), then the visible cells of the current level, nearest the view's centre first, then the
cells a further pan in the same direction will expose (prefetch), then the view and its
surroundings 8x coarser (the next pan's sharper placeholder); two worker threads render them
(once the screen stretch is known), and cells already in the display cache show at once.
Tiles arriving within BATCH_MS go on screen in one repaint. The pan itself never waits for a render:
what is on screen meanwhile stays as the placeholder (tiles of coarser levels, kept until the
finer ones cover them, and the render controller's low-resolution picture under them). A pan
or zoom replaces the queue with the new view's cells and cancels a running tile that left the
view; a document change or a new stretch starts a new display state (the old state's queued
work is dropped, its tiles are cancelled).

Display tiles are cached under the document's render key (pyramid.document_key) plus the
stretch: an undo back to a state shown before shows its tiles again without rendering.
``settled`` fires once the view has been complete and still for ``SETTLE_MS``: the render
controller's picture (histogram, placeholder) follows then, so it never takes a core from
the tiles of a pan in progress.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QImage, QPixmap, QTransform
from PyQt6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem

from editor.core.render_errors import RenderErrors
from editor.jobs.progress import CancelToken, Cancelled
from editor.render.budget_plan import whole_render_fits
from editor.render.pyramid import (TILE, DisplayTileCache, LevelRenderer, TileId, coarsest_level,
                                   document_key, level_for_zoom, pan_direction, prefetch_tiles,
                                   stretch_key, tile_rect, visible_tiles)

log = logging.getLogger(__name__)

#: Documents from this many pixels on show through tiles (smaller ones render the visible
#: region in one picture, which is as fast there and exact at every zoom).
TILED_MIN_PIXELS = 30_000_000
TILE_THREADS = 2
PLACEHOLDER_STEPS = 3  # placeholder level: 8x coarser than the shown one
SETTLE_MS = 250  # view complete and still this long: ``settled``
#: Tiles arriving within this many ms go on screen in one repaint (a repaint of a 1920x1080
#: canvas costs 6-18 ms on the UI thread; one per tile took a core from the tile threads).
#: The tile that completes the view is shown at once.
BATCH_MS = 40
#: z of tiles: above the controller's picture (placeholder), below the frame/brush/overlays;
#: finer levels above coarser ones.
Z_TILES = -1.0
Z_PLACEHOLDER = -2.0


def _pixmap(picture: np.ndarray) -> QPixmap:
    h, w = picture.shape[:2]
    img = QImage(picture.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(img)  # copies: the array may go once this returns


class TiledLayer(QObject):
    """Tiles of the current document on ``canvas`` (a :class:`~editor.ui.canvas.view.CanvasView`).

    ``issued`` lists every tile handed to the renderer (tests check a pan renders only the
    newly visible cells); ``shown`` is emitted when every visible tile of the level is on
    screen (benchmarks time to it)."""

    shown = pyqtSignal()
    settled = pyqtSignal()
    _ready = pyqtSignal(object)

    def __init__(self, canvas: Any, cache: DisplayTileCache | None = None, tile: int = TILE) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.cache = cache or DisplayTileCache()
        self.tile = tile
        self.doc: Any = None
        self.enabled = False
        self.suspended = False
        self.stretch: Any = None
        self.clip_warning = False
        self._state = 0  # display state counter: work of an older state is dropped
        self._content = 0  # document content only (the engine renderers stay across stretches)
        self.doc_key: str | None = None  # the document's render key (content)
        self.display_key: tuple | None = None  # (doc_key, stretch key): what a picture shows
        self._last_centre: tuple[float, float, int] | None = None
        self._direction = (0, 0)  # of the last pan, in tiles: where to prefetch
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._on_settle)
        self._pending: dict[TileId, tuple[np.ndarray, Any]] = {}  # arrived, not yet shown
        self._batch = QTimer(self)
        self._batch.setSingleShot(True)
        self._batch.setInterval(BATCH_MS)
        self._batch.timeout.connect(self._flush)
        self.items: dict[TileId, QGraphicsPixmapItem] = {}
        self.level = 0
        self.wanted: list[TileId] = []
        self.placeholder: list[TileId] = []
        self.issued: list[TileId] = []
        self._cond = threading.Condition()
        self._queue: list[tuple[int, TileId]] = []
        self._running: dict[str, tuple[int, TileId]] = {}  # thread name -> its tile
        self._wanted: set[TileId] = set()
        self._token = CancelToken()
        self._renderers: dict[tuple[int, int], LevelRenderer] = {}
        self._stop = False
        self._ready.connect(self._on_ready)
        # one thread per core: tiles are independent and numpy/scipy release the GIL
        self._threads = [threading.Thread(target=self._work, name=f"nebulayer-tiles-{i}", daemon=True)
                         for i in range(TILE_THREADS)]
        for th in self._threads:
            th.start()

    # inputs
    def set_document(self, doc: Any, stretch: Any = None, clip_warning: bool = False) -> None:
        self.doc = doc
        # also any canvas a one-piece render could not hold within the memory budget
        self.enabled = doc is not None and (doc.width * doc.height >= TILED_MIN_PIXELS
                                            or not whole_render_fits(doc))
        self.stretch, self.clip_warning = stretch, clip_warning
        self._last_centre, self._direction = None, (0, 0)
        self._new_state()
        self._clear_items()
        self.canvas.image_item.setZValue(Z_PLACEHOLDER)

    def set_display(self, stretch: Any, clip_warning: bool) -> None:
        """The stretch/clip warning the tiles are drawn with (the render controller's)."""
        if _same(stretch, self.stretch) and clip_warning == self.clip_warning:
            return
        self.stretch, self.clip_warning = stretch, clip_warning
        # (the tile threads wait while the stretch is unknown, so nothing runs yet the first
        # time; later, running tiles of the old stretch are cancelled: the linear pixels stay
        # in the engine cache and come back in a few ms)
        self._new_state(content=False)
        self.update_view()

    def suspend(self, suspended: bool) -> None:
        """Hide the tiles while the canvas shows something else (a mask alone)."""
        if suspended == self.suspended:
            return
        self.suspended = suspended
        if suspended:
            self._new_state()
            self._clear_items()
        else:
            self.update_view()

    def invalidate(self) -> None:
        """The document's content changed: every tile is drawn again (the placeholder stays)."""
        self._new_state()
        self.update_view()

    def update_view(self) -> None:
        """The view moved: show cached tiles, queue the missing visible ones centre first."""
        if not self.enabled or self.suspended or self.doc is None:
            return
        region = self.canvas.visible_region()
        if region is None:
            return
        doc = self.doc
        self.level = level_for_zoom(self.canvas.zoom())
        self.wanted = visible_tiles(doc.width, doc.height, region, self.level, self.tile)
        # Placeholders, coarsest first: the overview (the whole canvas in one or two tiles of
        # the coarsest level, a few ms, kept for every view of this state) is rendered before
        # anything else, so every cell shows something at once; the same view PLACEHOLDER_STEPS
        # levels coarser is sharper and shows when cached (rendered as the "ahead" cells of
        # earlier views), else it is rendered after the visible cells.
        top = coarsest_level(doc.width, doc.height, self.tile)
        coarse = self.level + PLACEHOLDER_STEPS
        overview = (visible_tiles(doc.width, doc.height, (0, 0, doc.width, doc.height), top, self.tile)
                    if top > self.level else [])
        near = (visible_tiles(doc.width, doc.height, region, coarse, self.tile)
                if coarse < top else [])
        self.placeholder = overview + near
        # the coarse cells around the view, after the visible ones, so the next pan has its
        # sharper placeholder
        x, y, w, h = region
        around = (max(0, x - w // 2), max(0, y - h // 2), 2 * w, 2 * h)
        ahead = [t for t in (visible_tiles(doc.width, doc.height, around, coarse, self.tile)
                             if coarse < top else []) if t not in near]
        prefetch = self._prefetch(region)
        missing = []
        key = self.display_key
        for t in overview + self.wanted + prefetch + near + ahead:
            pic = self.cache.get((key, t))
            if pic is not None:
                if t in self.wanted or (t in self.placeholder and self._needs_placeholder()):
                    self._show(t, pic, key)
            else:
                missing.append(t)
        self._drop_items(set(self.wanted))
        with self._cond:
            queued = {t for _, t in self._queue}
            running = list(self._running.values())
            busy = {t for st, t in running if st == self._state}
            self._wanted = set(missing)
            self._queue = [(self._state, t) for t in missing if t not in busy]
            self.issued.extend(t for t in missing if t not in queued and t not in busy)
            if any(st != self._state or t not in self._wanted for st, t in running):
                self._token.cancel()  # tiles still wanted are queued again by their thread
            self._cond.notify_all()
        if self.complete():
            self.shown.emit()
            self._settle.start()
        else:
            self._settle.stop()

    def _under_picture(self, t: TileId) -> bool:
        """Cell ``t`` lies inside the render controller's picture on the canvas."""
        shown = getattr(self.canvas, "displayed_region", None)
        if shown is None or self.canvas.image_item.image is None:
            return False
        x, y, w, h = tile_rect(self.doc.width, self.doc.height, t, self.tile)
        px, py, pw, ph = shown
        return px <= x and py <= y and x + w <= px + pw and y + h <= py + ph

    def _prefetch(self, region: tuple[float, float, float, float]) -> list[TileId]:
        """Cells of the current level one tile beyond the view in the direction of the last
        pan (rendered after the visible ones, so a steady pan finds its next strip ready)."""
        x, y, w, h = region
        centre = (x + w / 2, y + h / 2, self.level)
        last, self._last_centre = self._last_centre, centre
        if last is None or last[2] != self.level:
            self._direction = (0, 0)
        else:
            self._direction = pan_direction(last[:2], centre[:2]) or self._direction
        return prefetch_tiles(self.doc.width, self.doc.height, region, self.level,
                              self._direction, self.tile)

    def _on_settle(self) -> None:
        if self.enabled and not self.suspended and self.complete():
            self.settled.emit()

    def linear_value(self, x: float, y: float) -> Any:
        """The composite's linear value at canvas pixel (x, y) from the level-0 tile on screen
        there (the engine cache's tile: no render), or None when none is shown (zoomed out)."""
        if not self.enabled or self.suspended or self.doc is None:
            return None
        ix, iy = int(x), int(y)
        t = TileId(0, ix // self.tile, iy // self.tile)
        item = self.items.get(t)
        with self._cond:
            renderer = self._renderers.get((self._content, 0))
        if item is None or item.data(0) != self.display_key or renderer is None:
            return None
        try:
            px = renderer.linear(t)
        except Cancelled:
            return None
        return px[iy - t.ty * self.tile, ix - t.tx * self.tile]

    def complete(self) -> bool:
        """Every visible tile of the current level is on screen, drawn from the current
        document state and stretch (a tile of an earlier state is only a placeholder)."""
        key = self.display_key
        return bool(self.wanted) and all(t in self.items and self.items[t].data(0) == key
                                         for t in self.wanted)

    def _needs_placeholder(self) -> bool:
        """A coarser tile would show something new: some visible cell has no tile of this
        level yet. During a slider drag every cell keeps its tile of the previous step until
        the new one arrives, so the placeholders (a smooth-scaled overview, re-cached on each
        step) would only be painted under them, at each step."""
        return not self.complete() and not all(t in self.items for t in self.wanted)

    def covered(self) -> bool:
        """Every visible cell shows something: its tile (maybe of an earlier state), a coarser
        tile over it, or the render controller's picture (what a pan shows at once)."""
        if not self.wanted:
            return False
        rects = [tile_rect(self.doc.width, self.doc.height, t, self.tile)
                 for t in self.items if t.level > self.level]
        for t in self.wanted:
            if t in self.items or self._under_picture(t):
                continue
            x, y, w, h = tile_rect(self.doc.width, self.doc.height, t, self.tile)
            if not any(rx <= x + 0.5 and ry <= y + 0.5 and x + w <= rx + rw + 0.5 and y + h <= ry + rh + 0.5
                       for rx, ry, rw, rh in rects):
                return False
        return True

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            self._token.cancel()
            self._cond.notify_all()
        for th in self._threads:
            th.join(timeout=5)

    # items on the canvas
    def _show(self, t: TileId, picture: np.ndarray, key: Any) -> None:
        item = self.items.get(t)
        if item is not None and item.data(0) == key:
            return
        if item is None:
            item = QGraphicsPixmapItem()
            item.setZValue(Z_TILES - t.level / 32.0)
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            # a repaint blits the tile as last drawn at this zoom instead of scaling it again
            # (an 8x placeholder was smooth-scaled to ~2000 px on every tile arrival)
            # (level 0 is drawn 1:1 at 100 %: a plain blit, nothing to cache)
            if t.level > 0:
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.canvas.vb.addItem(item, ignoreBounds=True)
            self.items[t] = item
        item.setData(0, key)
        item.setPixmap(_pixmap(picture))
        x, y, w, h = tile_rect(self.doc.width, self.doc.height, t, self.tile)
        ph, pw = picture.shape[:2]
        item.setTransform(QTransform.fromScale(w / pw, h / ph))
        item.setPos(x, y)
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation if t.level > 0
                                   else Qt.TransformationMode.FastTransformation)

    def _drop_items(self, wanted: set[TileId]) -> None:
        """Remove tiles off screen, of finer levels than shown, and coarser placeholders once
        the current level covers the view."""
        covered = all(t in self.items and self.items[t].data(0) == self.display_key for t in wanted)
        wanted = wanted if covered else wanted | set(self.placeholder)
        view = self.canvas.vb.viewRect()
        for t, item in list(self.items.items()):
            if t in wanted:
                continue
            off = not item.mapRectToParent(item.boundingRect()).intersects(view)
            if off or t.level < self.level or covered:
                self._remove(t)

    def _remove(self, t: TileId) -> None:
        item = self.items.pop(t)
        self.canvas.vb.removeItem(item)

    def _clear_items(self) -> None:
        for t in list(self.items):
            self._remove(t)

    def _new_state(self, content: bool = True, cancel: bool = True) -> None:
        doc_key = self.doc_key
        if content:
            doc_key = (document_key(self.doc) if self.doc is not None and self.enabled
                       else None)
        self._pending = {}
        with self._cond:
            self._state += 1
            self._queue = []
            if content:
                self._content += 1
                self._renderers.clear()
                self.doc_key = doc_key
            self.display_key = (self.doc_key, stretch_key(self.stretch, self.clip_warning)
                                if self.stretch is not None else None)
            if cancel:
                self._token.cancel()

    def _on_ready(self, msg: tuple) -> None:
        state, t, picture, errors, key = msg
        if state != self._state or self.doc is None:
            return
        if errors is not None and any(errors.messages.values()):
            self.doc.apply_render_errors(errors)  # on this thread, as the controller does
        if t in self.wanted or t in self.placeholder:
            self._pending[t] = (picture, key)
            missing = [w for w in self.wanted if w not in self._pending and not (
                w in self.items and self.items[w].data(0) == key)]
            if not missing or (t in self.placeholder and self._needs_placeholder()):
                self._flush()  # the last tile of the view, or a placeholder needed: at once
            elif not self._batch.isActive():
                self._batch.start()

    def _flush(self) -> None:
        """Put the tiles that arrived since the last repaint on screen."""
        self._batch.stop()
        pending, self._pending = self._pending, {}
        was_complete = self.complete()
        for t, (picture, key) in pending.items():
            if key != self.display_key:
                continue
            if t in self.wanted or (t in self.placeholder and self._needs_placeholder()):
                self._show(t, picture, key)
        if self.complete() and not was_complete:
            self._drop_items(set(self.wanted))
            self.shown.emit()
            self._settle.start()

    # worker thread
    def _work(self) -> None:
        while True:
            with self._cond:
                # While the auto stretch is being measured (by the render controller, on the
                # whole image) the tiles wait: everything on screen waits for that render, and
                # it runs fastest alone (it also leaves the layers' measures in the engine
                # cache for the tiles).
                while not self._stop and (not self._queue or self.stretch is None):
                    self._cond.wait()
                if self._stop:
                    return
                state, t = self._queue.pop(0)
                if state != self._state:
                    continue
                doc, stretch, clip, key = self.doc, self.stretch, self.clip_warning, self.display_key
                if self._token.cancelled:
                    self._token = CancelToken()
                    self._renderers.clear()
                token = self._token
                self._running[threading.current_thread().name] = (state, t)
                content = self._content
                renderer = self._renderers.get((content, t.level))
                if renderer is None:
                    # made under the lock: both threads share one engine snapshot, so the
                    # second waits for the first one's measures instead of repeating them
                    try:
                        renderer = LevelRenderer(doc, t.level, tile=self.tile, cancel=token)
                        self._renderers[(content, t.level)] = renderer
                    except Exception:  # noqa: BLE001 - raised again below, in the try
                        renderer = None
            msg = None
            try:
                errors = RenderErrors()
                if renderer is None:
                    renderer = LevelRenderer(doc, t.level, tile=self.tile, cancel=token, errors=errors)
                    with self._cond:
                        if content == self._content:
                            self._renderers[(content, t.level)] = renderer
                renderer.tiled.errors = errors
                picture = renderer.picture(t, stretch, clip)
                self.cache.put((key, t), picture, picture.nbytes)
                msg = (state, t, picture, errors, key)
            except Cancelled:
                with self._cond:
                    if state == self._state and t in self._wanted:
                        self._queue.insert(0, (state, t))  # cancelled with another tile
            except Exception:  # noqa: BLE001 - a bug must not kill the tile thread
                log.exception("tile render failed")
            with self._cond:
                self._running.pop(threading.current_thread().name, None)
            if msg is not None:
                try:
                    self._ready.emit(msg)
                except RuntimeError:  # the canvas was closed
                    return


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. numpy arrays inside
        return False
