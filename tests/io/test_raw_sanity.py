"""Camera RAW sanity: stubs and cut-short raws are refused with one line, never decoded into noise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from editor.errors import ImageReadError
from editor.io import open_image
from editor.io.raw import check_plausible

REAL = ["raw/kodak_dc50_bayer.kdc", "raw/canon_eos_6d_linear.dng"]


def _cli_info(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "editor.cli", "info", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("keep", [0.5, 0.13, 0.05])
def test_cut_short_real_raw_is_refused_in_one_line(shared_data, tmp_path, name, keep):
    whole = (shared_data / name).read_bytes()
    stub = tmp_path / f"cut{Path(name).suffix}"
    stub.write_bytes(whole[:int(len(whole) * keep)])
    with pytest.raises(ImageReadError) as info:
        open_image(stub)
    assert str(stub) in str(info.value) and "\n" not in str(info.value)
    done = _cli_info(stub)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(stub) in done.stderr


def test_exiv2_metadata_only_raws_are_refused_in_one_line(shared_data):
    for stub in sorted((shared_data / "raw/invalid").iterdir()):
        done = _cli_info(stub)
        assert done.returncode == 2, stub
        assert len(done.stderr.strip().splitlines()) == 1 and str(stub) in done.stderr


def test_a_12_kb_file_claiming_a_10_megapixel_sensor_is_refused(tmp_path):
    # What LibRaw reports for ExifTool's 12 KB Panasonic test stub: a 3724 x 2754 sensor.
    with pytest.raises(ImageReadError, match="truncated .*3724 x 2754 sensor .* only 12.1 KiB"):
        check_plausible(tmp_path / "P1000.RW2", 12344, 2754, 3724)


def test_real_raws_pass_the_size_check_and_thin_files_are_flagged(shared_data):
    for name in REAL:
        path = shared_data / name
        image = open_image(path)
        assert not any(note.startswith("warning") for note in image.meta.notes)
    # The Kodak DC50 compresses to 1.9 bits per photosite, the thinnest real raw we know.
    assert check_plausible(Path("k.kdc"), 92675, 512, 768) is None
    assert "bits per photosite" in check_plausible(Path("thin.raw"), 60000, 1000, 1000)
