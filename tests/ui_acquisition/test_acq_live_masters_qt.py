"""The Live view box's calibration row: this session's masters (built from the session's frames
on first use), a master picked by hand, a refused file, no calibration."""

from __future__ import annotations

import pytest

from tests.stacking.synthetic import make_dataset


@pytest.fixture(scope="module")
def session(shared_data, tmp_path_factory):
    return make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits",
                        tmp_path_factory.mktemp("session"), size=256, n_lights=2, n_cal=4)


def test_session_masters_button_builds_and_uses_the_masters(tab, qtbot, session, monkeypatch):
    box = tab.live.masters
    tab.stack_panel.folder.setText(str(session.folder))
    box.session_btn.click()
    qtbot.waitUntil(lambda: "master_dark.fits" in box.label.text(), timeout=60_000)
    assert box.session_btn.isEnabled()
    assert set(tab.controller.live_masters) == {"dark", "flat", "bias"}
    assert tab.controller.stacker.calibration is not None
    assert "flat master_flat.fits" in box.label.text()
    assert (session.folder / "masters" / "master_flat.fits").exists()

    # a light frame picked as master flat would be fine; a file that is no image is refused
    bad = session.folder / "notes.fits"
    bad.write_text("not a FITS file")
    monkeypatch.setattr("editor.ui.acquisition.live_masters.QFileDialog.getOpenFileName",
                        lambda *a, **k: (str(bad), ""))
    box.flat_btn.click()
    qtbot.waitUntil(lambda: "notes.fits" in box.label.text(), timeout=30_000)
    assert tab.controller.live_masters["flat"].endswith("master_flat.fits")  # old ones stay

    box.clear_btn.click()
    qtbot.waitUntil(lambda: box.label.text().endswith("none"), timeout=30_000)
    assert tab.controller.live_masters == {} and tab.controller.stacker.calibration is None
