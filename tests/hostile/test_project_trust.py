"""What a project file says about itself never chooses where a save goes, and a project from
someone else cannot read files outside its folder without asking (nor learn whether they exist)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from editor.core.document import Document
from editor.errors import DocumentError, OutsideReferencesError, ProjectError

REPO = Path(__file__).resolve().parents[2]


def _rewrite_json(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    record = json.loads(members["document.json"])
    edit(record)
    members["document.json"] = json.dumps(record).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture
def victim(tmp_path) -> Path:
    """Someone's real project, elsewhere on the disk."""
    folder = tmp_path / "my_work"
    folder.mkdir()
    doc = Document.from_image(np.full((8, 10), 0.3, np.float32))
    doc.save(folder / "M42_final.nebula")
    return folder / "M42_final.nebula"


def _hostile_copy_claiming(victim: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    doc = Document.from_image(np.zeros((4, 4), np.float32))
    hostile = folder / "nice_edit.nebula"
    doc.save(hostile)
    _rewrite_json(hostile, lambda r: r.update(recovery=True, original_path=str(victim)))
    return hostile


def test_a_project_claiming_to_be_a_recovery_copy_cannot_make_save_overwrite_another_file(victim, tmp_path):
    before = victim.read_bytes()
    hostile = _hostile_copy_claiming(victim, tmp_path / "downloads")
    doc = Document.load(hostile)
    assert doc.path == str(hostile) and not doc.dirty
    doc.add_adjustment("levels", midtone=0.2)
    doc.save()
    assert victim.read_bytes() == before
    assert Document.load(hostile).layers[-1].kind == "levels"


def test_save_without_a_path_is_refused_for_a_document_nobody_named(tmp_path):
    doc = Document.from_image(np.zeros((4, 4), np.float32))
    with pytest.raises(DocumentError, match="no file name"):
        doc.save()
    assert list(tmp_path.iterdir()) == []


def _referencing_project(tmp_path: Path, image_path: Path) -> Path:
    """A project in ``stranger/`` whose one source refers to ``image_path``."""
    folder = tmp_path / "stranger"
    folder.mkdir(exist_ok=True)
    doc = Document.from_image(np.zeros((4, 5), np.float32))
    path = folder / "gift.nebula"
    doc.save(path)

    def point(r):
        src = r["sources"][0]
        for key in ("file", "relative_path"):
            src.pop(key, None)
        src.update(storage="reference", path=str(image_path), sha256="0" * 64)
    _rewrite_json(path, point)
    return path


def test_references_outside_the_folder_are_listed_and_refused_before_anything_is_read(tmp_path):
    secret = tmp_path / "home" / "secret.fits"
    secret.parent.mkdir()
    secret.write_bytes(b"not even read")
    missing = tmp_path / "home" / "no_such_file.fits"
    gift = _referencing_project(tmp_path, secret)
    with pytest.raises(OutsideReferencesError) as info:
        Document.load(gift)
    assert info.value.paths == [str(secret)] and str(secret) in str(info.value)
    assert "\n" not in str(info.value)
    # A file that does not exist is listed the same way: the refusal is no existence oracle.
    (tmp_path / "b").mkdir()
    gift2 = _referencing_project(tmp_path / "b", missing)
    with pytest.raises(OutsideReferencesError) as info2:
        Document.load(gift2)
    assert info2.value.paths == [str(missing)]


def test_allowed_outside_references_fail_with_one_message_whether_missing_unreadable_or_changed(tmp_path):
    real = tmp_path / "home" / "image.fits"
    real.parent.mkdir()
    from editor.io import export_image

    export_image(np.zeros((4, 5), np.float32), real)
    unreadable = tmp_path / "home" / "noaccess.fits"
    unreadable.write_bytes(real.read_bytes())
    unreadable.chmod(0)
    messages = set()
    for n, target in enumerate([real, tmp_path / "home" / "missing.fits", unreadable, tmp_path / "home"]):
        (tmp_path / str(n)).mkdir()
        gift = _referencing_project(tmp_path / str(n), target)  # sha256 is wrong for all of them
        with pytest.raises(ProjectError) as info:
            Document.load(gift, allow_outside=True)
        messages.add(str(info.value).replace(str(target), "<ref>").replace(str(gift), "<project>"))
    assert len(messages) == 1, messages


def test_outside_references_load_when_allowed_by_name(tmp_path, make_reference_project):
    project, image = make_reference_project(tmp_path)
    with pytest.raises(OutsideReferencesError):
        Document.load(project)
    assert Document.load(project, allow_outside=[str(image)]).render().shape == (6, 7)
    assert Document.load(project, allow_outside=True).render().shape == (6, 7)
    with pytest.raises(OutsideReferencesError):
        Document.load(project, allow_outside=[str(tmp_path / "other.fits")])


def test_a_symlink_inside_the_folder_pointing_outside_counts_as_outside(tmp_path):
    from editor.io import export_image

    outside = tmp_path / "elsewhere" / "img.fits"
    outside.parent.mkdir()
    export_image(np.zeros((4, 5), np.float32), outside)
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "link.fits").symlink_to(outside)
    doc = Document.from_image(folder / "link.fits")
    doc.save(folder / "p.nebula", embed_sources=False)
    with pytest.raises(OutsideReferencesError):
        Document.load(folder / "p.nebula")


@pytest.fixture
def make_reference_project():
    def make(tmp_path: Path) -> tuple[Path, Path]:
        from editor.io import export_image

        image = tmp_path / "data" / "m42.fits"
        image.parent.mkdir(exist_ok=True)
        export_image(np.full((6, 7), 0.25, np.float32), image)
        folder = tmp_path / "projects"
        folder.mkdir(exist_ok=True)
        doc = Document.from_image(image)
        doc.save(folder / "m42.nebula", embed_sources=False)
        return folder / "m42.nebula", image
    return make


def test_cli_render_refuses_outside_references_in_one_line_unless_allowed(tmp_path, make_reference_project):
    from editor.cli import main

    project, image = make_reference_project(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEBULAYER_LOG_DIR": str(tmp_path / "log")}
    out = tmp_path / "out.tif"
    refused = subprocess.run([sys.executable, "-m", "editor.cli", "render", str(project), "-o", str(out)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and not out.exists()
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and str(image) in lines[0] and "--allow-outside-refs" in lines[0]
    assert main(["render", str(project), "-o", str(out), "--allow-outside-refs"]) == 0
    assert out.is_file()


def test_a_recovered_document_needs_the_path_spelled_out_to_save_over_its_original(victim, tmp_path, monkeypatch):
    """The original path of a recovery copy comes from a record, not from this session's user."""
    import subprocess

    from editor.project.recovery import RecoveryFile, ensure_recovery_dir, load_recovered

    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(tmp_path / "data"))
    before = victim.read_bytes()
    doc = Document.load(victim)
    doc.add_adjustment("levels", midtone=0.3)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    copy = RecoveryFile(pid=child.pid, folder=ensure_recovery_dir())
    copy.write(doc)
    restored = load_recovered(copy.path)
    assert restored.path == str(victim) and restored.dirty
    with pytest.raises(DocumentError, match="pass the path"):
        restored.save()
    assert victim.read_bytes() == before
    restored.save(victim)
    assert Document.load(victim).layers[-1].kind == "levels"
    restored.add_adjustment("curves")
    restored.save()  # chosen now: plain saves go there
