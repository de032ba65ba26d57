"""The Acquisition tab's "Stack this session" box: frames found in a session folder, stacked as
a job with progress and Cancel, the master saved there and handed to the editor."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from editor.acquisition.to_editor import document_for, payload_image  # noqa: E402
from tests.stacking.synthetic import make_dataset  # noqa: E402


@pytest.fixture(scope="module")
def session_folder(shared_data, tmp_path_factory):
    """A session folder named as the Acquisition tab names frames."""
    raw = tmp_path_factory.mktemp("raw")
    data = make_dataset(shared_data / "fits" / "horsehead_dss_ukschmidt.fits", raw, size=256,
                        n_lights=5, n_cal=4, seed=3)
    folder = tmp_path_factory.mktemp("2026-01-15_Horsehead")
    for kind, paths, exposure in (("Light_Ha", data.lights, 60), ("Dark", data.darks, 120),
                                  ("Flat_Ha", data.flats, 1), ("Bias", data.bias, 0)):
        for i, path in enumerate(paths, start=1):
            (folder / f"{kind}_{i:04d}_{exposure}s.fits").write_bytes(path.read_bytes())
    return folder


def test_panel_finds_the_session_frames_and_opens_the_master(qtbot, session_folder):
    from editor.ui.acquisition.stack_panel import StackPanel

    panel = StackPanel()
    qtbot.addWidget(panel)
    panel.set_folder(session_folder)
    assert panel.filter_combo.count() == 1 and panel.filter_combo.currentData() == "Ha"
    assert "5 lights Ha" in panel.scan_label.text() and "4 darks" in panel.scan_label.text()
    progress = []
    with qtbot.waitSignal(panel.stacked, timeout=180_000) as blocker:
        job = panel.start()
        job._progress.connect(progress.append)
    pixels, meta, name = blocker.args[0]
    assert pixels.shape == (256, 256) and np.isfinite(pixels[40:-40, 40:-40]).all()
    assert meta.header["NCOMBINE"] == 5 and name == "Master_Ha"
    assert (session_folder / "Master_Ha.fits").exists()
    assert progress and max(progress) == pytest.approx(1.0)
    assert "5 of 5 lights stacked" in panel.scan_label.text() and panel.stack_btn.isEnabled()
    image, layer_name = payload_image(blocker.args[0])
    doc = document_for(image, layer_name)  # what the main window opens as a new document
    assert (doc.width, doc.height) == (256, 256)


def test_cancel_stops_stacking_and_writes_nothing(qtbot, session_folder, tmp_path):
    from editor.ui.acquisition.stack_panel import StackPanel

    folder = tmp_path / "session"
    folder.mkdir()
    for path in session_folder.glob("*_0*.fits"):
        (folder / path.name).write_bytes(path.read_bytes())
    panel = StackPanel()
    qtbot.addWidget(panel)
    panel.set_folder(folder)
    job = panel.start()
    with qtbot.waitSignal(job.cancelled, timeout=60_000):
        job.cancel()
    assert not (folder / "Master_Ha.fits").exists()
    assert panel.scan_label.text() == "Stacking cancelled." and panel.stack_btn.isEnabled()
    assert not [p for p in folder.iterdir() if p.name.startswith("nebulayer-")]


def test_acquisition_tab_hands_the_master_to_the_editor(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path / "config"))
    from editor.ui.acquisition.tab import AcquisitionTab

    tab = AcquisitionTab()
    qtbot.addWidget(tab)
    try:
        tab.out_dir.setText(str(tmp_path))
        tab.object_name.setText("M42")
        assert tab._session_folder().startswith(str(tmp_path)) and "M42" in tab._session_folder()
        payload = (np.zeros((4, 4), np.float32), {}, "Master")
        with qtbot.waitSignal(tab.open_in_editor) as blocker:
            tab.stack_panel.stacked.emit(payload)
        assert blocker.args[0] is payload
    finally:
        tab.shutdown()


def test_the_stack_summary_and_skipped_frames_speak_french(qtbot, session_folder, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QApplication

    from editor.ui.acquisition.stack_panel import StackPanel
    from editor.ui.common import i18n
    from editor.ui.shell.app import make_application

    folder = tmp_path / "session"
    folder.mkdir()
    for path in session_folder.glob("*.fits"):
        (folder / path.name).write_bytes(path.read_bytes())
    # a light of clouds (no star to register on): skipped with its reason, the others stacked
    from astropy.io import fits

    with fits.open(folder / "Light_Ha_0001_60s.fits") as hdul:
        cloudy = np.random.default_rng(1).normal(hdul[0].data.mean(), 1.0, hdul[0].data.shape)
        fits.PrimaryHDU(cloudy.astype(hdul[0].data.dtype), hdul[0].header).writeto(
            folder / "Light_Ha_0006_60s.fits")
    monkeypatch.setenv("NEBULAYER_LANG", "fr")
    make_application()
    assert i18n.install(QApplication.instance()) == "fr"
    try:
        panel = StackPanel()
        qtbot.addWidget(panel)
        panel.set_folder(folder)
        panel.start()
        qtbot.waitUntil(panel.stack_btn.isEnabled, timeout=180_000)  # finished or failed
        text = panel.scan_label.text()
    finally:
        monkeypatch.setenv("NEBULAYER_LANG", "en")
        i18n.install(QApplication.instance())
    assert "5 sur 6 brutes empilées dans Master_Ha.fits" in text, text
    assert "ignorées" in text and "Light_Ha_0006_60s.fits" in text and "skipped" not in text, text
