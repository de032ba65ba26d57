"""XISF (PixInsight) images through the ``xisf`` package.

XISF stores rows top row first, like TIFF. Integer samples are scaled to 0..1, float samples
kept; the FITS keywords PixInsight keeps in the file go to ``meta.header``, the XISF properties
to ``meta.extra["xisf_properties"]``.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from editor.errors import ImageReadError, UnsupportedFormatError
from editor.io.budget import check_budget
from editor.io.formats import ReadOptions
from editor.io.image import Image, ImageMeta
from editor.io.pixels import clean_floats, finite_range, freeze, integer_scale, to_float32
from editor.locale import _, D_

# The xisf package raises plain exceptions on damaged files (XML, struct, zlib, numpy).
_ERRORS = (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error,
           zlib.error, NotImplementedError)


def read_xisf(path: Path, options: ReadOptions) -> Image:
    from xml.etree.ElementTree import ParseError

    import xisf

    try:
        doc = xisf.XISF(str(path))
        metas = doc.get_images_metadata()
        if not metas:
            raise UnsupportedFormatError(path, _("XISF file holds no image"))
        info = metas[0]
        width, height, channels = (int(n) for n in info["geometry"])
        check_budget(path, (height, width, channels), 4 + np.dtype(info["dtype"]).itemsize,
                     options.memory_budget)
        samples = np.asarray(doc.read_image(0, data_format="channels_last"))
    except UnsupportedFormatError:
        raise
    except (*_ERRORS, ParseError) as exc:
        raise ImageReadError(path, _("not a readable XISF file ({exc})").format(exc=exc)) from exc
    notes: list[str] = []
    if samples.ndim == 3 and samples.shape[2] == 1:
        samples = samples[..., 0]
    elif samples.ndim == 3 and samples.shape[2] not in (1, 3):
        if samples.shape[2] == 4:
            samples = samples[..., :3]
            notes.append(D_("alpha channel dropped"))
        else:
            raise UnsupportedFormatError(path, _("has {shape} channels; only grey and "
                                         "RGB are supported").format(shape=samples.shape[2]))
    integer = samples.dtype.kind in "ui"
    data_range = finite_range(samples) if integer else None
    if integer and integer_scale(samples.dtype) != 1.0:
        notes.append(D_("{dtype} samples scaled to 0..1", dtype=samples.dtype))
    data = to_float32(samples)
    if not integer:  # integers cannot hold Inf, and their range is known
        data_range, infinities = clean_floats(data)
        if infinities:
            notes.append(D_("infinite values turned into NaN (missing data)"))
    header, comments = _fits_keywords(info.get("FITSKeywords", {}))
    meta = ImageMeta(path=str(path), format="XISF", original_dtype=str(samples.dtype),
                     header=header, data_range=data_range, notes=notes,
                     extra={"fits_comments": comments,
                            "xisf_properties": {k: v.get("value") for k, v in
                                                info.get("XISFProperties", {}).items()
                                                if isinstance(v, dict)}})
    return Image(freeze(data), meta)


def _fits_keywords(keywords: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for key, entries in keywords.items():
        for entry in entries:
            value, comment = entry.get("value"), entry.get("comment", "")
            if key in ("HISTORY", "COMMENT"):
                values.setdefault(key, []).append(comment or str(value or ""))
                continue
            values[key] = _parse_value(value)
            if comment:
                comments[key] = comment
    return values, comments


def _parse_value(text: Any) -> Any:
    """XISF stores FITS values as card text: "'M42'", "30.", "T"."""
    if not isinstance(text, str):
        return text
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == "'":
        return t[1:-1].replace("''", "'").rstrip()
    if t in ("T", "F"):
        return t == "T"
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            continue
    return t
