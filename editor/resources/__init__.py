"""Files installed with the package: the desktop entry and the application icon.

``nebulayer.desktop`` and ``nebulayer.svg``/``nebulayer.png`` follow the freedesktop.org specs;
the README's "Installed" section says how to put them where Linux desktops look.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
DESKTOP_FILE = FOLDER / "nebulayer.desktop"
ICON_SVG = FOLDER / "nebulayer.svg"
ICON_PNG = FOLDER / "nebulayer.png"
