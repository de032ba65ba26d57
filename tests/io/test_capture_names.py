"""A capture with a non-ASCII object, filter or camera name still saves a valid FITS frame."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone

import numpy as np
from astropy.io import fits

from editor.acquisition.camera import FrameSettings, RawFrame
from editor.acquisition.frame_writer import save_frame
from editor.io import open_image


def test_capture_of_nebuleuse_d_orion_saves_a_clean_frame(tmp_path):
    data = np.random.default_rng(1).integers(100, 60000, size=(20, 30), dtype=np.uint16)
    frame = RawFrame(camera="Caméra ZWO", data=data, driver_header=fits.Header(), blob=b"",
                     blob_format=".fits", settings=FrameSettings(30.0, frame_type="light"),
                     started=datetime(2026, 1, 2, 21, 15, tzinfo=timezone.utc), arrived=0.0)
    path = save_frame(frame, tmp_path, filter_name="Hα", object_name="Nébuleuse d'Orion")
    with fits.open(path) as hdul:
        header = hdul[0].header
        assert header["OBJECT"] == "Nebuleuse d'Orion"
        assert header["FILTER"] == "H\\u03b1" and header["INSTRUME"] == "Camera ZWO"
    if shutil.which("fitsverify"):
        done = subprocess.run(["fitsverify", "-q", "-e", str(path)], capture_output=True, text=True)
        assert "0 error" in done.stdout or done.returncode == 0, done.stdout
    image = open_image(path)
    stored_top_first = data if image.meta.extra["row_order"] == "TOP-DOWN" else data[::-1]
    np.testing.assert_array_equal(np.rint(np.asarray(image.data) * 65535), stored_top_first)
