"""The pictures of a review page: states rendered display-ready, web-sized, and 100 % crops.

Every file is 8-bit sRGB with the sRGB ICC profile embedded (:func:`editor.io.srgb.srgb_icc_profile`),
so browsers and viewers show the colours the editor shows. Whole pictures are JPEG (quality 92)
with the long side at most ``long_side`` px; crops are PNG at true 100 % (one canvas pixel per
image pixel), never resampled.

How a state is turned into display values (``stretch``):

- ``"auto"`` (default): a state that is already display-referred (its median is above
  :data:`LINEAR_MEDIAN`, as after any stretch layer) is shown as it exports; a linear one (an
  "Original" straight from the stacker looks black) gets the automatic screen stretch measured
  on itself, and the page says so.
- ``"none"``: every state as it exports, values as they are.
- ``"shared"``: one screen stretch measured on the first ("before") state, applied to all.

The stretch of a state is measured once on the whole canvas (at most 4 MP), then used unchanged
for its whole picture and every crop, so a crop looks like the same place in the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from editor.errors import ImageWriteError
from editor.io.atomic import atomic_path
from editor.io.srgb import srgb_icc_profile
from editor.jobs.progress import Progress
from editor.render.comparison import state_label, stats_scale, write_png
from editor.render.display import display_image, stf_params

STRETCH_MODES = ("auto", "none", "shared")
LINEAR_MEDIAN = 0.04  # a stretched picture's sky sits near 0.1-0.25; a linear stack's far below
JPEG_QUALITY = 92


@dataclass
class StateView:
    """One state of a document as the page shows it."""

    state: Any  # snapshot id, or None for the current state
    label: str
    stretch: Any  # "none" or STF parameters
    stretched: bool  # a screen stretch was applied (the page says so)


def plan_views(doc: Any, states: list[Any], mode: str = "auto",
               progress: Progress | None = None) -> list[StateView]:
    """Decide, per state, how its values become display values (see the module notes)."""
    if mode not in STRETCH_MODES:
        raise ValueError(f"stretch must be one of {', '.join(STRETCH_MODES)}, not {mode!r}")  # untranslated: a programming error
    views: list[StateView] = []
    shared: Any = None
    scale = stats_scale(doc.width, doc.height)
    for i, st in enumerate(states):
        label = state_label(doc, st)
        if mode == "none":
            views.append(StateView(st, label, "none", False))
            continue
        if mode == "shared" and shared is not None:
            views.append(StateView(st, label, shared, True))
            continue
        basis = doc.render(scale=scale, snapshot=st)
        if progress is not None:
            progress((i + 1) / len(states))
        if mode == "shared":
            shared = stf_params(basis)
            views.append(StateView(st, label, shared, True))
        elif float(np.nanmedian(basis)) < LINEAR_MEDIAN:
            views.append(StateView(st, label, stf_params(basis), True))
        else:
            views.append(StateView(st, label, "none", False))
    return views


def web_scale(width: int, height: int, long_side: int) -> float:
    """The scale that brings the long side to at most ``long_side`` (never enlarges)."""
    return min(1.0, long_side / max(width, height))


def render_view(doc: Any, view: StateView, scale: float = 1.0,
                region: tuple[int, int, int, int] | None = None,
                progress: Progress | None = None) -> np.ndarray:
    """uint8 (h, w, 3) display values of ``view`` (whole canvas at ``scale``, or a region)."""
    pixels = doc.render(scale=scale, region=region, snapshot=view.state, progress=progress)
    return np.ascontiguousarray(display_image(pixels, stretch=view.stretch))


def write_jpeg(frame: np.ndarray, path: str | Path, quality: int = JPEG_QUALITY) -> None:
    """An 8-bit sRGB JPEG with the ICC profile, written atomically."""
    pil = PILImage.fromarray(frame)
    try:
        with atomic_path(path) as tmp:
            pil.save(tmp, format="JPEG", quality=quality, icc_profile=srgb_icc_profile(),
                     optimize=True, progressive=True, subsampling=0)
    except OSError as exc:
        raise ImageWriteError(path, exc.strerror or str(exc)) from exc


def write_overlay_png(image: PILImage.Image, path: str | Path) -> None:
    """A transparent RGBA overlay (grid) as PNG with the sRGB profile, atomically."""
    try:
        with atomic_path(path) as tmp:
            image.save(tmp, format="PNG", icc_profile=srgb_icc_profile(), optimize=True)
    except OSError as exc:
        raise ImageWriteError(path, exc.strerror or str(exc)) from exc


__all__ = ["StateView", "plan_views", "web_scale", "render_view", "write_jpeg", "write_png",
           "write_overlay_png", "STRETCH_MODES"]
