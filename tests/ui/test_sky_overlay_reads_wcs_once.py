"""The sky overlay builds the canvas WCS once per change of the sky frame (sources, plate
solution, image-layer placement, geometry), not on every edit: a levels drag sends a content
change per step and each used to rebuild the header and WCS."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from editor.astrometry.project import store_solution
from editor.io.wcs import array_wcs
from editor.ui.canvas.sky_overlay import SkyOverlayController


def _pixel_of_sky(wcs, x, y):
    return np.asarray(wcs.all_pix2world([[x, y]], 0))[0]


def test_edits_that_move_no_pixel_on_the_sky_reuse_the_wcs(qtbot, shared_data):
    from editor import Document

    doc = Document.from_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits")
    vb = pg.ViewBox()
    ctl = SkyOverlayController(vb)
    ctl.refresh(doc)
    assert ctl.wcs is not None and ctl.wcs_reads == 1
    first = _pixel_of_sky(ctl.wcs, 100, 200)

    lid = doc.add_adjustment("levels", black=0.05)
    for black in (0.06, 0.07, 0.08):  # a slider drag: one refresh per step
        doc.set_params(lid, black=black)
        ctl.refresh(doc)
    assert ctl.wcs_reads == 1 and ctl.wcs is not None

    # a new plate solution (shifted by 10 px) is a new sky frame: read again, and right
    sid = doc.layers[0].source_id
    h = doc.sources[sid].height
    shifted = array_wcs(dict(doc.sources[sid].meta.header), h)
    shifted.wcs.crpix = shifted.wcs.crpix + np.array([10.0, 0.0])
    store_solution(doc, sid, shifted)
    ctl.refresh(doc)
    assert ctl.wcs_reads == 2
    assert np.allclose(_pixel_of_sky(ctl.wcs, 110, 200), first, atol=1e-9)

    doc.undo()  # the old header back: read again, the first frame again
    ctl.refresh(doc)
    assert ctl.wcs_reads == 3
    assert np.allclose(_pixel_of_sky(ctl.wcs, 100, 200), first, atol=1e-9)

    doc.set_layer_props(doc.layers[0].id, offset=(0.0, 25.0))  # the image moved on the canvas
    ctl.refresh(doc)
    assert ctl.wcs_reads == 4
    assert np.allclose(_pixel_of_sky(ctl.wcs, 125, 200), first, atol=1e-6)
