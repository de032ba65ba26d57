"""Streamed FITS exports carry DATASUM and CHECKSUM that astropy and fitsverify accept, for
every stored type and for rows that do not start on a 32-bit word; one changed byte fails."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from editor.io.stream_write import write_fits_bands


def _write(path: Path, shape: tuple[int, ...], dtype: type, band: int = 16) -> np.ndarray:
    px = np.random.default_rng(3).random(shape, dtype=np.float32)
    px[2, 3] = np.nan
    full = np.iinfo(dtype).max if dtype != np.float32 else None

    def convert(a: np.ndarray) -> np.ndarray:
        if full is None:
            return a
        return np.rint(np.nan_to_num(np.clip(a, 0, 1)) * full).astype(dtype)

    bands = ((y, px[y:y + band]) for y in range(0, shape[0], band))
    write_fits_bands(path, shape, dtype, bands, {"OBJECT": "M 42"}, ["a step"], None,
                     convert=convert)
    return px


def _checksum_warnings(path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fits.open(path, checksum=True) as hdul:
            hdul[0].data  # noqa: B018 - reading the data checks DATASUM
    return [str(w.message) for w in caught if "hecksum" in str(w.message)]


@pytest.mark.parametrize("shape, dtype", [((101, 77, 3), np.float32), ((64, 33), np.uint16),
                                          ((50, 31, 3), np.uint8), ((7, 5), np.float32),
                                          ((33, 9), np.uint8)])
def test_streamed_fits_checksums_verify(tmp_path, shape, dtype):
    path = tmp_path / "s.fits"
    _write(path, shape, dtype)
    header = fits.getheader(path)
    assert len(header["CHECKSUM"]) == 16 and int(header["DATASUM"]) > 0
    assert _checksum_warnings(path) == []
    if shutil.which("fitsverify"):
        run = subprocess.run(["fitsverify", str(path)], capture_output=True, text=True)
        assert "0 warning(s) and 0 error(s)" in run.stdout, run.stdout[-600:]


def test_one_changed_byte_fails_both_checks(tmp_path):
    path = tmp_path / "s.fits"
    _write(path, (50, 31, 3), np.uint8)
    start = len(fits.getheader(path).tostring())  # where the data unit begins
    raw = bytearray(path.read_bytes())
    raw[start + 1000] ^= 0x10
    path.write_bytes(bytes(raw))
    assert _checksum_warnings(path)
    if shutil.which("fitsverify"):
        run = subprocess.run(["fitsverify", str(path)], capture_output=True, text=True)
        assert "checksum" in run.stdout.lower() and "0 warning(s)" not in run.stdout
