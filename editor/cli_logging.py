"""Where the command line's log output goes: never between the user and the one-line error.

Libraries talk on their own: astropy prints ``WARNING: VerifyWarning ...`` lines, tifffile and
PIL log through :mod:`logging`, Python warnings print the offending source line. At the CLI
boundary all of it is routed into a log file in the platform's log folder
(``~/.local/state/nebulayer/log/nebulayer.log`` on Linux, via platformdirs;
``$NEBULAYER_LOG_DIR`` overrides), or to stderr with ``--verbose``. LibRaw's own C-level
messages are caught around each decode by :mod:`editor.io.raw`.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

LOG_NAME = "nebulayer.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    env = os.environ.get("NEBULAYER_LOG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_log_dir("nebulayer", appauthor=False))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def _file_handler() -> logging.Handler:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=1 << 20, backupCount=2, encoding="utf-8", delay=True)
    except OSError:
        return logging.NullHandler()  # no writable log folder: stay silent rather than fail
    handler.setFormatter(logging.Formatter(_FORMAT))
    return handler


def route_library_output(verbose: bool) -> None:
    """Send every log record and Python warning to the log file (``verbose``: to stderr)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_nebulayer_cli", False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.StreamHandler(sys.stderr) if verbose else _file_handler()
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._nebulayer_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.captureWarnings(False)  # re-install even if someone replaced showwarning since
    logging.captureWarnings(True)
    _quiet_astropy()


def _quiet_astropy() -> None:
    """astropy's logger prints to stderr itself; make it hand records to ours instead."""
    try:
        from astropy import log as astropy_log
    except ImportError:  # pragma: no cover - astropy is a dependency
        return
    for handler in list(astropy_log.handlers):
        astropy_log.removeHandler(handler)
    astropy_log.propagate = True
