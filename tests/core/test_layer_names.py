"""Layer names say what they are: an opened file's layer is the file's name and its filter."""

from __future__ import annotations

import numpy as np

from editor.core.document import Document
from editor.core.naming import filter_name, layer_name_for
from editor.io.image import Image, ImageMeta


def test_an_opened_2mass_frame_is_named_after_its_file_and_band(shared_data):
    gc = shared_data / "fits" / "multiband_gc"
    doc = Document.from_image(gc / "gc_2mass_j.fits")
    assert doc.layers[0].name == "gc_2mass_j (J)"
    lid = doc.add_image(gc / "gc_2mass_h.fits")
    assert doc.layer(lid).name == "gc_2mass_h (H)"
    # The source keeps the exact file name (exports and the project list it).
    assert sorted(s.name for s in doc.sources.values()) == ["gc_2mass_h.fits", "gc_2mass_j.fits"]


def test_filter_keyword_wins_over_band_and_a_given_name_wins_over_both():
    meta = ImageMeta(path="/night/M42_stack.fits", header={"FILTER": "Ha ", "BAND": "R"})
    img = Image(np.zeros((4, 4), np.float32), meta)
    assert filter_name(meta.header) == "Ha"
    assert layer_name_for(img) == "M42_stack (Ha)"
    assert layer_name_for(img, "mine") == "mine"
    no_filter = Image(np.zeros((4, 4), np.float32), ImageMeta(path="/x/flat.tif"))
    assert layer_name_for(no_filter) == "flat"


def test_pixels_without_a_file_keep_the_background_name():
    doc = Document.from_image(np.zeros((5, 6), np.float32))
    assert doc.layers[0].name == "Background"
    assert Document.from_image(np.zeros((5, 6), np.float32), name="sky").layers[0].name == "sky"
