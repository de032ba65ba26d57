"""The processing steps of a picture in words: its visible layers, bottom to top, with settings.

Worded from the layer records (so any snapshot can be described, not only the current state)
and the filter registry's names and parameter labels: "Levels - Midtones (gamma) 0.6" rather
than ``levels v1 {"midtone":0.6}``. Settings left at their defaults are summed up in one word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any



@dataclass
class Step:
    depth: int  # nesting inside groups (0 = top level)
    name: str  # the layer's name as the author gave it
    action: str  # what it does, e.g. "Levels"
    settings: str  # "Midtones (gamma) 0.6; other settings at their defaults"
    extras: str  # "opacity 50 %, blend screen, masked by Contrast mask"


def _value(v: Any, unit: str = "") -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        text = f"{v:.4g}"
    elif isinstance(v, (list, tuple)):
        text = f"{len(v)} points" if v and isinstance(v[0], (list, tuple)) else ", ".join(_value(x) for x in v)
    else:
        text = str(v)
    return f"{text} {unit}".strip()


def _settings(spec: Any, params: dict[str, Any]) -> str:
    if spec is None:
        return "; ".join(f"{k} {_value(v)}" for k, v in params.items()) or "no settings"
    changed, default_count = [], 0
    for p in spec.params:
        v = params.get(p.name, p.default)
        if v == p.default:
            default_count += 1
            continue
        changed.append(f"{p.label or p.name} {_value(v, p.unit)}")
    if not changed:
        return "default settings" if default_count else "no settings"
    if default_count:
        changed.append("other settings at their defaults")
    return "; ".join(changed)


def _mask_words(mask: Any, registry: Any) -> str:
    if not isinstance(mask, dict) or not mask.get("enabled", True):
        return ""
    if mask.get("type") == "generated":
        spec = registry.get(mask.get("kind")) if registry is not None else None
        name = spec.name if spec is not None else str(mask.get("kind"))
        words = f"masked by a {name.lower()}"
    else:
        words = "through a painted mask"
    return words + (" (inverted)" if mask.get("invert") else "")


def describe_steps(nodes: list[dict], source_names: dict[str, str], registry: Any) -> list[Step]:
    """Visible layers of ``nodes`` (layer records, bottom to top) as :class:`Step` lines."""
    out: list[Step] = []

    def walk(records: list[dict], depth: int) -> None:
        for node in records:
            if not node.get("visible", True):
                continue
            kind = node.get("type")
            if kind == "image":
                action = "Image"
                settings = source_names.get(node.get("source"), str(node.get("source")))
                dx, dy = (node.get("offset") or (0, 0))[:2]
                if dx or dy:
                    settings += f", placed at offset ({dx}, {dy})"
            elif kind == "adjustment":
                spec = registry.get(node.get("kind")) if registry is not None else None
                action = spec.name if spec is not None else f"{node.get('kind')} (plugin not installed)"
                settings = _settings(spec, dict(node.get("params") or {}))
            elif kind == "channel_combine":
                action = f"{str(node.get('mode', '')).upper()} combination"
                settings = ", ".join(f"{c} = {source_names.get(s, s)}"
                                     for c, s in (node.get("channels") or {}).items())
            elif kind == "group":
                action, settings = "Group", f"{len(node.get('children') or [])} layers"
            else:
                action, settings = str(kind), ""
            extras = []
            opacity = float(node.get("opacity", 1.0))
            if opacity != 1.0:
                extras.append(f"opacity {opacity * 100:.0f} %")
            if node.get("blend", "normal") != "normal":
                extras.append(f"blend {node['blend']}")
            mask = _mask_words(node.get("mask"), registry)
            if mask:
                extras.append(mask)
            out.append(Step(depth, str(node.get("name", "")), action, settings, ", ".join(extras)))
            if kind == "group":
                walk(node.get("children") or [], depth + 1)

    walk(nodes, 0)
    return out
