"""What each layer kind contributes to a render: filter runs, generated masks, channel merges.

Registered functions are third-party code as far as the engine is concerned: they run through
:func:`editor.plugins.guarded_call.run_filter`, and any failure or bad result makes the layer
pass-through with ``layer.error`` set, never a failed render.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from editor.jobs.progress import Cancelled, Progress
from filters.registry import FilterSpec

log = logging.getLogger(__name__)

GLOBAL_HALO = 1 << 30  # "needs the whole image": expands any window to the full canvas


class StepFailed(Exception):
    """A layer's operation could not produce pixels; the message is shown on the layer."""


def spatial_halo(spec: FilterSpec, scaled_params: dict[str, Any]) -> int:
    """Border (scaled px) a filter needs around an output region to compute it exactly.

    A spec may declare it: ``extra["halo"]`` a callable(params) -> px, or ``extra["global"]``
    True for operations using whole-image statistics. Otherwise each spatial parameter is taken
    as a Gaussian sigma-like length and 4x its value is reserved (scipy's default truncation).
    """
    if spec.extra.get("global"):
        return GLOBAL_HALO
    declared = spec.extra.get("halo")
    if callable(declared):
        try:
            return max(0, int(math.ceil(float(declared(scaled_params)))))
        except (TypeError, ValueError) as exc:
            log.warning("halo of %s: %s", spec.id, exc)
            return GLOBAL_HALO
    halo = 0
    for p in spec.params:
        if p.spatial and p.name in scaled_params:
            v = abs(float(scaled_params[p.name]))
            if v > 0:
                halo += int(math.ceil(4.0 * v)) + 2
    return halo


def resolved_params(spec: FilterSpec, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return spec.resolve(params)
    except (ValueError, KeyError, TypeError) as exc:
        raise StepFailed(f"{spec.id}: {exc}") from None


def run_spec(spec: FilterSpec, img: np.ndarray, params: dict[str, Any],
             progress: Progress | None) -> np.ndarray:
    """Run a registered operation (params resolved and scaled); StepFailed on any failure."""
    try:
        from editor.plugins.errors import PluginError
        from editor.plugins.guarded_call import run_filter
    except ImportError:  # plugin layer mid-rewrite: check the result here instead
        return _run_unguarded(spec, img, params, progress)
    try:
        return run_filter(spec, img, params, progress=progress)
    except Cancelled:
        raise
    except PluginError as exc:
        raise StepFailed(str(exc)) from exc


def _run_unguarded(spec: FilterSpec, img: np.ndarray, params: dict[str, Any],
                   progress: Progress | None) -> np.ndarray:
    view = img.view()
    view.flags.writeable = False
    try:
        out = spec.func(view, progress=progress, **params)
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - third-party code: report on the layer
        log.exception("filter %s failed", spec.id)
        raise StepFailed(f"filter '{spec.id}' failed: {exc}") from exc
    if not isinstance(out, np.ndarray) or out.shape[:2] != img.shape[:2] or out.dtype != np.float32:
        raise StepFailed(f"filter '{spec.id}' returned a wrong result "
                         f"({getattr(out, 'shape', type(out).__name__)}, {getattr(out, 'dtype', '')})")
    return out


def check_mask(spec: FilterSpec, out: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if out.ndim == 3:
        raise StepFailed(f"mask '{spec.id}' returned a colour image; masks are (H, W)")
    if out.shape != shape:
        raise StepFailed(f"mask '{spec.id}' returned shape {out.shape}, expected {shape}")
    return out


# ----------------------------------------------------------------------------- channel merge

def shift_channel(img: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Sub-pixel translation of one mono frame (filters.shift_image)."""
    if dy == 0 and dx == 0:
        return img
    import filters

    shift = getattr(filters, "shift_image", None)
    if shift is None:
        from scipy import ndimage

        return ndimage.shift(img, (dy, dx), order=3, mode="nearest").astype(np.float32)
    return np.asarray(shift(img, dy, dx), dtype=np.float32)


def shift_halo(offsets: dict[str, tuple[float, float]], scale: float) -> int:
    m = max((max(abs(dy), abs(dx)) for dy, dx in offsets.values()), default=0.0) * scale
    return 0 if m == 0 else int(math.ceil(m)) + 16  # + cubic spline prefilter reach (0.27^16)


def combine_channels(mode: str, chans: dict[str, np.ndarray], params: dict[str, Any]) -> np.ndarray:
    """RGB (H, W, 3) from aligned mono frames (and/or an RGB frame) with filters' merges."""
    import filters

    if "RGB" in chans:
        rgb = chans["RGB"]
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    else:
        missing = [c for c in ("R", "G", "B") if c not in chans]
        if missing:
            raise StepFailed(f"channel merge needs {', '.join(missing)}")
        rgb_combine = getattr(filters, "rgb_combine", None)
        mono = [chans[c] if chans[c].ndim == 2 else chans[c].mean(axis=2) for c in ("R", "G", "B")]
        if rgb_combine is not None:
            rgb_params = {k: v for k, v in params.items() if not k.startswith("l_")}
            try:
                rgb = rgb_combine(*mono, **_accepted(rgb_combine, rgb_params))
            except (TypeError, ValueError) as exc:
                raise StepFailed(f"RGB merge failed: {exc}") from exc
        else:
            rgb = np.stack(mono, axis=-1)
    rgb = np.asarray(rgb, dtype=np.float32)
    if mode == "lrgb":
        if "L" not in chans:
            raise StepFailed("LRGB merge needs an L (luminance) frame")
        lum = chans["L"] if chans["L"].ndim == 2 else chans["L"].mean(axis=2)
        lrgb = getattr(filters, "lrgb_combine", None)
        if lrgb is None:
            from editor.render.blend import set_lum

            return set_lum(rgb, lum)
        try:
            return np.asarray(lrgb(lum, rgb, **_accepted(lrgb, params)), dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise StepFailed(f"LRGB merge failed: {exc}") from exc
    return rgb


def combine_param_names(mode: str) -> set[str] | None:
    """Parameter names the merge of ``mode`` takes (None if it takes anything)."""
    import inspect

    import filters

    func = getattr(filters, "lrgb_combine" if mode == "lrgb" else "rgb_combine", None)
    if func is None:
        return set()
    sig = inspect.signature(func)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items()
            if p.kind is p.KEYWORD_ONLY and n not in ("align", "progress")}


def _accepted(func: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that ``func`` takes as keywords."""
    import inspect

    params = {k: v for k, v in params.items() if k not in ("align", "progress")}
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return params
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return params
    return {k: v for k, v in params.items() if k in sig.parameters}
