"""The editing half of :class:`editor.core.document.Document`: every change as an undoable command.

Kept in its own module only for size; it is not meant to be mixed into anything else.
Property changes record (object, attribute, old, new); structural changes record the layer
lists before and after (see :mod:`editor.core.tree`), so undo never copies pixels.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from editor.core import availability, tree
from editor.core.alignment import measure_offsets
from editor.core.channel_merge import combine_param_names
from editor.core.history import CallbackCommand
from editor.core.layers import (
    COMBINE_MODES,
    AdjustmentLayer,
    ChannelCombineLayer,
    GroupLayer,
    ImageLayer,
    Layer,
)
from editor.core.masks import GeneratedMask, LayerMask, Mask, RasterMask
from editor.core.paint import Stroke, paint
from editor.core.stroke_history import stroke_command
from editor.errors import DocumentError
from editor.io.image import Image, ImageMeta
from editor.locale import tr

if TYPE_CHECKING:
    from editor.core.document import Document


class EditsMixin:
    # ------------------------------------------------------------------ command plumbing
    def _push(self: "Document", cmd: CallbackCommand) -> None:
        with self._lock:
            cmd.apply(self)
            self.history.push(cmd)
            self._prune_sources()
        for kind, lid in cmd.events():
            self._emit(kind, lid)
        self._emit("history")

    def _prune_sources(self: "Document") -> None:
        """Forget mask pixels nothing can reach any more (layers, snapshots, undo/redo steps),
        so painting does not keep every old stroke's mask in memory."""
        used = tree.referenced_sources(self.to_dict())
        for snap in self._snapshots:
            used |= tree.referenced_sources(snap["layers"])
        used |= self.history.referenced_sources()
        used.add(self.meta.get("base_source", ""))
        # Only mask pixels (one per brush stroke) are pruned: opened images stay available
        # for masks and merges that may pick them later.
        for sid in [sid for sid, src in self.sources.items() if sid not in used and src.kind == "mask"]:
            del self.sources[sid]

    def undo(self: "Document") -> None:
        self._replay(self.history.pop_undo, "revert")

    def redo(self: "Document") -> None:
        self._replay(self.history.pop_redo, "apply")

    def _replay(self: "Document", pop: Callable[[], Any], step: str) -> None:
        """Take the next command off the history and run its ``step`` (apply or revert)."""
        with self._lock:
            cmd = pop()
            if cmd is None:
                return
            getattr(cmd, step)(self)
            self._prune_sources()  # a stroke undone or redone leaves its other state behind
        for kind, lid in cmd.events():
            self._emit(kind, lid)
        self._emit("history")

    def _restructure(self: "Document", text: str, mutate: Callable[[list[Layer]], Any],
                     nbytes: int = 256) -> Any:
        """Run ``mutate(self.layers)`` and record the structure before/after as one step."""
        with self._lock:
            before = tree.capture(self.layers)
            try:
                result = mutate(self.layers)
            except DocumentError:
                tree.restore(self.layers, before)
                raise
            after = tree.capture(self.layers)
            tree.restore(self.layers, before)
        refs = _structure_refs(before) | _structure_refs(after)
        self._push(CallbackCommand(text, lambda d: tree.restore(d.layers, after),
                                   lambda d: tree.restore(d.layers, before), nbytes=nbytes,
                                   refs=refs))
        return result

    def _change(self: "Document", text: str, target: Any, values: dict[str, Any],
                setter: Callable[[str, Any], None], merge_key: Any, event: tuple[str, str]) -> None:
        """Set attributes of ``target`` (a layer or mask) through its validating ``setter``."""
        with self._lock:
            old = {k: _snap(getattr(target, k)) for k in values}
            try:
                for k, v in values.items():
                    setter(k, v)
            except DocumentError:
                for k, v in old.items():
                    setattr(target, k, v)
                raise
            new = {k: _snap(getattr(target, k)) for k in values}
            for k, v in old.items():
                setattr(target, k, v)

        def assign(vals: dict[str, Any]) -> Callable[[Any], None]:
            return lambda _d: [setattr(target, k, _snap(v)) for k, v in vals.items()]

        refs = {sid for v in (*old.values(), *new.values()) if isinstance(v, Mask)
                for sid in _mask_refs(v)}
        self._push(CallbackCommand(text, assign(new), assign(old), merge_key=merge_key,
                                   events=[event], refs=refs))

    def _insert(self: "Document", layer: Layer, index: int | None, text: str) -> str:
        def mutate(layers: list[Layer]) -> None:
            i = len(layers) if index is None else max(0, min(int(index), len(layers)))
            layers.insert(i, layer)

        self._restructure(text, mutate)
        return layer.id

    # ------------------------------------------------------------------ adding layers
    def add_image(self: "Document", image: Any, name: str | None = None,
                  offset: tuple[int, int] = (0, 0), index: int | None = None) -> str:
        """Add pixels (a path, an array or an editor.io.Image) as a new image layer on top."""
        src = self._source_for(image, name)
        from editor.core.naming import layer_name_for  # file stem + filter, as from_image

        layer = ImageLayer(name=layer_name_for(src, name, fallback=src.name or tr("Image")),
                           source_id=src.id)
        layer.set_prop("offset", offset)
        if "base_source" not in self.meta:
            self.meta["base_source"] = src.id
        return self._insert(layer, index, tr("Add {name}").format(name=layer.name))

    def add_adjustment(self: "Document", kind: str, name: str | None = None,
                       index: int | None = None, **params: Any) -> str:
        """Add an adjustment layer running registered operation ``kind`` on what is below."""
        spec = self.registry.get(kind)
        if spec is None:
            raise DocumentError(tr("no operation {kind!r} is installed").format(kind=kind))
        if spec.category != "adjustment":
            raise DocumentError(tr("{kind!r} is a {category}, not an adjustment").format(kind=kind, category=spec.category))
        try:
            resolved = spec.resolve(params)
        except ValueError as exc:
            raise DocumentError(str(exc)) from None
        plugin_id, plugin_version = _provenance(self.registry, spec)
        layer = AdjustmentLayer(name=name or tr(spec.name), kind=kind, params=resolved,
                                kind_version=spec.version, plugin_id=plugin_id,
                                plugin_version=plugin_version)
        return self._insert(layer, index, tr("Add {name}").format(name=layer.name))

    def add_channel_combine(self: "Document", channels: dict[str, Any], mode: str = "lrgb",
                            name: str | None = None, align: bool = True, index: int | None = None,
                            **params: Any) -> str:
        """Add a colour layer merged from mono frames (LRGB or RGB), aligned sub-pixel."""
        if mode not in COMBINE_MODES:
            raise DocumentError(tr("unknown channel mode {mode!r} (one of {text})").format(mode=mode, text=', '.join(COMBINE_MODES)))
        allowed = {"L", "R", "G", "B", "RGB"}
        if not channels or set(channels) - allowed:
            raise DocumentError(tr("channels must be among {text}").format(text=', '.join(sorted(allowed))))
        ids = {ch: self._source_for(v, ch).id for ch, v in channels.items()}
        offsets = measure_offsets({ch: self.sources[s].pixels for ch, s in ids.items()}) if align else {}
        _check_combine_params(mode, params)
        layer = ChannelCombineLayer(name=name or mode.upper(), channels=ids,
                                    offsets=offsets, mode=mode, params=dict(params))
        return self._insert(layer, index, tr("Add {name}").format(name=layer.name))

    def add_group(self: "Document", name: str | None = None, layer_ids: list[str] | tuple = ()) -> str:
        """Put sibling layers ``layer_ids`` into a new group where the topmost one was."""
        name = name or tr("Group")
        group = GroupLayer(name=name)

        def mutate(layers: list[Layer]) -> None:
            if not layer_ids:
                layers.append(group)
                return
            found = [tree.locate(self.layers, lid) for lid in layer_ids]
            parent = found[0][0]
            if any(f[0] is not parent for f in found):
                raise DocumentError(tr("only layers side by side in the same group can be grouped"))
            order = sorted(found, key=lambda f: f[1])
            group.children = [f[2] for f in order]
            top = order[-1][1]
            parent.insert(top + 1, group)
            for f in order:
                parent.remove(f[2])

        self._restructure(tr("Group {name}").format(name=name), mutate)
        return group.id

    # ------------------------------------------------------------------ changing layers
    def set_params(self: "Document", layer_id: str, merge_key: Any = None, **params: Any) -> None:
        """Change an adjustment's (or channel merge's) parameters; validated against the schema."""
        layer = self.layer(layer_id)
        if isinstance(layer, AdjustmentLayer):
            spec = self.registry.get(layer.kind)
            if spec is None:
                raise DocumentError(tr("{name}: ").format(name=layer.name)
                                    + availability.missing_reason(self.registry, layer.kind,
                                                                  layer.plugin_id,
                                                                  layer.plugin_version))
            if layer.unavailable:
                raise DocumentError(tr("{name}: {error}").format(name=layer.name, error=layer.error or 'its operation cannot run'))
            try:
                new = spec.resolve({**layer.params, **params})
            except ValueError as exc:
                raise DocumentError(str(exc)) from None
        elif isinstance(layer, ChannelCombineLayer):
            new = {**layer.params, **params}
            _check_combine_params(layer.mode, new)
        else:
            raise DocumentError(tr("{name} has no parameters").format(name=layer.name))

        def setter(_k: str, v: Any) -> None:
            layer.params = v

        self._change(tr("Edit {name}").format(name=layer.name), layer, {"params": new}, setter, merge_key,
                     ("layer", layer_id))

    def set_layer_props(self: "Document", layer_id: str, merge_key: Any = None, **props: Any) -> None:
        """name, visible, opacity 0..1, blend, offset (image layers), offsets, mode (merges)."""
        layer = self.layer(layer_id)
        self._change(tr("Change {name}").format(name=layer.name), layer, props, layer.set_prop, merge_key,
                     ("layer", layer_id))

    # ------------------------------------------------------------------ masks
    def set_mask(self: "Document", layer_id: str, mask: Mask | np.ndarray | None) -> None:
        """Give the layer a mask (RasterMask / GeneratedMask / (H, W) array 0..1) or remove it."""
        layer = self.layer(layer_id)
        if isinstance(mask, np.ndarray):
            mask = self.new_raster_mask(mask)
        if isinstance(mask, GeneratedMask) and mask.input != "below" and mask.input not in self.sources:
            raise DocumentError(tr("mask input {input!r} is neither 'below' nor a source id").format(input=mask.input))
        if isinstance(mask, RasterMask):
            self._adopt(mask.source_id)
            src = self.sources.get(mask.source_id)
            if src is None or src.pixels.ndim != 2 or src.pixels.shape != self.layer_shape:
                raise DocumentError(tr("a raster mask needs a (H, W) source the size of the canvas;"
                                    " use new_raster_mask()"))
        elif isinstance(mask, GeneratedMask):
            spec = self.registry.get(mask.kind)
            if spec is None or spec.category != "mask":
                raise DocumentError(tr("no mask operation {kind!r} is installed").format(kind=mask.kind))
            try:
                mask.params = spec.resolve(mask.params)
            except ValueError as exc:
                raise DocumentError(str(exc)) from None
            mask.kind_version = spec.version
            mask.plugin_id, mask.plugin_version = _provenance(self.registry, spec)
        elif isinstance(mask, LayerMask):
            from editor.core.mask_sources import check_layer_mask  # no cycles

            check_layer_mask(self.layers, layer_id, mask.layer)
        elif mask is not None:
            raise DocumentError(tr("not a mask: {name}").format(name=type(mask).__name__))
        self._change(tr("Set mask") if mask else tr("Remove mask"), layer, {"mask": mask},
                     lambda k, v: setattr(layer, k, v), None, ("mask", layer_id))

    def new_raster_mask(self: "Document", pixels: np.ndarray | float = 1.0, **props: Any) -> RasterMask:
        """A RasterMask from (H, W) values 0..1 (or a constant), for :meth:`set_mask`."""
        arr = np.asarray(pixels, dtype=np.float32)
        if arr.ndim == 0:
            self._require_mask_memory(tr("A new raster mask"))
            arr = np.full(self.layer_shape, float(arr), dtype=np.float32)
        if arr.shape != self.layer_shape:
            raise DocumentError(tr("mask shape {shape} does not match the canvas "
                                "{layer_shape}").format(shape=arr.shape, layer_shape=self.layer_shape))
        src = self._add_source(Image(arr, ImageMeta(format="array")), "mask", kind="mask",
                               pending=True)
        mask = RasterMask(source_id=src.id)
        for k, v in props.items():
            mask.set_prop(k, v)
        return mask

    def set_mask_props(self: "Document", layer_id: str, merge_key: Any = None, **props: Any) -> None:
        """enabled, invert, density, feather, black, midtone, white, params={...} (generated)."""
        layer = self.layer(layer_id)
        mask = layer.mask
        if mask is None:
            raise DocumentError(tr("{name} has no mask").format(name=layer.name))
        if "params" in props:
            if not isinstance(mask, GeneratedMask):
                raise DocumentError(tr("only generated masks have parameters"))
            spec = self.registry.get(mask.kind)
            if spec is None:
                raise DocumentError(tr("mask: ") + availability.missing_reason(
                    self.registry, mask.kind, mask.plugin_id, mask.plugin_version))
            try:
                props["params"] = spec.resolve({**mask.params, **dict(props["params"])})
            except ValueError as exc:
                raise DocumentError(str(exc)) from None

        def setter(k: str, v: Any) -> None:
            if k == "params":
                mask.params = v
            else:
                mask.set_prop(k, v)

        self._change(tr("Edit mask"), mask, props, setter, merge_key, ("mask", layer_id))

    def paint_mask(self: "Document", layer_id: str, stroke: Any) -> None:
        """Paint one brush stroke on the layer's mask (creating a white one, or baking a
        generated one first), as one undo step."""
        layer = self.layer(layer_id)
        s = Stroke.coerce(stroke)
        self._require_mask_memory(tr("Painting a mask"))
        if layer.mask is None:
            current = np.ones(self.layer_shape, dtype=np.float32)
            props: dict[str, Any] = {}
        elif isinstance(layer.mask, RasterMask):
            current = self.sources[layer.mask.source_id].pixels
            props = layer.mask.props()
        else:
            current = self.render_mask(layer_id, 1.0)
            props = {}
        painted, box = paint(current, s)
        if box is None:
            return  # the stroke misses the canvas: nothing changes, no undo step
        painted.flags.writeable = False  # ours alone: frozen as the new source without a copy
        if isinstance(layer.mask, GeneratedMask):
            # Painting bakes the recipe: that step keeps the whole new raster (as Bake does).
            self._replace_mask(layer, self.new_raster_mask(painted, **props), tr("Paint mask"))
            return
        y0, y1, x0, x1 = box
        before = current[y0:y1, x0:x1]
        with self._lock:
            cmd = stroke_command(self, layer, painted, box, before, props, tr("Paint mask"))
        self._push(cmd)

    def bake_mask(self: "Document", layer_id: str) -> None:
        """Turn a generated mask into a raster one that looks the same (paintable)."""
        layer = self.layer(layer_id)
        if not isinstance(layer.mask, GeneratedMask):
            raise DocumentError(tr("{name} has no generated mask to bake").format(name=layer.name))
        self._require_mask_memory(tr("Baking a mask"), render=True)
        pixels = self.render_mask(layer_id, 1.0)
        self._replace_mask(layer, self.new_raster_mask(pixels, enabled=layer.mask.enabled),
                           tr("Bake mask"))

    def _require_mask_memory(self: "Document", what: str, render: bool = False) -> None:
        """Raster masks are whole-canvas arrays in memory: a stroke holds the mask, its
        painted copy and the renderer's finished mask, a bake also the full-size render it
        is made from (RGB, 3 copies). On a canvas shown by tiles that passes the memory
        budget, one line instead of a MemoryError or a swap storm."""
        from editor.io.budget import require_in_memory

        h, w = self.layer_shape
        require_in_memory(3 * h * w * 4 + (3 * h * w * 12 if render else 0), what)

    def _replace_mask(self: "Document", layer: Layer, mask: Mask, text: str) -> None:
        old, nbytes = layer.mask, self.width * self.height * 4
        if isinstance(mask, RasterMask):
            self._adopt(mask.source_id)

        def do(_d: Any) -> None:
            layer.mask = mask

        def undo(_d: Any) -> None:
            layer.mask = old

        refs = set(_mask_refs(old)) | set(_mask_refs(mask))
        self._push(CallbackCommand(text, do, undo, events=[("mask", layer.id)], nbytes=nbytes,
                                   refs=refs))

    # ------------------------------------------------------------------ structure
    def move_layer(self: "Document", layer_id: str, new_index: int,
                   parent: str | None = "same") -> None:
        """Move within its list (index after removal), or into group ``parent`` (None = top)."""
        def mutate(layers: list[Layer]) -> None:
            lst, i, layer = tree.locate(layers, layer_id)
            if parent == "same":
                target = lst
            elif parent is None:
                target = layers
            else:
                group = tree.locate(layers, parent)[2]
                if not isinstance(group, GroupLayer) or group is layer or _contains(layer, parent):
                    raise DocumentError(tr("a layer can only move into another group"))
                target = group.children
            lst.pop(i)
            target.insert(max(0, min(int(new_index), len(target))), layer)

        self._restructure(tr("Move layer"), mutate)

    def remove_layer(self: "Document", layer_id: str) -> None:
        def mutate(layers: list[Layer]) -> None:
            lst, i, _ = tree.locate(layers, layer_id)
            lst.pop(i)

        self._restructure(tr("Delete layer"), mutate)

    def duplicate_layer(self: "Document", layer_id: str) -> str:
        twin_holder: list[Layer] = []

        def mutate(layers: list[Layer]) -> None:
            lst, i, layer = tree.locate(layers, layer_id)
            twin = layer.clone(new_ids=True)
            twin.name = tr("{name} copy").format(name=layer.name)
            lst.insert(i + 1, twin)
            twin_holder.append(twin)

        self._restructure(tr("Duplicate layer"), mutate)
        return twin_holder[0].id


