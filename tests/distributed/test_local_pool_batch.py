"""`nebulayer render P1 P2 ... -o DIR/ --workers 2`: whole projects on local worker processes
started once for the batch: the files are byte-identical to the serial batch (with
SOURCE_DATE_EPOCH fixing the date they record), a bad project is
one line (the others still written, exit 2), and the workers import no Qt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editor import Document, GeneratedMask
from editor.cli import main
from editor.render.tiles_distributed import local_pool, qt_modules


@pytest.fixture
def projects(tmp_path, shared_data) -> list[Path]:
    from tests.tiles.big_doc import plate

    p = plate(shared_data)
    out = []
    for k in range(3):
        rgb = np.ascontiguousarray(np.stack([p, p * 0.9, p * (0.8 + 0.05 * k)], axis=-1))
        doc = Document.from_image(rgb + np.float32(0.02))
        doc.add_adjustment("levels", black=0.01 * (k + 1), white=0.5)
        lv = doc.add_adjustment("curves", points=[[0, 0], [0.3, 0.4], [1, 1]])
        doc.set_mask(lv, GeneratedMask("contrast_mask", {"radius": 30.0 + 10 * k, "blur": 8.0}))
        doc.add_adjustment("highpass", radius=5.0)
        path = tmp_path / f"p{k}.nebula"
        doc.save(path)
        out.append(path)
    return out


def test_batch_on_local_workers_writes_the_serial_bytes_and_reports_a_bad_project(
        projects, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the date in the files' HISTORY
    bad = tmp_path / "broken.nebula"
    bad.write_bytes(b"not a zip")
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    serial.mkdir()
    pooled.mkdir()
    paths = [str(p) for p in projects]
    assert main(["render", *paths, "-o", f"{serial}/", "--tile", "256"]) == 0
    capsys.readouterr()
    assert main(["render", *paths, str(bad), "-o", f"{pooled}/", "--tile", "256",
                 "--workers", "2"]) == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "broken.nebula" in ln]
    assert len(lines) == 2 and "not a Nebulayer project" in lines[0]  # its error, the summary
    assert "3 of 4 written" in lines[1] and "Traceback" not in err
    for p in projects:
        a = (serial / f"{p.stem}.tif").read_bytes()
        assert a == (pooled / f"{p.stem}.tif").read_bytes()


def test_local_workers_import_no_qt():
    with local_pool(2) as pool:
        assert [pool.submit(qt_modules).result() for _ in range(2)] == [[], []]
