"""The "Open Recent" list, kept in QSettings (per user, survives restarts)."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QSettings

MAX_RECENT = 10
KEY = "recent_files"


def settings() -> QSettings:
    """The UI's settings file, in the platform's config folder (editor.paths)."""
    from editor.paths import settings_file

    return QSettings(str(settings_file()), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    """Recently opened files that still exist, newest first."""
    value = settings().value(KEY, [])
    if isinstance(value, str):
        value = [value]
    return [p for p in (value or []) if Path(p).exists()][:MAX_RECENT]


def add_recent(path: str | Path) -> None:
    p = str(Path(path).resolve())
    items = [x for x in recent_files() if x != p]
    settings().setValue(KEY, [p, *items][:MAX_RECENT])


def clear_recent() -> None:
    settings().setValue(KEY, [])
