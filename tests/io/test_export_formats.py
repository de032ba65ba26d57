"""The export choices offered to users: every format can be written at every depth it offers."""

from __future__ import annotations

import numpy as np
import pytest

from editor.io import export_image, open_image
from editor.io.export_formats import EXPORT_FORMATS, bit_depth_label, exportable_formats
from editor.io.formats import writable_extensions

# What a reader sees for each depth: 32-bit is float, the others integers of that width.
STORED = {"FITS": {32: -32, 16: 16}, "TIFF": {32: "float32", 16: "uint16", 8: "uint8"},
          "PNG": {16: 16, 8: 8}, "JPEG": {8: "uint8"}}


def test_only_writable_formats_are_offered_and_xisf_is_not():
    offered = exportable_formats()
    assert {"FITS", "TIFF", "PNG", "JPEG"} <= set(offered)
    assert "XISF" not in offered  # read-only: choosing it ended in an error after the render
    assert all(EXPORT_FORMATS[label][0] in writable_extensions() for label in offered)


@pytest.mark.parametrize("label,bits", [(label, b) for label in ("FITS", "TIFF", "PNG", "JPEG")
                                        for b in EXPORT_FORMATS[label][1]])
def test_each_offered_depth_is_written_as_that_depth(tmp_path, label, bits):
    from astropy.io import fits
    from PIL import Image as PILImage

    ext = EXPORT_FORMATS[label][0]
    out = tmp_path / f"out{ext}"
    pixels = np.linspace(0.0, 1.0, 24 * 32, dtype=np.float32).reshape(24, 32)
    export_image(pixels, out, bits=bits)
    if label == "FITS":
        assert fits.getheader(out)["BITPIX"] == STORED[label][bits]
    elif label == "TIFF":
        import tifffile

        assert str(tifffile.imread(out).dtype) == STORED[label][bits]
    elif label == "PNG":  # Pillow reads 16-bit RGB as 8-bit: ask the IHDR chunk itself
        assert out.read_bytes()[24] == STORED[label][bits]
    else:
        with PILImage.open(out) as im:
            assert str(np.asarray(im).dtype) == STORED[label][bits]
    assert open_image(out).data.shape[:2] == (24, 32)


def test_depths_are_named_float_or_integer():
    assert bit_depth_label(32) == "32-bit float"
    assert bit_depth_label(16) == "16-bit integer"
