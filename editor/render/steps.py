"""What each layer kind contributes to a render: filter runs, generated masks, channel merges.

Registered functions are third-party code as far as the engine is concerned: they run through
:func:`editor.plugins.guarded_call.run_filter`, and any failure or bad result makes the layer
pass-through with ``layer.error`` set, never a failed render.
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

import numpy as np

import filters
from editor.core.channel_merge import combine_param_names  # noqa: F401  (old home)
from editor.jobs.progress import Progress
from editor.locale import _
from editor.plugins.errors import PluginError
from editor.plugins.guarded_call import run_filter
from filters.registry import FilterSpec

log = logging.getLogger(__name__)

GLOBAL_HALO = 1 << 30  # "needs the whole image": expands any window to the full canvas
PLUGIN_TIMEOUT_ENV = "NEBULAYER_PLUGIN_TIMEOUT"
DEFAULT_PLUGIN_TIMEOUT = 120.0  # seconds; generous for 100 MP mosaics on a laptop


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


def plugin_timeout() -> float | None:
    """Seconds a third-party filter may run: ``NEBULAYER_PLUGIN_TIMEOUT`` (0 or "off": no
    limit), else :data:`DEFAULT_PLUGIN_TIMEOUT`. Read at each run so it can be changed live."""
    raw = os.environ.get(PLUGIN_TIMEOUT_ENV, "").strip().lower()
    if not raw:
        return DEFAULT_PLUGIN_TIMEOUT
    if raw in ("off", "none", "no"):
        return None
    try:
        value = float(raw)
    except ValueError:
        log.warning("%s=%r is not a number of seconds; using %g s", PLUGIN_TIMEOUT_ENV, raw,
                    DEFAULT_PLUGIN_TIMEOUT)
        return DEFAULT_PLUGIN_TIMEOUT
    return None if value <= 0 or value != value else value


def run_spec(spec: FilterSpec, img: np.ndarray, params: dict[str, Any],
             progress: Progress | None) -> np.ndarray:
    """Run a registered operation (params resolved and scaled); StepFailed on any failure.

    Third-party filters get :func:`plugin_timeout` seconds, so a runaway plugin ends as an
    error on its layer instead of a render that never finishes; built-ins are not limited
    (a 100 MP mosaic may legitimately take minutes).
    """
    timeout = None if spec.source == "builtin" else plugin_timeout()
    try:
        return run_filter(spec, img, params, progress=progress, timeout=timeout)
    except PluginError as exc:
        log.warning("%s", exc)
        raise StepFailed(str(exc)) from exc


def check_mask(spec: FilterSpec, out: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if out.ndim == 3:
        raise StepFailed(_("mask '{id}' returned a colour image; masks are (H, W)").format(id=spec.id))
    if out.shape != shape:
        raise StepFailed(_("mask '{id}' returned shape {shape}, expected {shape2}").format(id=spec.id, shape=out.shape, shape2=shape))
    return out


# ----------------------------------------------------------------------------- channel merge

def shift_channel(img: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Sub-pixel translation of one frame (filters.shift_image; NaN where nothing came in)."""
    if dy == 0 and dx == 0:
        return img
    return np.asarray(filters.shift_image(img, dy, dx), dtype=np.float32)


def shift_halo(offsets: dict[str, tuple[float, float]], scale: float) -> int:
    m = max((max(abs(dy), abs(dx)) for dy, dx in offsets.values()), default=0.0) * scale
    return 0 if m == 0 else int(math.ceil(m)) + 16  # + cubic spline prefilter reach (0.27^16)


def combine_channels(mode: str, chans: dict[str, np.ndarray], params: dict[str, Any]) -> np.ndarray:
    """RGB (H, W, 3) from aligned frames with filters.rgb_combine / filters.lrgb_combine."""
    if "RGB" in chans:
        rgb = chans["RGB"]
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    else:
        missing = [c for c in ("R", "G", "B") if c not in chans]
        if missing:
            raise StepFailed(_("channel merge needs {text}").format(text=', '.join(missing)))
        mono = [chans[c] if chans[c].ndim == 2 else chans[c].mean(axis=2) for c in ("R", "G", "B")]
        try:
            rgb = filters.rgb_combine(*mono, **_accepted(filters.rgb_combine, params))
        except (TypeError, ValueError) as exc:
            raise StepFailed(_("RGB merge failed: {exc}").format(exc=exc)) from exc
    rgb = np.asarray(rgb, dtype=np.float32)
    if mode != "lrgb":
        return rgb
    if "L" not in chans:
        raise StepFailed(_("LRGB merge needs an L (luminance) frame"))
    lum = chans["L"] if chans["L"].ndim == 2 else chans["L"].mean(axis=2)
    try:
        out = filters.lrgb_combine(lum, rgb, **_accepted(filters.lrgb_combine, params))
    except (TypeError, ValueError) as exc:
        raise StepFailed(_("LRGB merge failed: {exc}").format(exc=exc)) from exc
    return np.asarray(out, dtype=np.float32)


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
