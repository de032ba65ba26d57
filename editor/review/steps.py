"""The processing steps of a picture in words: its visible layers, bottom to top, with settings.

Worded from the layer records (so any snapshot can be described, not only the current state)
and the filter registry's names and parameter labels: "Levels - Midtones (gamma) 0.6" rather
than ``levels v1 {"midtone":0.6}``. Settings left at their defaults are summed up in one word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from editor.locale import _, format_number



@dataclass
class Step:
    depth: int  # nesting inside groups (0 = top level)
    name: str  # the layer's name as the author gave it
    action: str  # what it does, e.g. "Levels"
    settings: str  # "Midtones (gamma) 0.6; other settings at their defaults"
    extras: str  # "opacity 50 %, blend screen, masked by Contrast mask"


def _value(v: Any, unit: str = "") -> str:
    if isinstance(v, bool):
        return _("on") if v else _("off")
    if isinstance(v, float):
        text = format_number(float(f"{v:.4g}"))  # "0,6" in French
    elif isinstance(v, (list, tuple)):
        text = (_("{count} points").format(count=len(v)) if v and isinstance(v[0], (list, tuple))
                else ", ".join(_value(x) for x in v))
    elif isinstance(v, str):
        text = _(v)  # a choice ("luminance"): the catalog has the built-in ones
    else:
        text = str(v)
    return f"{text} {unit}".strip()


def _settings(spec: Any, params: dict[str, Any]) -> str:
    if spec is None:
        return _("; ").join(f"{k} {_value(v)}" for k, v in params.items()) or _("no settings")
    changed, default_count = [], 0
    for p in spec.params:
        v = params.get(p.name, p.default)
        if v == p.default:
            default_count += 1
            continue
        changed.append(f"{_(p.label or p.name)} {_value(v, p.unit)}")
    if not changed:
        return _("default settings") if default_count else _("no settings")
    if default_count:
        changed.append(_("other settings at their defaults"))
    return _("; ").join(changed)  # " ; " in French


def _mask_words(mask: Any, registry: Any) -> str:
    if not isinstance(mask, dict) or not mask.get("enabled", True):
        return ""
    if mask.get("type") == "generated":
        spec = registry.get(mask.get("kind")) if registry is not None else None
        name = _(spec.name) if spec is not None else str(mask.get("kind"))
        words = _("masked by: {mask}").format(mask=name)
    else:
        words = _("through a painted mask")
    return _("{mask} (inverted)").format(mask=words) if mask.get("invert") else words


def describe_steps(nodes: list[dict], source_names: dict[str, str], registry: Any) -> list[Step]:
    """Visible layers of ``nodes`` (layer records, bottom to top) as :class:`Step` lines."""
    out: list[Step] = []

    def walk(records: list[dict], depth: int) -> None:
        for node in records:
            if not node.get("visible", True):
                continue
            kind = node.get("type")
            if kind == "image":
                action = _("Image")
                settings = source_names.get(node.get("source"), str(node.get("source")))
                dx, dy = (node.get("offset") or (0, 0))[:2]
                if dx or dy:
                    settings += _(", placed at offset ({dx}, {dy})").format(dx=dx, dy=dy)
            elif kind == "adjustment":
                spec = registry.get(node.get("kind")) if registry is not None else None
                action = (_(spec.name) if spec is not None
                          else _("{kind} (plugin not installed)").format(kind=node.get("kind")))
                settings = _settings(spec, dict(node.get("params") or {}))
            elif kind == "channel_combine":
                action = _("{mode} combination").format(mode=str(node.get("mode", "")).upper())
                settings = ", ".join(f"{c} = {source_names.get(s, s)}"
                                     for c, s in (node.get("channels") or {}).items())
            elif kind == "group":
                action = _("Group")
                settings = _("{count} layers").format(count=len(node.get("children") or []))
            else:
                action, settings = str(kind), ""
            extras = []
            opacity = float(node.get("opacity", 1.0))
            if opacity != 1.0:
                extras.append(_("opacity {percent} %").format(percent=f"{opacity * 100:.0f}"))
            if node.get("blend", "normal") != "normal":
                extras.append(_("blend {mode}").format(mode=_(str(node["blend"]).replace("_", " "))))
            mask = _mask_words(node.get("mask"), registry)
            if mask:
                extras.append(mask)
            out.append(Step(depth, str(node.get("name", "")), action, settings, ", ".join(extras)))
            if kind == "group":
                walk(node.get("children") or [], depth + 1)

    walk(nodes, 0)
    return out
