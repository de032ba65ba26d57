"""What a captured frame or a live stack becomes in the editor (no Qt, no INDI server)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
from astropy.io import fits

from editor.acquisition.camera import FrameSettings, RawFrame
from editor.acquisition.to_editor import (document_for, fits_as_layer, frame_for_editor,
                                          payload_image, stack_for_editor)
from editor.io.image import ImageMeta


def real_frame(shared_data, **extra) -> RawFrame:
    """A real CCD sub (M13, int16 on disk) as the camera would have delivered it."""
    with fits.open(shared_data / "fits" / "m13_subs" / "M13_blue_0001.fits") as hdul:
        header = hdul[0].header.copy()
        data = np.asarray(hdul[0].data)
    data = (data.astype(np.int64) - data.min()).clip(0, 65535).astype(np.uint16)
    return RawFrame(camera="CCD Simulator", data=data, driver_header=header, blob=b"",
                    blob_format=".fits", settings=FrameSettings(exposure=0.2),
                    started=datetime.now(timezone.utc), arrived=0.0, extra=dict(extra))


def test_a_frame_arrives_as_read_only_float_0_to_1_with_its_cards(shared_data):
    frame = real_frame(shared_data)
    array, meta, name = frame_for_editor(frame)
    assert array.dtype == np.float32 and array.shape == frame.data.shape
    assert not array.flags.writeable  # the editor's sources are never modified
    np.testing.assert_allclose(array, frame.data / np.float32(65535), rtol=1e-6)
    # the driver's own cards describe the real camera and win over what was asked for
    assert meta.header["INSTRUME"] == "Orion SSDSI" == frame.driver_header["INSTRUME"]
    assert meta.header["EXPTIME"] == frame.driver_header["EXPTIME"]
    del frame.driver_header["INSTRUME"], frame.driver_header["EXPTIME"]
    _, meta, _ = frame_for_editor(frame)
    assert meta.header["INSTRUME"] == "CCD Simulator" and meta.header["EXPTIME"] == 0.2
    assert "NAXIS1" not in meta.header and "BITPIX" not in meta.header  # the export writes its own
    assert meta.original_dtype == "uint16" and meta.format == "array"
    assert name == "CCD Simulator 0.2 s"


def test_a_saved_frame_is_named_after_its_file(shared_data, tmp_path):
    array, meta, name = frame_for_editor(real_frame(shared_data, path=str(tmp_path / "M13_L_001.fits")))
    assert name == "M13_L_001" and meta.format == "FITS" and meta.path.endswith("M13_L_001.fits")


def test_a_bayer_frame_keeps_its_pattern_undebayered(shared_data):
    frame = real_frame(shared_data)
    frame.driver_header["BAYERPAT"] = "RGGB"
    array, meta, _ = frame_for_editor(frame)
    assert array.ndim == 2 and meta.bayer_pattern == "RGGB"


def test_colour_stack_goes_to_editor_as_rgb_with_its_debayer_history():
    from editor.acquisition.live_stack import LiveStacker

    rng = np.random.default_rng(0)
    rgb = (0.05 + 0.001 * rng.standard_normal((64, 64, 3))).astype(np.float32)
    rgb[10:13, 20:23] = rgb[40:43, 30:33] = rgb[50:53, 5:8] = 0.8  # a few bright "stars"
    stacker = LiveStacker(min_star_pixels=5)
    assert stacker.add(rgb, 1.0, {"BAYERPAT": "RGGB", "INSTRUME": "OSC"}).accepted
    snapshot = (stacker.image(), stacker.meta(), "Live stack (1 x)")
    array, meta, _ = stack_for_editor(snapshot)
    assert array.shape == (64, 64, 3) and array.dtype == np.float32
    assert "BAYERPAT" not in meta.header and meta.bayer_pattern is None
    assert any("debayered" in note for note in meta.notes)


def test_a_frame_becomes_a_document_or_a_layer_of_one_the_same_size(shared_data):
    image, name = payload_image(frame_for_editor(real_frame(shared_data)))
    doc = document_for(image, name)
    assert (doc.height, doc.width) == image.data.shape and doc.layers[-1].name == name
    np.testing.assert_array_equal(doc.render(), image.data)
    assert fits_as_layer(doc, image)
    assert not fits_as_layer(None, image)
    smaller, _ = payload_image((np.zeros((8, 8), np.float32), {"EXPTIME": 1.0}, "small"))
    assert not fits_as_layer(doc, smaller)
    assert isinstance(smaller.meta, ImageMeta) and smaller.meta.header["EXPTIME"] == 1.0
