"""Where Nebulayer keeps its files, in the platform's standard folders (``platformdirs``).

==============  ================================  ==========================================
What            Linux (XDG)                       Override
==============  ================================  ==========================================
settings        ``~/.config/nebulayer``           ``$NEBULAYER_CONFIG_DIR``
  (settings.ini: recent files, language; acquisition.json)
plugins         ``~/.config/nebulayer/plugins``   ``$NEBULAYER_PLUGIN_DIR`` (``os.pathsep`` list)
recovery files  ``~/.local/share/nebulayer/recovery``  ``$NEBULAYER_DATA_DIR`` (``…/recovery``)
sample project  ``~/.local/share/nebulayer/sample-<version>``  ``$NEBULAYER_DATA_DIR``
captures        ``<XDG pictures folder>/Nebulayer captures``  the Acquisition tab's "Save to"
==============  ================================  ==========================================

On Windows these are ``%LOCALAPPDATA%\\nebulayer\\nebulayer`` and the Pictures library, on macOS
``~/Library/Application Support/nebulayer`` and ``~/Pictures``. The pictures folder is the one
the desktop names (``~/Images`` on a French system), not a hard-coded ``~/Pictures``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "nebulayer"


def config_dir() -> Path:
    """Settings: ``$NEBULAYER_CONFIG_DIR``, else the user's config folder for Nebulayer."""
    env = os.environ.get("NEBULAYER_CONFIG_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """Files the program makes for itself: ``$NEBULAYER_DATA_DIR``, else the user's data folder."""
    env = os.environ.get("NEBULAYER_DATA_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP))


def plugins_dir() -> Path:
    """The default folder of third-party filters (``$NEBULAYER_PLUGIN_DIR`` replaces it)."""
    return config_dir() / "plugins"


def settings_file() -> Path:
    """The INI file of the UI's settings (recent files, language)."""
    return config_dir() / "settings.ini"


def captures_dir() -> Path:
    """Default folder of captured frames: a sub-folder of the user's pictures folder."""
    return Path(platformdirs.user_pictures_dir()) / "Nebulayer captures"
