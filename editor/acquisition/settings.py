"""The Acquisition tab's remembered choices, in a small JSON file in the user's config folder.

Where: :func:`editor.paths.config_dir` (``$NEBULAYER_CONFIG_DIR`` if set, else the platform's
config folder, ``~/.config/nebulayer`` on Linux). The file is plain JSON, written atomically;
a missing or damaged file just gives the defaults.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from editor import paths
from editor.acquisition.frame_writer import write_bytes_atomic

log = logging.getLogger(__name__)
FILENAME = "acquisition.json"


def config_dir() -> Path:
    return paths.config_dir()


@dataclass
class AcquisitionSettings:
    host: str = "localhost"
    port: int = 7624
    camera: str = ""
    wheel: str = ""
    out_dir: str = str(paths.captures_dir())  # the desktop's pictures folder, not always ~/Pictures
    object_name: str = ""
    auto_reconnect: bool = True
    single_exposure: float = 1.0  # "Take one frame": a short framing/focus shot, remembered

    @classmethod
    def load(cls, path: Path | None = None) -> "AcquisitionSettings":
        path = path or config_dir() / FILENAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings %s: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        values = {}
        defaults = cls()
        for key, value in raw.items():
            if key in known and isinstance(value, type(getattr(defaults, key))):
                values[key] = value
        settings = cls(**values)
        if not 0 < settings.port < 65536:
            settings.port = 7624
        return settings

    def save(self, path: Path | None = None) -> Path:
        """Write the settings; raises ImageWriteError (naming the file) if that fails."""
        path = path or config_dir() / FILENAME
        payload = json.dumps(asdict(self), indent=2).encode("utf-8")
        return write_bytes_atomic(path, payload)
