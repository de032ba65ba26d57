"""Telling the user why a layer's or a mask's operation cannot run, and what to install.

Layers and generated masks record the plugin (id and version) that provided their operation;
when it is missing the message names it, e.g. "'stars.mask' needs plugin 'nebulayer.stars'
1.0.0, which is not installed". The registry writes the sentence (it knows what is installed
and what failed to load); this module only adapts the stored record to it.
"""

from __future__ import annotations

from typing import Any

from editor.locale import N_, _

SKIPPED_LAYER = N_("the layer is skipped and its settings are kept")  # translated where used
SKIPPED_MASK = N_("the layer is skipped and its mask is kept")


def missing_reason(registry: Any, kind: str, plugin_id: str | None,
                   plugin_version: str | None) -> str:
    """One line: why operation ``kind`` (recorded as coming from ``plugin_id`` ``plugin_version``)
    is unavailable. Built-in operations ("builtin") are reported without a plugin name."""
    pid = None if plugin_id in (None, "", "builtin") else str(plugin_id)
    ask = getattr(registry, "missing_reason", None)
    reason = ask(kind, pid, plugin_version or None) if callable(ask) else ""
    if reason:
        return reason
    wanted = _(" (plugin '{pid}' {version})").format(pid=pid, version=plugin_version or '').replace(" )", ")") \
        if pid else ""
    return _("operation '{kind}'{wanted} is not installed").format(kind=kind, wanted=wanted)


def layer_message(registry: Any, record: Any) -> str:
    """The error shown on an adjustment layer (object or dict) whose operation is missing."""
    get = record.get if isinstance(record, dict) else lambda k, d=None: getattr(record, k, d)
    return (f"{missing_reason(registry, get('kind'), get('plugin_id'), get('plugin_version'))}; "
            f"{_(SKIPPED_LAYER)}")


def mask_message(registry: Any, record: Any) -> str:
    """The error shown on a layer whose generated mask's operation is missing."""
    get = record.get if isinstance(record, dict) else lambda k, d=None: getattr(record, k, d)
    return (_("mask: ") + f"{missing_reason(registry, get('kind'), get('plugin_id'), get('plugin_version'))}"
            f"; {_(SKIPPED_MASK)}")
