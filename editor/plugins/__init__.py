"""Plugins: third-party filters, generated masks, image readers and writers (no Qt).

- :mod:`editor.plugins.registry`: the one registry (``get_registry()``), discovery, listing.
- :mod:`editor.plugins.manifest`: the manifest a plugin returns, and its validation.
- :mod:`editor.plugins.guarded_call`: ``run_filter`` runs a plugin filter safely.
- :mod:`editor.plugins.io_hooks`: plugin readers/writers in ``editor.io``'s format table.

The plugin author's guide is ``plugins/README.md`` at the top of the repository.
"""

from editor.plugins.errors import (
    PluginBadResult,
    PluginCrashed,
    PluginError,
    PluginTimeout,
)

__all__ = ["PluginError", "PluginCrashed", "PluginBadResult", "PluginTimeout"]
