"""Running a filter from a plugin so that its failures cannot take the editor down.

:func:`run_filter` is the boundary between Nebulayer and third-party code. The render engine
calls it for plugin filters (it works for built-ins too, at negligible cost):

- anything the function raises becomes :class:`PluginCrashed` (original as ``__cause__``);
  the caller's :class:`~editor.jobs.Cancelled` passes through untouched;
- a result that is not an image of the input's height and width (or not numeric) becomes
  :class:`PluginBadResult`; float64/integer/bool results are converted to float32; NaN and
  values outside 0..1 are allowed (nothing is clipped);
- a run longer than ``timeout`` seconds becomes :class:`PluginTimeout`.

Limits, honestly: Python cannot stop a thread from outside, so the timeout is cooperative.
Every call the plugin makes to ``progress`` past the deadline raises inside the plugin, which
stops any plugin that reports progress in its loop; one that never calls ``progress`` runs to
the end and is then rejected by a wall-clock check. A plugin stuck in an endless loop without
calling ``progress`` keeps its worker thread busy until the program exits. The same holds for
memory: a plugin can exhaust it (a MemoryError is caught and reported). Plugins run with the
user's rights; this wrapper protects the editor from bugs, it is not a security sandbox.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from editor.jobs.progress import Cancelled, Progress
from editor.locale import _
from editor.plugins.discovery import PLUGIN_FAILURES, describe_failure
from editor.plugins.errors import PluginBadResult, PluginCrashed, PluginError, PluginTimeout
from filters.messages import set_translator
from filters.registry import FilterSpec

# The filters' parameter checks (filters.messages.M_) speak the editor's language.
set_translator(_)


class _Overtime(Exception):
    """Raised through the plugin's progress calls once its time is up."""


def run_filter(spec: FilterSpec, img: np.ndarray, params: dict[str, Any], *,
               progress: Progress | None = None, timeout: float | None = None) -> np.ndarray:
    """Apply ``spec`` to ``img`` with ``params`` (already resolved and scaled) and check the result.

    Parameters
    ----------
    spec : the operation (its ``source`` names the plugin in error messages).
    img : float32 (H, W) or (H, W, C); the function gets a read-only view, so a plugin that
        tries to modify its input in place fails loudly instead of corrupting cached pixels.
    params : keyword arguments for ``spec.func``.
    progress : the caller's progress callback; may raise Cancelled, which propagates.
    timeout : seconds allowed, None for no limit (see the module notes on what is enforced).

    Returns
    -------
    float32 ndarray, (H, W) or (H, W, C) with the input's H and W ((H, W) for masks); never the
    input array itself.

    Raises
    ------
    PluginCrashed, PluginBadResult, PluginTimeout (all PluginError), or Cancelled.
    """
    who = _who(spec)
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    caller_cancelled: list[Cancelled] = []

    def guarded_progress(fraction: float) -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise _Overtime()
        if progress is not None:
            try:
                progress(fraction)
            except Cancelled as exc:
                caller_cancelled.append(exc)
                raise

    view = img.view()
    view.flags.writeable = False
    try:
        result = spec.func(view, progress=guarded_progress, **params)
    except Cancelled:
        raise
    except _Overtime:
        raise _timeout(spec, who, timeout, time.monotonic() - start) from None
    except PluginError:
        raise  # a nested guarded call already said what went wrong
    except PLUGIN_FAILURES as exc:  # third-party code: anything can come out of it
        raise PluginCrashed(_("{who} failed: {describe_failure}").format(who=who, describe_failure=describe_failure(exc)),
                            plugin_id=spec.source, filter_id=spec.id) from exc
    if caller_cancelled:  # the plugin swallowed the caller's Cancelled and carried on
        raise caller_cancelled[0]
    elapsed = time.monotonic() - start
    if timeout is not None and elapsed > timeout:
        raise _timeout(spec, who, timeout, elapsed)
    return checked_result(spec, img, result)


def checked_result(spec: FilterSpec, img: np.ndarray, result: Any) -> np.ndarray:
    """``result`` as a float32 array of the right shape, or PluginBadResult saying what is wrong."""
    who = _who(spec)

    def bad(problem: str) -> PluginBadResult:
        return PluginBadResult(_("{who} returned {problem}").format(who=who, problem=problem), plugin_id=spec.source, filter_id=spec.id)

    if not isinstance(result, np.ndarray):
        raise bad(_("a {name} instead of an image array").format(name=type(result).__name__))
    if result.dtype.kind not in "biuf":
        raise bad(_("pixels of type {dtype}; expected float32").format(dtype=result.dtype))
    if result.ndim == 3 and result.shape[2] == 1:
        result = result[:, :, 0]
    h, w = img.shape[:2]
    if spec.category == "mask":
        ok = result.shape == (h, w)
        expected = f"({h}, {w})"
    else:
        ok = result.shape[:2] == (h, w) and (result.ndim == 2 or (result.ndim == 3 and result.shape[2] == 3))
        expected = f"({h}, {w}) or ({h}, {w}, 3)"
    if not ok:
        raise bad(_("an image of shape {shape}; expected {expected}").format(shape=result.shape, expected=expected))
    out = np.asarray(result, dtype=np.float32)
    if np.may_share_memory(out, img):
        out = out.copy()  # the caller owns the result; the input may be a read-only source
    return out


def _who(spec: FilterSpec) -> str:
    if spec.source == "builtin":
        return _("filter '{id}'").format(id=spec.id)
    return _("plugin '{source}' filter '{id}'").format(source=spec.source, id=spec.id)


def _timeout(spec: FilterSpec, who: str, limit: float | None, elapsed: float) -> PluginTimeout:
    return PluginTimeout(_("{who} took {elapsed:.1f} s, more than the {limit:g} s allowed").format(who=who, elapsed=elapsed, limit=limit),
                         plugin_id=spec.source, filter_id=spec.id)

