"""Mosaic layers: panels (sources) on one canvas, each with its transform, photometric
balance and blend weight, all plain numbers the user can read and change.

``panels`` (bottom to top) are dicts: ``source`` (source id), ``name``, ``transform`` (``{"kind":
"wcs", "wcs": {cards}}`` or ``{"kind": "similarity", "scale", "rotation_deg", "dx", "dy"}``),
``shape`` [h, w], ``gain`` / ``offset`` (per channel), ``gradient`` (per channel [gx, gy]),
``weight`` (blend weight, 0 hides), ``visible``, ``bbox`` (canvas y0, y1, x0, x1).
``canvas``: ``shape`` [h, w], ``wcs`` (array-order cards or None), ``reference`` (pinned panel),
``blend`` ("feather" | "multiband"), ``feather_px`` (None = the whole overlap), ``levels``,
``report`` (fit diagnostics, display only). editor.mosaic fits them and renders them.

This module validates the records; the layer class is :class:`editor.core.layers.MosaicLayer`.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from editor.errors import DocumentError
from editor.locale import _

MOSAIC_BLENDS = ("feather", "multiband")


def _finite(v: Any, what: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise DocumentError(_("{what} must be a number, got {v!r}").format(what=what, v=v)) from None
    if not math.isfinite(f):
        raise DocumentError(_("{what} must be finite, got {v!r}").format(what=what, v=v))
    return f


def check_panel(p: Any, k: int) -> dict[str, Any]:
    """A validated deep copy of one panel record (DocumentError names what is wrong)."""
    if not isinstance(p, dict):
        raise DocumentError(_("mosaic panel {k} must be a record, got {name}").format(k=k + 1, name=type(p).__name__))
    p = copy.deepcopy(p)
    if not isinstance(p.get("source"), str) or not p["source"]:
        raise DocumentError(_("mosaic panel {k} has no source").format(k=k + 1))
    t = p.get("transform")
    if not isinstance(t, dict) or t.get("kind") not in ("wcs", "similarity"):
        raise DocumentError(_("mosaic panel {k}: transform must be 'wcs' or 'similarity'").format(k=k + 1))
    if t["kind"] == "similarity":
        for key in ("scale", "rotation_deg", "dx", "dy"):
            t[key] = _finite(t.get(key, 1.0 if key == "scale" else 0.0), f"panel {k + 1} {key}")
        if t["scale"] <= 0:
            raise DocumentError(_("mosaic panel {k}: scale must be positive").format(k=k + 1))
    elif not isinstance(t.get("wcs"), dict):
        raise DocumentError(_("mosaic panel {k}: a 'wcs' transform needs its WCS cards").format(k=k + 1))
    for key in ("gain", "offset"):
        vals = p.get(key, [1.0 if key == "gain" else 0.0])
        if not isinstance(vals, (list, tuple)) or not vals:
            raise DocumentError(_("mosaic panel {k}: {key} must be a list per channel").format(k=k + 1, key=key))
        p[key] = [_finite(v, f"panel {k + 1} {key}") for v in vals]
    grads = p.get("gradient", [[0.0, 0.0]])
    try:
        p["gradient"] = [[_finite(a, f"panel {k + 1} gradient"), _finite(b, f"panel {k + 1} gradient")]
                         for a, b in grads]
    except (TypeError, ValueError):
        raise DocumentError(_("mosaic panel {k}: gradient must be [gx, gy] per channel").format(k=k + 1)) from None
    p["weight"] = _finite(p.get("weight", 1.0), f"panel {k + 1} weight")
    if p["weight"] < 0:
        raise DocumentError(_("mosaic panel {k}: blend weight must be >= 0").format(k=k + 1))
    p["visible"] = bool(p.get("visible", True))
    p["name"] = str(p.get("name", f"panel {k + 1}"))
    return p


def check_canvas(c: Any, panels: int) -> dict[str, Any]:
    if not isinstance(c, dict):
        raise DocumentError(_("mosaic canvas must be a record"))
    c = copy.deepcopy(c)
    try:
        h, w = (int(v) for v in c["shape"])
    except (KeyError, TypeError, ValueError):
        raise DocumentError(_("mosaic canvas needs shape [height, width]")) from None
    if h < 1 or w < 1:
        raise DocumentError(_("mosaic canvas {w}x{h} is empty").format(w=w, h=h))
    c["shape"] = [h, w]
    c["blend"] = str(c.get("blend", "feather"))
    if c["blend"] not in MOSAIC_BLENDS:
        raise DocumentError(_("unknown mosaic blend {blend!r} (one of {text})").format(blend=c['blend'], text=', '.join(MOSAIC_BLENDS)))
    ref = int(c.get("reference", 0))
    if panels and not 0 <= ref < panels:
        raise DocumentError(_("reference panel {ref} does not exist").format(ref=ref + 1))
    c["reference"] = ref
    fp = c.get("feather_px")
    c["feather_px"] = None if fp is None else _finite(fp, "feather_px")
    c["levels"] = int(c.get("levels", 5))
    if c.get("wcs") is not None and not isinstance(c["wcs"], dict):
        raise DocumentError(_("mosaic canvas wcs must be header cards or None"))
    c.setdefault("wcs", None)
    c.setdefault("report", {})
    return c
