"""The document: a canvas, immutable pixel sources and a stack of layers, with undo.

Every mutating method is one undoable command (see :mod:`editor.core.history`); rendering,
saving and loading are delegated to :mod:`editor.render` and :mod:`editor.project` through
:mod:`editor.core.services` (this package never imports them). No Qt: the GUI subscribes to
:class:`DocumentEvent`, renders from a worker thread and hands what failed back with
:meth:`Document.apply_render_errors`.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from editor.core import services, tree
from editor.core.edits import EditsMixin
from editor.core.notes import Note, NotesMixin
from editor.core.recipes import RecipesMixin
from editor.core.geometry_edits import GeometryMixin
from editor.core.history import History
from editor.core.layers import GroupLayer, ImageLayer, Layer, layer_from_dict, new_id, walk
from editor.core.render_errors import RenderErrors
from editor.core.sources import Source, freeze, open_image_file
from editor.errors import DocumentError
from editor.io.image import Image, ImageMeta
from editor.locale import _


@dataclass(frozen=True)
class DocumentEvent:
    """kind: "layers" (structure), "layer" (props/params), "mask", "history", "snapshot",
    "document" (canvas, path, saved), "errors" (a render changed what layers report as failed:
    refresh their warnings, the pixels did not change); layer_id where one layer is concerned."""

    kind: str
    layer_id: str | None = None


class Document(EditsMixin, NotesMixin, RecipesMixin, GeometryMixin):
    """A layered, non-destructive image. Create with :meth:`new`, :meth:`from_image`, :meth:`load`."""

    def __init__(self, width: int, height: int, *, registry: Any = None, cache: Any = None) -> None:
        if not (0 < int(width) <= 1 << 20 and 0 < int(height) <= 1 << 20):
            raise DocumentError(_("canvas size {width}x{height} is not valid").format(width=width, height=height))
        self.width = int(width)
        self.height = int(height)
        self.path: str | None = None
        # False when ``path`` came from elsewhere than the user (a crash-recovery record):
        # save() then needs the path spelled out, so nothing is overwritten unasked.
        self.path_confirmed = True
        self.meta: dict[str, Any] = {}
        self.history = History()
        self.layers: list[Layer] = []
        self.sources: dict[str, Source] = {}
        self._pending: dict[str, Source] = {}
        self._snapshots: list[dict[str, Any]] = []
        self._notes: list[Note] = []  # review notes (editor.core.notes)
        self._subscribers: list[Callable[[DocumentEvent], None]] = []
        self._lock = threading.RLock()
        self._saved_token = 0
        self._saved_snapshots: tuple[tuple[str, str], ...] = ()
        self._registry = registry
        self._cache = cache
        self._stats_: Any = None  # the renderer's counters, made on first use

    # ------------------------------------------------------------------ construction
    @classmethod
    def new(cls, width: int, height: int, **kw: Any) -> "Document":
        """An empty canvas (renders as zeros)."""
        return cls(width, height, **kw)

    @classmethod
    def from_image(cls, path_or_image: Any, *, name: str | None = None, **kw: Any) -> "Document":
        """A document the size of the image, with it as its one layer, named after the file
        and its filter (``gc_2mass_j (J)``; "Background" for unnamed pixels)."""
        from editor.core.naming import layer_name_for

        image = _as_image(path_or_image)
        doc = cls(image.width, image.height, **kw)
        src = doc._add_source(image, name)
        doc.layers.append(ImageLayer(name=layer_name_for(image, name), source_id=src.id))
        doc.meta["base_source"] = src.id
        return doc

    @classmethod
    def load(cls, path: str | Path, **kw: Any) -> "Document":
        """Open a .nebula project (or a recovery file); ProjectError on bad files."""
        return services.get(services.PROJECT).load(path, **kw)

    def save(self, path: str | Path | None = None, *, embed_sources: bool = True,
             progress: Callable[[float], None] | None = None, cancel: Any = None) -> None:
        """Save atomically as a .nebula project. ``embed_sources=False`` stores file sources as
        references (path + sha256) instead of copying their pixels into the project.
        ``progress`` gets 0..1 as members and bands are written; ``cancel`` (a CancelToken,
        threading.Event or callable returning True) stops the save: it then raises
        ``editor.jobs.Cancelled``, the file on disk is unchanged and the document stays dirty."""
        target = path if path is not None else self.path
        if target is None:
            raise DocumentError(_("this document has no file name yet"))
        if path is None and not self.path_confirmed:
            raise DocumentError(_("{target} was not opened or chosen in this session (this is a "
                                "recovered copy): pass the path to save over it").format(target=target))
        extra = {k: v for k, v in (("progress", progress), ("cancel", cancel)) if v is not None}
        services.get(services.PROJECT).save(self, target, embed_sources=embed_sources,
                                            recovery=False, **extra)
        self.path = str(target)
        self.path_confirmed = True
        self.mark_saved()
        self._emit("document")

    def save_recovery(self, path: str | Path) -> None:
        """Autosave copy for crash recovery: does not change path or dirty."""
        services.get(services.PROJECT).save(self, path, embed_sources=True, recovery=True)

    # ------------------------------------------------------------------ state queries
    @property
    def registry(self) -> Any:
        if self._registry is None:
            self._registry = services.plugin_registry()
        return self._registry

    @property
    def cache(self) -> Any:
        if self._cache is None:
            self._cache = services.get(services.RENDERER).default_cache()
        return self._cache

    @property
    def dirty(self) -> bool:
        """Unsaved changes: the undo history moved away from the saved state, or the snapshot
        list differs from the saved one (snapshots are saved in the project but are not
        undo steps, as in Photoshop's History panel)."""
        return (self.history.state_token != self._saved_token
                or self._snapshot_state() != self._saved_snapshots)

    def mark_saved(self) -> None:
        """Record the current state as the one on disk (after a save or a load)."""
        self._saved_token = self.history.state_token
        self._saved_snapshots = self._snapshot_state()

    def _snapshot_state(self) -> tuple[tuple[str, str], ...]:
        # Snapshot contents never change after taking one, so ids and names identify them.
        return tuple((s["id"], s["name"]) for s in self._snapshots)

    @property
    def _stats(self) -> Any:
        """The renderer's counters for this document (what was computed, what was cached)."""
        if self._stats_ is None:
            self._stats_ = services.get(services.RENDERER).new_stats()
        return self._stats_

    @property
    def render_stats(self) -> dict[str, Any]:
        return self._stats.counts

    def reset_render_stats(self) -> None:
        self._stats.reset()

    def layer(self, layer_id: str) -> Layer:
        with self._lock:
            return tree.locate(self.layers, layer_id)[2]

    def all_layers(self) -> list[Layer]:
        return list(walk(self.layers))

    def parent_of(self, layer_id: str) -> GroupLayer | None:
        for layer in walk(self.layers):
            if isinstance(layer, GroupLayer) and any(c.id == layer_id for c in layer.children):
                return layer
        return None

    @property
    def snapshots(self) -> list[tuple[str, str]]:
        return [(s["id"], s["name"]) for s in self._snapshots]

    def to_dict(self) -> list[dict[str, Any]]:
        """The layer tree as plain data (what the project file and snapshots store)."""
        with self._lock:
            return [l.to_dict() for l in self.layers]

    # ------------------------------------------------------------------ events
    def subscribe(self, callback: Callable[[DocumentEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, kind: str, layer_id: str | None = None) -> None:
        event = DocumentEvent(kind, layer_id)
        for cb in list(self._subscribers):
            cb(event)

    # ------------------------------------------------------------------ sources
    def _add_source(self, image: Image, name: str | None = None, kind: str = "image",
                    pending: bool = False) -> Source:
        """Register pixels. ``pending`` ones (a mask not yet set on a layer) are kept aside
        until :meth:`_adopt`, so unused-source pruning cannot drop them in between."""
        pixels = freeze(image.data)
        sid = new_id("S")
        src = Source(id=sid, pixels=pixels, name=name or Path(image.meta.path).name or sid,
                     path=image.meta.path or None, meta=image.meta, kind=kind)
        with self._lock:
            (self._pending if pending else self.sources)[sid] = src
        return src

    def _adopt(self, source_id: str) -> None:
        with self._lock:
            src = self._pending.pop(source_id, None)
            if src is not None:
                self.sources[source_id] = src

    def _source_for(self, thing: Any, name: str | None = None) -> Source:
        """A source from a source id, an image layer id, a path, an array or an Image."""
        if isinstance(thing, str) and thing in self.sources:
            return self.sources[thing]
        if isinstance(thing, str):
            try:
                layer = self.layer(thing)
            except DocumentError:
                layer = None
            if isinstance(layer, ImageLayer):
                return self.sources[layer.source_id]
        return self._add_source(_as_image(thing), name)

    # ------------------------------------------------------------------ snapshots
    def take_snapshot(self, name: str) -> str:
        """Remember the current layer stack under ``name`` (for before/after comparisons)."""
        sid = new_id("P")
        with self._lock:
            self._snapshots.append({"id": sid, "name": str(name), "layers": self.to_dict()})
        self._emit("snapshot")
        return sid

    def snapshot_layers(self, snapshot_id: str) -> list[dict[str, Any]]:
        for s in self._snapshots:
            if s["id"] == snapshot_id:
                return copy.deepcopy(s["layers"])
        raise DocumentError(_("no snapshot with id {snapshot_id!r}").format(snapshot_id=snapshot_id))

    def delete_snapshot(self, snapshot_id: str) -> None:
        self.snapshot_layers(snapshot_id)
        self._snapshots = [s for s in self._snapshots if s["id"] != snapshot_id]
        self._emit("snapshot")

    def restore_snapshot(self, snapshot_id: str) -> None:
        """Make the snapshot's layer stack the current one (undoable)."""
        layers = [layer_from_dict(d) for d in self.snapshot_layers(snapshot_id)]
        self._restructure(_("Restore snapshot"), lambda lst: lst.__setitem__(slice(None), layers))

    # ------------------------------------------------------------------ rendering
    # Thin conveniences over the renderer service (editor.render.document_render): the model
    # itself knows no renderer (see editor.core.services).
    def render(self, scale: float = 1.0, region: tuple[int, int, int, int] | None = None,
               progress: Any = None, snapshot: str | None = None, upto: str | None = None,
               copy: bool = True, errors: RenderErrors | None = None) -> np.ndarray:
        """The composite as float32 (H, W, 3), or (H, W) if all is mono; see the API notes.

        ``copy=False`` returns the result read-only, shared with the render cache, instead of
        a private copy: for previews that only display it (saves a copy per frame).

        Layers that fail render as pass-through. Without ``errors`` their failures are applied
        at the end with :meth:`apply_render_errors` (on the calling thread); with a
        :class:`RenderErrors` they are only recorded in it, for a caller rendering on a worker
        thread to apply on its own thread."""
        nodes = self.snapshot_layers(snapshot) if snapshot is not None else None
        if upto is not None:
            nodes = tree.truncate(nodes if nodes is not None else self.to_dict(), upto)
            if nodes is None:
                raise DocumentError(_("no layer with id {upto!r}").format(upto=upto))
        return services.get(services.RENDERER).render(self, scale=scale, region=region,
                                                      progress=progress, nodes=nodes, copy=copy,
                                                      errors=errors)

    def render_mask(self, layer_id: str, scale: float = 1.0) -> np.ndarray:
        """The layer's mask after its controls, (H, W) float32 0..1 (ones if it has none)."""
        return services.get(services.RENDERER).render_mask(self, layer_id, scale)

    def render_layer_thumbnail(self, layer_id: str, size: int = 64, mask: bool = False) -> np.ndarray:
        """uint8 (h, w, 3) preview of the layer's own pixels (or of its mask, in grey)."""
        return services.get(services.RENDERER).render_thumbnail(self, layer_id, size, mask)

    def export_meta(self, scale: float = 1.0) -> ImageMeta:
        """Metadata for an exported render at ``scale``: the base image's FITS header (WCS
        placed on the canvas) + HISTORY lines."""
        return services.get(services.RENDERER).export_meta(self, scale)

    def apply_render_errors(self, errors: RenderErrors) -> bool:
        """Show what a render found on the layers (``layer.error``, ``layer.unavailable``) and
        emit one ``"errors"`` event if anything changed; True if it did. Layers deleted since
        the render started are skipped."""
        changed = False
        with self._lock:
            live = {l.id: l for l in walk(self.layers)}
            for lid, message in errors.messages.items():
                layer = live.get(lid)
                if layer is not None and layer.error != message:
                    layer.error = message
                    changed = True
            for lid in errors.unavailable:
                layer = live.get(lid)
                if layer is not None and getattr(layer, "unavailable", True) is False:
                    layer.unavailable = True
                    changed = True
        if changed:
            self._emit("errors")
        return changed

    def render_inputs(self) -> tuple[list[dict], dict[str, Any], dict[str, Any]]:
        """(layer tree as plain dicts, live layers by id, sources) taken under the lock: what
        a render reads, consistent even while another thread edits the document."""
        with self._lock:
            return self.to_dict(), {l.id: l for l in walk(self.layers)}, dict(self.sources)


def _as_image(thing: Any) -> Image:
    if isinstance(thing, Image):
        return thing
    if isinstance(thing, np.ndarray):
        return Image(thing, ImageMeta(format="array"))
    if isinstance(thing, (str, Path)):
        return open_image_file(thing)
    raise DocumentError(_("cannot make an image from {name}").format(name=type(thing).__name__))
