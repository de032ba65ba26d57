"""A mosaic as plain numbers: the canvas, and per panel its transform, photometric balance and
blend weight. Every number here is a parameter the user can read and change (the mosaic layer
stores exactly this); :func:`plan_mosaic` fits them from the panels."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from editor.jobs.progress import Progress, scaled_progress

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
            raise ValueError(f"panel {p.name}: unknown transform {p.transform.get('kind')!r}")
        if p.weight < 0:
            raise ValueError(f"panel {p.name}: blend weight {p.weight} is negative")
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
            raise ValueError(f"unknown blend {plan.blend!r} (one of {', '.join(BLENDS)})")
        if plan.shape[0] < 1 or plan.shape[1] < 1:
            raise ValueError(f"mosaic canvas {plan.shape} is empty")
        return plan


def plan_mosaic(images: list[tuple[np.ndarray, dict[str, Any] | None]], *, names: list[str] | None = None,
                align: str = "auto", balance: bool = True, gradient: bool = False,
                blend: str = "feather", reference: int = 0, canvas_wcs: Any = None,
                progress: Progress | None = None) -> MosaicPlan:
    """Register, frame and balance panels. ``images``: (pixels, FITS header or None) each,
    pixels top row first. ``align``: "wcs" (every panel needs a WCS), "stars" (similarity by
    star matching), "auto" (WCS when every panel has one). ``canvas_wcs``: the user's frame
    (astropy WCS, array order) instead of the optimal one."""
    from editor.astrometry.wcs import array_wcs, wcs_cards
    from editor.mosaic import balance as balancing
    from editor.mosaic import register
    from editor.mosaic.transforms import canvas_bbox

    if align not in ALIGNS:
        raise ValueError(f"unknown alignment {align!r} (one of {', '.join(ALIGNS)})")
    if blend not in BLENDS:
        raise ValueError(f"unknown blend {blend!r} (one of {', '.join(BLENDS)})")
    if len(images) < 1:
        raise ValueError("a mosaic needs at least one panel")
    if not 0 <= reference < len(images):
        raise ValueError(f"reference panel {reference} does not exist (0..{len(images) - 1})")
    names = names or [f"panel {i + 1}" for i in range(len(images))]
    wcss = [None if hdr is None else array_wcs(hdr, px.shape[0]) for px, hdr in images]
    if align == "auto":
        align = "wcs" if all(w is not None for w in wcss) else "stars"
    if align == "wcs":
        missing = [names[i] for i, w in enumerate(wcss) if w is None]
        if missing:
            raise ValueError(f"{', '.join(missing)}: no WCS (plate-solve it, or align by stars)")
        frame, shape, transforms = register.by_wcs([px.shape[:2] for px, _ in images], wcss, canvas_wcs)
    else:
        frame, shape, transforms = register.by_stars([px for px, _ in images], reference,
                                                     wcss[reference],
                                                     scaled_progress(progress, 0.0, 0.6))
    cards = None if frame is None else {k: v for k, v in wcs_cards(frame).items() if k != "ROWORDER"}
    nch = 1 if images[0][0].ndim == 2 else images[0][0].shape[2]
    panels = []
    for (px, _), name, t in zip(images, names, transforms):
        if (1 if px.ndim == 2 else px.shape[2]) != nch:
            raise ValueError(f"{name}: mixes mono and colour panels; convert one first")
        panels.append(PanelParams(name=name, transform=t, shape=px.shape[:2], gain=[1.0] * nch,
                                  offset=[0.0] * nch, gradient=[[0.0, 0.0] for _ in range(nch)],
                                  bbox=canvas_bbox(t, px.shape[:2], cards)))
    plan = MosaicPlan(shape=shape, panels=panels, wcs=cards, reference=reference, blend=blend)
    plan.report["align"] = align
    if balance and len(images) > 1:
        balancing.fit_balance(plan, [px for px, _ in images], gradient=gradient,
                              progress=scaled_progress(progress, 0.6, 1.0))
    if progress is not None:
        progress(1.0)
    return plan
