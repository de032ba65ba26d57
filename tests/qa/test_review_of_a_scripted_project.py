"""The README's Python API project, then `nebulayer review` on it, as a script writer would."""

from __future__ import annotations

import shutil


def _scripted(shared_data, folder, snapshot: bool):
    from editor import Document

    src = folder / "M42_stacked.fits"
    shutil.copy(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", src)
    doc = Document.from_image(str(src))
    if snapshot:
        doc.take_snapshot("Original")
    doc.add_adjustment("extract_background")
    doc.add_adjustment("auto_stretch")
    doc.add_adjustment("levels", midtone=0.6)
    doc.save(str(folder / "M42.nebula"))
    return folder / "M42.nebula"


def test_review_of_a_scripted_project_without_snapshots_says_how_to_take_one(shared_data, tmp_path, capsys):
    from editor.cli import main

    project = _scripted(shared_data, tmp_path, snapshot=False)
    assert main(["review", str(project), "-o", str(tmp_path / "page")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "doc.take_snapshot('Original')" in err, err


def test_review_of_a_scripted_project_with_an_original_snapshot_writes_the_page(shared_data, tmp_path):
    from editor.cli import main

    project = _scripted(shared_data, tmp_path / "proj é", snapshot=True) if (tmp_path / "proj é").mkdir() is None else None
    assert main(["review", str(project), "-o", str(tmp_path / "page out")]) == 0
    html = (tmp_path / "page out" / "index.html").read_text(encoding="utf-8")
    assert "Original" in html and "Levels" in html
