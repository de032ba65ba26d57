"""Frame saving without a server: names, headers, fitsverify, atomic writes, disk errors."""

from __future__ import annotations

import errno
import io
import os
import zlib
from datetime import datetime, timezone

import numpy as np
import pytest
from astropy.io import fits

from fits_check import assert_fitsverify_clean

from editor.acquisition import frame_writer
from editor.acquisition.camera import FrameSettings, RawFrame, decode_blob
from editor.acquisition.frame_writer import (exposure_label, frame_name, next_index, save_frame,
                                             session_dir)
from editor.acquisition.sequence import parse_plan, parse_roi
from editor.acquisition.settings import AcquisitionSettings
from editor.errors import DeviceError, ImageWriteError


def _frame(exposure=300.0, frame_type="light", bayer=None, shape=(40, 60)) -> RawFrame:
    rng = np.random.default_rng(1)
    data = rng.integers(100, 60000, size=shape, dtype=np.uint16)
    drv = fits.Header()
    drv["DATE-OBS"] = "2026-01-02T21:15:00.250"
    drv["TELESCOP"] = "Telescope Simulator"
    drv["FOCALLEN"] = (900.0, "Focal Length (mm)")
    if bayer:
        drv["BAYERPAT"] = bayer
    return RawFrame(camera="CCD Simulator", data=data, driver_header=drv, blob=b"",
                    blob_format=".fits", settings=FrameSettings(exposure, gain=120, offset=30,
                                                                frame_type=frame_type),
                    started=datetime(2026, 1, 2, 21, 15, tzinfo=timezone.utc), arrived=0.0,
                    temperature=-10.0)


def test_plan_shorthand_gives_steps_with_filters_and_exposures():
    steps = parse_plan("10xL, 5xR, 5 x G, 5xB:120", exposure=300, gain=100)
    assert [(s.count, s.filter, s.exposure) for s in steps] == [
        (10, "L", 300), (5, "R", 300), (5, "G", 300), (5, "B", 120)]
    assert all(s.gain == 100 for s in steps)
    assert parse_plan("20x", exposure=2)[0].filter is None
    with pytest.raises(DeviceError, match="not understood"):
        parse_plan("ten of L", exposure=1)
    assert parse_roi(" 10, 20,640,480") == (10, 20, 640, 480) and parse_roi("") is None
    with pytest.raises(DeviceError, match="region '10,20' not understood"):
        parse_roi("10,20")


def test_names_are_clear_and_numbers_continue_after_existing_files(tmp_path):
    assert exposure_label(300) == "300s" and exposure_label(0.5) == "0.5s"
    assert frame_name("light", "L", 1, 300) == "Light_L_0001_300s.fits"
    assert frame_name("dark", None, 12, 0.001) == "Dark_0012_0.001s.fits"
    folder = session_dir(tmp_path, "M 42/Orion", datetime(2026, 1, 3, 2, 0).astimezone())
    assert folder.name == "2026-01-02_M_42_Orion"  # the night it began, safe characters
    folder.mkdir(parents=True)
    (folder / "Light_L_0007_300s.fits").write_bytes(b"x")
    (folder / "Light_R_0009_300s.fits").write_bytes(b"x")
    assert next_index(folder, "Light_L_") == 8
    assert next_index(folder, "Dark_") == 1


def test_saved_frame_has_full_standard_header_and_passes_fitsverify(tmp_path):
    frame = _frame(bayer="RGGB")
    path = save_frame(frame, tmp_path, filter_name="L", object_name="M42", gain=120, offset=30)
    assert path.name == "Light_L_0001_300s.fits"
    with fits.open(path) as hdul:
        hdr = hdul[0].header
        np.testing.assert_array_equal(hdul[0].data, frame.data)
        assert hdul[0].data.dtype == np.uint16
    assert hdr["DATE-OBS"] == "2026-01-02T21:15:00.250"
    assert hdr["EXPTIME"] == 300 and hdr["GAIN"] == 120 and hdr["OFFSET"] == 30
    assert hdr["XBINNING"] == 1 and hdr["YBINNING"] == 1 and hdr["CCD-TEMP"] == -10
    assert hdr["FILTER"] == "L" and hdr["IMAGETYP"] == "Light Frame"
    assert hdr["INSTRUME"] == "CCD Simulator" and hdr["TELESCOP"] == "Telescope Simulator"
    assert hdr["BAYERPAT"] == "RGGB" and hdr["OBJECT"] == "M42" and hdr["FOCALLEN"] == 900
    assert_fitsverify_clean(path)


def test_dark_frames_are_named_and_typed_as_darks(tmp_path):
    path = save_frame(_frame(60, "dark"), tmp_path)
    assert path.name == "Dark_0001_60s.fits"
    assert fits.getheader(path)["IMAGETYP"] == "Dark Frame"
    assert "FILTER" not in fits.getheader(path)


def test_disk_full_stops_with_clear_message_and_leaves_no_partial_frame(tmp_path, monkeypatch):
    first = save_frame(_frame(), tmp_path, filter_name="L")
    before = first.read_bytes()
    real_write = os.write

    def full_disk(fd, data):
        if len(data) > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(frame_writer.os, "write", full_disk)
    with pytest.raises(ImageWriteError, match="disk full") as info:
        save_frame(_frame(), tmp_path, filter_name="L")
    assert "Light_L_0002_300s.fits" in str(info.value)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Light_L_0001_300s.fits"]
    assert first.read_bytes() == before


def test_failed_rename_keeps_final_name_free(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(frame_writer.os, "replace", refuse)
    with pytest.raises(ImageWriteError, match="permission denied"):
        save_frame(_frame(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_output_folder_under_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(ImageWriteError, match="not_a_folder") as info:
        save_frame(_frame(), blocker / "session")
    assert "file, not a folder" in str(info.value)


def test_compressed_fits_blob_decodes():
    data = np.arange(12, dtype=np.uint16).reshape(3, 4)
    raw = io.BytesIO()
    fits.PrimaryHDU(data).writeto(raw)
    out, hdr = decode_blob(zlib.compress(raw.getvalue()), ".fits.z")
    np.testing.assert_array_equal(out, data)
    assert decode_blob(b"raw bytes", ".cr2")[0] is None
    with pytest.raises(DeviceError, match="unreadable FITS"):
        decode_blob(b"SIMPLE  = garbage", ".fits")


def test_settings_round_trip_and_damaged_file_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("NEBULAYER_CONFIG_DIR", str(tmp_path))
    AcquisitionSettings(host="astro-pi", port=7625, camera="ZWO").save()
    loaded = AcquisitionSettings.load()
    assert (loaded.host, loaded.port, loaded.camera) == ("astro-pi", 7625, "ZWO")
    (tmp_path / "acquisition.json").write_text("{not json")
    assert AcquisitionSettings.load() == AcquisitionSettings()
    (tmp_path / "acquisition.json").write_text('{"port": "evil", "host": 5}')
    assert AcquisitionSettings.load().port == 7624
