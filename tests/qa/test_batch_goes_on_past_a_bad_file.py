"""`render A B C -o DIR/` and `apply RECIPE IMG...` with one bad input: the others are written,
one line names the bad one, exit 2 with a summary (as Photoshop's Batch logs and goes on)."""

from __future__ import annotations

import shutil


def _project(shared_data, folder):
    from editor import Document

    src = folder / "k.fits"
    shutil.copy(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", src)
    doc = Document.from_image(str(src))
    doc.add_adjustment("auto_stretch")
    doc.save(str(folder / "good.nebula"))
    return folder / "good.nebula"


def test_render_batch_writes_the_good_projects_around_a_truncated_one(shared_data, tmp_path, capsys):
    from editor.cli import main

    good = _project(shared_data, tmp_path)
    second = tmp_path / "second.nebula"
    shutil.copy(good, second)
    broken = tmp_path / "broken.nebula"
    broken.write_bytes(good.read_bytes()[:5000])
    out = tmp_path / "renders"
    out.mkdir()
    assert main(["render", str(good), str(broken), str(second), "-o", str(out) + "/"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert sorted(p.name for p in out.iterdir()) == ["good.tif", "second.tif"]
    bad = [line for line in err if "broken.nebula" in line]
    assert len(bad) == 2 and "not a Nebulayer project" in bad[0], err
    assert err[-1] == "nebulayer: 2 of 3 written; failed: broken.nebula"


def test_apply_batch_skips_a_cube_with_its_reason(shared_data, tmp_path, capsys):
    from editor.cli import main

    good = _project(shared_data, tmp_path)
    out = tmp_path / "applied"
    out.mkdir()
    cube = shared_data / "fits" / "l1448_13co_cube.fits"
    m51 = shared_data / "fits" / "m51_kpno_b_int16.fits"
    assert main(["apply", str(good), str(cube), str(m51), "-o", str(out) + "/"]) == 2
    err = capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["m51_kpno_b_int16.tif"]
    assert "choose one with --plane 0..52" in err and "1 of 2 written" in err


def test_a_single_bad_project_is_still_one_line(shared_data, tmp_path, capsys):
    from editor.cli import main

    broken = tmp_path / "broken.nebula"
    broken.write_bytes(_project(shared_data, tmp_path).read_bytes()[:5000])
    assert main(["render", str(broken), "-o", str(tmp_path / "x.tif")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
