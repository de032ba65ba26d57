"""One-step recipes on the document: a layer as another layer's mask, the club's "contrast
mask adjustment" (adjustment layer + high-pass contrast mask in one undo step), and a colour
merge ready to judge (normalised channels + linked/unlinked auto stretch in one undo step).

Photoshop's route for the club recipe takes about 12 steps (duplicate, High Pass, Difference,
desaturate, blur, Levels, copy into the mask of a Curves layer...); here it is one call, or one
menu action (Layer > New Contrast Mask Adjustment), and the result stays editable: the mask is
a :class:`~editor.core.masks.GeneratedMask` that re-computes when what is below changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from editor.core.layers import AdjustmentLayer
from editor.core.masks import GeneratedMask, LayerMask
from editor.errors import DocumentError
from editor.locale import _

if TYPE_CHECKING:
    from editor.core.document import Document

#: High-pass radius of the recipe as a fraction of the image's long side: the club uses
#: ~1000 px on 8000 x 5000 px stacks (1/8), i.e. structures smaller than an eighth of the
#: frame count as "detail".
RADIUS_FRACTION = 1.0 / 8.0
#: The mask's blur as a fraction of the radius (the filter's own defaults: 100 / 20).
BLUR_FRACTION = 0.2

#: The contrast lift each adjustment kind makes where the mask is open (the faint regions).
LIFTS: dict[str, dict[str, Any]] = {
    # a lift of the shadows and lower midtones, the top kept: faint regions brighten most
    "curves": {"points": [[0.0, 0.0], [0.2, 0.3], [0.5, 0.62], [1.0, 1.0]]},
    "levels": {"midtone": 1.5},  # Photoshop gamma 1.5: midtones brightened
    "brightness_contrast": {"brightness": 0.05, "contrast": 0.15},
}


def recipe_radius(width: int, height: int) -> float:
    """The recipe's high-pass radius (px) for a width x height image (>= 2 px)."""
    return max(2.0, round(RADIUS_FRACTION * max(int(width), int(height)), 1))


def contrast_mask_defaults(width: int, height: int) -> dict[str, float]:
    """The contrast mask's parameters for an image of that size (radius, blur; the filter's
    own levels defaults: black 0, midtone 1, white 0.5)."""
    r = recipe_radius(width, height)
    return {"radius": r, "blur": round(BLUR_FRACTION * r, 1)}


class RecipesMixin:
    def set_layer_as_mask(self: "Document", layer_id: str, source_layer_id: str,
                          **props: Any) -> None:
        """Use ``source_layer_id``'s rendered output (its luminance, live) as the mask of
        ``layer_id``; ``props`` are the mask's finishing controls (black, midtone, white,
        feather, invert, density). The source must be below the layer (no cycles). One
        undo step."""
        mask = LayerMask(layer=str(source_layer_id))
        for k, v in props.items():
            mask.set_prop(k, v)
        self.set_mask(layer_id, mask)

    def add_contrast_mask_adjustment(self: "Document", adjustment: str = "curves", *,
                                     radius: float | None = None, blur: float | None = None,
                                     mask_params: dict[str, Any] | None = None,
                                     name: str | None = None, index: int | None = None,
                                     **params: Any) -> str:
        """Add the club recipe as one undo step: an ``adjustment`` layer ("curves", "levels"
        or "brightness_contrast") making a contrast lift (:data:`LIFTS`, overridden by
        ``params``) through a high-pass contrast mask (``contrast_mask`` with ``radius``/
        ``blur`` defaulting to :func:`contrast_mask_defaults` of the canvas, other mask
        parameters in ``mask_params``). Returns the new layer's id."""
        from editor.core.edits import _provenance

        if adjustment not in LIFTS:
            raise DocumentError(_("the contrast mask adjustment is one of {text}, "
                                "not {adjustment!r}").format(text=', '.join(LIFTS), adjustment=adjustment))
        spec = self.registry.get(adjustment)
        mspec = self.registry.get("contrast_mask")
        if spec is None or mspec is None:
            raise DocumentError(_("the contrast mask adjustment needs the built-in "
                                "'{adjustment}' and 'contrast_mask' operations").format(adjustment=adjustment))
        mp = contrast_mask_defaults(self.width, self.height)
        if radius is not None:
            mp["radius"] = float(radius)
        if blur is not None:
            mp["blur"] = float(blur)
        mp.update(mask_params or {})
        try:
            resolved = spec.resolve({**LIFTS[adjustment], **params})
            mask = GeneratedMask("contrast_mask", mspec.resolve(mp))
        except ValueError as exc:
            raise DocumentError(str(exc)) from None
        mask.kind_version = mspec.version
        mask.plugin_id, mask.plugin_version = _provenance(self.registry, mspec)
        plugin_id, plugin_version = _provenance(self.registry, spec)
        layer = AdjustmentLayer(name=name or _("Contrast mask {name}").format(name=_(spec.name).lower()), kind=adjustment,
                                params=resolved, kind_version=spec.version, plugin_id=plugin_id,
                                plugin_version=plugin_version, mask=mask)
        return self._insert(layer, index, _("Add {name}").format(name=layer.name))

    def add_colour_combine(self: "Document", channels: dict[str, Any], mode: str = "rgb", *,
                           normalize: str = "auto", stretch: str | None = "linked",
                           align: bool = True, name: str | None = None,
                           index: int | None = None, **params: Any) -> tuple[str, str | None]:
        """An RGB/LRGB merge ready to judge, as one undo step: the channel-combine layer with
        per-channel normalisation ``normalize`` ("auto": on for frames in very different
        units; "on"; "off"; see filters/channel_norm.py), and above it an auto stretch
        ``stretch`` = "linked" (one curve for all channels: keeps the colour balance the
        merge made) or "unlinked" (a curve per channel: also neutralises what is left), or
        None for none. Returns (combine layer id, stretch layer id or None)."""
        from editor.core.edits import _provenance

        if stretch not in ("linked", "unlinked", None):
            raise DocumentError(_("stretch must be 'linked', 'unlinked' or None, not {stretch!r}").format(stretch=stretch))
        if normalize not in ("auto", "on", "off"):
            raise DocumentError(_("normalize must be 'auto', 'on' or 'off', not {normalize!r}").format(normalize=normalize))
        cid = self.add_channel_combine(channels, mode=mode, name=name, align=align, index=index,
                                       normalize=normalize, **params)
        sid = None
        if stretch is not None:
            spec = self.registry.get("auto_stretch")
            if spec is None:
                raise DocumentError(_("the built-in 'auto_stretch' operation is not installed"))
            plugin_id, plugin_version = _provenance(self.registry, spec)
            layer = AdjustmentLayer(name=_("Auto stretch ({mode})").format(mode=_("linked") if stretch == "linked" else _("unlinked")), kind="auto_stretch",
                                    params=spec.resolve({"linked": stretch == "linked"}),
                                    kind_version=spec.version, plugin_id=plugin_id,
                                    plugin_version=plugin_version)
            pos = [l.id for l in self.layers].index(cid) + 1 if any(
                l.id == cid for l in self.layers) else None
            sid = self._insert(layer, pos, _("Add {name}").format(name=layer.name))
            self.history.join_last(_("Add {mode} merge").format(mode=mode.upper()))  # one undo step
        return cid, sid
