"""What a review page shows, as plain data: filled by :mod:`editor.review.export`, written out
as HTML by :mod:`editor.review.page`. Paths are relative to the page's folder."""

from __future__ import annotations

from dataclasses import dataclass, field

from editor.review.capture import CaptureDetails
from editor.review.steps import Step


@dataclass
class Picture:
    src: str
    width: int
    height: int
    alt: str


@dataclass
class CropView:
    number: int
    text: str
    kind: str  # "pin" or "rect"
    region: tuple[int, int, int, int]
    sky: str  # "RA 5h41m02s, Dec -2°27′" or ""
    before: Picture
    after: Picture
    marker: tuple[float, float, float, float]  # note's box in % of the canvas (x, y, w, h)


@dataclass
class ProjectView:
    anchor: str
    name: str
    canvas: tuple[int, int]
    before_label: str
    after_label: str
    before: Picture
    after: Picture
    stretch_note: str
    grid: Picture | None
    plate: str
    capture: CaptureDetails
    steps: list[Step]
    crops: list[CropView] = field(default_factory=list)


@dataclass
class AcrossRow:
    """One place shown in every project's current state."""

    title: str
    cells: list[tuple[str, Picture | None]]  # (project name, crop or None when not on it)


@dataclass
class ReviewPage:
    title: str
    subtitle: str
    projects: list[ProjectView]
    across: list[AcrossRow] = field(default_factory=list)
