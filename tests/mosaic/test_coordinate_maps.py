"""The coarse-grid WCS coordinate map gives what reproject's per-pixel reproject_interp gives."""

from __future__ import annotations

import numpy as np

from editor.mosaic.build import plan_mosaic
from editor.mosaic.panels import sample
from editor.mosaic.transforms import panel_coords, wcs_of
from tests.mosaic.cutting import cut_panel, header_of, load_plate


def test_wcs_panel_on_the_canvas_matches_reproject_interp(shared_data):
    from reproject import reproject_interp

    plate = load_plate(shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    data, wcs = cut_panel(plate, 100, 150, 500, 420, 2.5)
    other, wcs2 = cut_panel(plate, 300, 350, 500, 420, -1.0)
    plan = plan_mosaic([(data, header_of(wcs)), (other, header_of(wcs2))], align="wcs", balance=False)
    h, w = plan.shape
    rows, cols = panel_coords(plan.panels[0].transform, (0, h, 0, w), 1.0, plan.wcs)
    ours = sample(data, rows, cols)
    theirs, footprint = reproject_interp((data, wcs), wcs_of(plan.wcs), shape_out=(h, w), order=1)
    both = np.isfinite(ours) & (footprint > 0) & np.isfinite(theirs)
    assert both.sum() > 0.9 * np.isfinite(ours).sum()
    spread = np.subtract(*np.nanpercentile(data, [99, 1]))
    worst = np.max(np.abs(ours[both] - theirs[both])) / spread
    assert worst < 1e-3, worst
    print(f"worst difference {worst:.2e} of the spread")
