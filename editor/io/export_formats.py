"""What an export can be: the formats offered to the user and the bit depths each one takes.

The first depth of a format is its default: FITS and XISF keep linear 32-bit float (nothing
clipped), TIFF and PNG propose 16-bit integers (what most programs read), JPEG holds only 8-bit.
The export dialog, a script or a batch job all read the same table.
"""

from __future__ import annotations

from editor.io.formats import writable_extensions

EXPORT_FORMATS: dict[str, tuple[str, tuple[int, ...]]] = {  # label -> (extension, bit depths)
    "FITS": (".fits", (32, 16)),
    "TIFF": (".tif", (16, 32, 8)),
    "PNG": (".png", (16, 8)),
    "JPEG": (".jpg", (8,)),
    "XISF": (".xisf", (32, 16)),
}


def exportable_formats() -> list[str]:
    """The labels of EXPORT_FORMATS that have a registered writer (XISF is read-only)."""
    writable = set(writable_extensions())
    return [label for label, (ext, _bits) in EXPORT_FORMATS.items() if ext in writable]


def bit_depth_label(bits: int) -> str:
    """How a bit depth is named to the user: 32-bit is float, the others integers."""
    return f"{bits}-bit {'float' if bits == 32 else 'integer'}"
