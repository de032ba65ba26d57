"""Layer names that say what they are: a file's layer is named after the file and its filter.

Photoshop calls the first layer of an opened file "Background"; for astrophotographers who
stack several frames in one document that name says nothing, so an opened file's layer is
the file's name without its extension, plus the filter the header declares (``FILTER``, else
the survey-style ``BAND``): ``gc_2mass_j (J)``, ``M42_Ha_stack (Ha)``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from editor.locale import pgettext

#: Header keywords naming the pass band, in order of preference.
FILTER_KEYS = ("FILTER", "FILTER1", "BAND")


def filter_name(header: dict[str, Any]) -> str:
    """The filter/band a FITS header declares ("" when none does)."""
    for key in FILTER_KEYS:
        value = header.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def layer_name_for(image: Any, name: str | None = None, fallback: str | None = None) -> str:
    """The name of a new layer showing ``image`` (an editor.io.Image): ``name`` if given,
    else the file's stem with its filter in brackets, else ``fallback`` (pixels from an
    array have neither file nor header)."""
    if name:
        return str(name)
    fallback = fallback or pgettext("layer name", "Background")  # Photoshop's first layer
    meta = getattr(image, "meta", None)
    path = getattr(meta, "path", "") or ""
    stem = PurePath(path).stem if path else ""
    band = filter_name(getattr(meta, "header", None) or {})
    if not stem:
        return f"{fallback} ({band})" if band else fallback
    return f"{stem} ({band})" if band else stem
