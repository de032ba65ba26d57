"""`nebulayer apply` of a project that was cropped/rotated: the geometry is not replayed, and says so."""

from __future__ import annotations

import shutil


def test_apply_of_a_rotated_recipe_says_its_geometry_is_not_applied(shared_data, tmp_path, capsys):
    import tifffile

    from editor import Document
    from editor.cli import main

    src = tmp_path / "k.fits"
    shutil.copy(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", src)
    doc = Document.from_image(str(src))
    doc.add_adjustment("auto_stretch")
    doc.crop_to_ratio("16:9")
    doc.rotate(90)
    doc.save(str(tmp_path / "recipe.nebula"))
    out = tmp_path / "out"
    out.mkdir()
    m51 = shared_data / "fits" / "m51_kpno_b_int16.fits"
    assert main(["apply", str(tmp_path / "recipe.nebula"), str(m51), "-o", str(out) + "/"]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "note:" in line]
    assert len(notes) == 1 and "rotate 90 deg" in notes[0] and "not applied" in notes[0], err
    assert tifffile.imread(out / "m51_kpno_b_int16.tif").shape == (512, 512)


def test_apply_of_a_recipe_without_geometry_prints_no_note(shared_data, tmp_path, capsys):
    from editor import Document
    from editor.cli import main

    src = tmp_path / "k.fits"
    shutil.copy(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", src)
    doc = Document.from_image(str(src))
    doc.add_adjustment("auto_stretch")
    doc.save(str(tmp_path / "recipe.nebula"))
    (tmp_path / "out").mkdir()
    m51 = shared_data / "fits" / "m51_kpno_b_int16.fits"
    assert main(["apply", str(tmp_path / "recipe.nebula"), str(m51), "-o", str(tmp_path / "out") + "/"]) == 0
    assert "note:" not in capsys.readouterr().err