def _contains(layer: Layer, lid: str) -> bool:
    return isinstance(layer, GroupLayer) and any(
        c.id == lid or _contains(c, lid) for c in layer.children)


def _provenance(registry: Any, spec: Any) -> tuple[str, str]:
    """(plugin id, plugin version) providing ``spec``, as stored in layers and masks."""
    ask = getattr(registry, "provenance", None)
    found = ask(spec.id) if callable(ask) else None
    if found:
        return str(found[0]), str(found[1])
    return spec.source, _plugin_version(registry, spec.source)


def _plugin_version(registry: Any, plugin_id: str) -> str:
    for info in getattr(registry, "plugins", []):
        if getattr(info, "id", None) == plugin_id or (plugin_id == "builtin" and info.id == "nebulayer.builtin"):
            return str(info.version)
    return ""


def _snap(value: Any) -> Any:
    """A value to keep in a command: masks by identity (later commands edit that very
    object), plain data by deep copy."""
    return value if isinstance(value, Mask) else copy.deepcopy(value)


def _mask_refs(mask: Mask | None) -> list[str]:
    if isinstance(mask, RasterMask):
        return [mask.source_id]
    if isinstance(mask, GeneratedMask) and mask.input != "below":
        return [mask.input]
    return []


def _structure_refs(structure: tree.Structure) -> set[str]:
    return tree.referenced_sources([layer.to_dict() for layer, _ in structure])


def _check_combine_params(mode: str, params: dict[str, Any]) -> None:
    names = combine_param_names(mode)
    if params.get("normalize", "auto") not in ("auto", "on", "off"):  # filters/channel_norm.py
        raise DocumentError(tr("normalize must be 'auto', 'on' or 'off', not {normalize!r}").format(normalize=params['normalize']))
    unknown = set() if names is None else set(params) - names
    if unknown:
        raise DocumentError(tr("{upper} merge has no parameter(s) {text}"
                            " (it takes {text2})").format(upper=mode.upper(), text=', '.join(sorted(unknown)), text2=', '.join(sorted(names)) or 'none'))
