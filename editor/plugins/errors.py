"""Errors raised when third-party plugin code misbehaves.

Everything a plugin's own code raises is caught at the boundary (loading, running a filter,
reading or writing a file) and turned into one of these, so the caller handles one typed error
with a one-line message naming the plugin, and the original exception stays as ``__cause__``.
"""

from __future__ import annotations

from editor.errors import NebulayerError


class PluginError(NebulayerError):
    """A plugin failed. ``plugin_id`` and ``filter_id`` say whose code it was."""

    def __init__(self, message: str, *, plugin_id: str = "", filter_id: str = "") -> None:
        self.plugin_id = plugin_id
        self.filter_id = filter_id
        super().__init__(message)


class PluginCrashed(PluginError):
    """The plugin's function raised an exception (kept as ``__cause__``)."""


class PluginBadResult(PluginError):
    """The plugin returned something that is not an image of the expected shape and type."""


class PluginTimeout(PluginError):
    """The plugin ran longer than the allowed time."""
