"""A mosaic as plain numbers: the canvas, and per panel its transform, photometric balance and
blend weight. Every number here is a parameter the user can read and change (the mosaic layer
stores exactly this); :func:`plan_mosaic` fits them from the panels."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from editor.locale import _



BLENDS = ("feather", "multiband")
ALIGNS = ("auto", "wcs", "stars")


@dataclass
class PanelParams:
    """One panel. ``gain``/``offset`` are per channel; ``gradient`` per channel is (gx, gy), the
    change over the panel's half-width/half-height: balanced value =
    gain * v + offset + gx * u + gy * w, with u, w = (col, row) / (size / 2) - 1 in -1..1."""

    name: str
    transform: dict[str, Any]
    shape: tuple[int, int]
    gain: list[float] = field(default_factory=lambda: [1.0])
    offset: list[float] = field(default_factory=lambda: [0.0])
    gradient: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0]])
    weight: float = 1.0
    visible: bool = True
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # canvas (y0, y1, x0, x1)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "transform": copy.deepcopy(self.transform),
                "shape": list(self.shape), "gain": list(self.gain), "offset": list(self.offset),
                "gradient": [list(g) for g in self.gradient], "weight": self.weight,
                "visible": self.visible, "bbox": list(self.bbox)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PanelParams":
        p = cls(name=str(d["name"]), transform=copy.deepcopy(dict(d["transform"])),
                shape=(int(d["shape"][0]), int(d["shape"][1])),
                gain=[float(v) for v in d.get("gain", [1.0])],
                offset=[float(v) for v in d.get("offset", [0.0])],
                gradient=[[float(a), float(b)] for a, b in d.get("gradient", [[0.0, 0.0]])],
                weight=float(d.get("weight", 1.0)), visible=bool(d.get("visible", True)),
                bbox=tuple(float(v) for v in d.get("bbox", (0, 0, 0, 0))))  # type: ignore[arg-type]
        if p.transform.get("kind") not in ("wcs", "similarity"):
            raise ValueError(_("panel {name}: unknown transform {get!r}").format(name=p.name, get=p.transform.get('kind')))
        if p.weight < 0:
            raise ValueError(_("panel {name}: blend weight {weight} is negative").format(name=p.name, weight=p.weight))
        return p


@dataclass
class MosaicPlan:
    """The canvas (``shape``, optional array ``wcs`` cards) and its panels, bottom to top."""

    shape: tuple[int, int]
    panels: list[PanelParams]
    wcs: dict[str, Any] | None = None
    reference: int = 0
    blend: str = "feather"
    feather_px: float | None = None  # None: feather across the whole overlap
    levels: int = 5  # multiband pyramid levels
    report: dict[str, Any] = field(default_factory=dict)  # fit diagnostics, for display only

    def to_dict(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "panels": [p.to_dict() for p in self.panels],
                "wcs": copy.deepcopy(self.wcs), "reference": self.reference, "blend": self.blend,
                "feather_px": self.feather_px, "levels": self.levels,
                "report": copy.deepcopy(self.report)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MosaicPlan":
        plan = cls(shape=(int(d["shape"][0]), int(d["shape"][1])),
                   panels=[PanelParams.from_dict(p) for p in d["panels"]],
                   wcs=copy.deepcopy(d.get("wcs")), reference=int(d.get("reference", 0)),
                   blend=str(d.get("blend", "feather")),
                   feather_px=None if d.get("feather_px") is None else float(d["feather_px"]),
                   levels=int(d.get("levels", 5)), report=copy.deepcopy(dict(d.get("report") or {})))
        if plan.blend not in BLENDS:
            raise ValueError(_("unknown blend {blend!r} (one of {text})").format(blend=plan.blend, text=', '.join(BLENDS)))
        if plan.shape[0] < 1 or plan.shape[1] < 1:
            raise ValueError(_("mosaic canvas {shape} is empty").format(shape=plan.shape))
        return plan
