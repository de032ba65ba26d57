"""Compile the translation catalogs: ``python -m editor.locale.compile`` (after editing a .po).

Babel's reader and writer, without ``pybabel compile``'s printf-style check: our messages use
``str.format`` placeholders, and "100 % crop" would be misread as a ``% c`` directive.
``tests/ui/test_i18n.py`` fails when a committed ``.mo`` differs from what its ``.po`` compiles to.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent
DOMAIN = "nebulayer"


def catalogs() -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/nebulayer.po`` under this folder."""
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compiled(po: Path) -> bytes:
    """The .mo bytes ``po`` compiles to (untranslated entries left out, fuzzy ones too)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def main() -> int:
    for po in catalogs():
        mo = po.with_suffix(".mo")
        mo.write_bytes(compiled(po))
        print(f"{mo.relative_to(LOCALE_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
