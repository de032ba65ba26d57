"""The histogram's Low %/High % on data that is not in 0..1 units (issue 17: ADU data showed
High % = 100 on every channel, read as "everything clipped" while the picture was fine)."""

from __future__ import annotations

import numpy as np

from editor.ui.panels.histogram_panel import _fmt_pct, analyse


def test_clip_percentages_are_left_out_for_data_in_adu():
    rng = np.random.default_rng(0)
    adu = (500 + 20 * rng.standard_normal((200, 300))).astype(np.float32)
    stats = analyse(adu)["stats"]
    assert stats["clipped_high_pct"] == [None] and stats["clipped_low_pct"] == [None]
    assert _fmt_pct(None) == "—"


def test_clip_percentages_are_measured_on_normalised_data():
    img = np.full((100, 100, 3), 0.2, np.float32)
    img[:10, :10] = 1.0  # 1 % of the picture at white
    stats = analyse(img)["stats"]
    assert stats["clipped_high_pct"] == [1.0, 1.0, 1.0]
