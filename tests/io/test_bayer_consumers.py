"""Every reader of Bayer keywords (open_image, stacking's frame scan, live view's debayer) sees
the same pattern, for each ROWORDER and for even heights (where a flip changes the pattern)."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from editor.acquisition.colour_frames import debayer_frame, mosaic_pattern
from editor.io import open_image
from editor.stacking.frames import peek_info


@pytest.mark.parametrize("roworder", ["TOP-DOWN", "BOTTOM-UP", None])
@pytest.mark.parametrize("height", [32, 33])
@pytest.mark.parametrize("xoff,yoff", [(0, 0), (1, 1)])
def test_all_readers_agree_with_open_image(tmp_path, roworder, height, xoff, yoff):
    stored = np.random.default_rng(3).integers(0, 65535, (height, 40), dtype=np.uint16)
    cards = {"BAYERPAT": "GBRG", "XBAYROFF": xoff, "YBAYROFF": yoff}
    if roworder:
        cards["ROWORDER"] = roworder
    path = tmp_path / "osc.fits"
    fits.PrimaryHDU(stored, header=fits.Header(cards)).writeto(path)
    top_first = open_image(path).meta.bayer_pattern
    assert peek_info(path).pattern == top_first
    assert mosaic_pattern(cards, height, top_first=True) == top_first
    live = debayer_frame(stored, cards)  # rows as stored, as the camera sent them
    shown = live if roworder == "TOP-DOWN" else live[::-1]
    opened = open_image(path, debayer=True, debayer_method="bilinear").data
    np.testing.assert_allclose(shown, opened, rtol=1e-6, atol=1e-7)
