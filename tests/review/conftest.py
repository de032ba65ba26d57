"""Projects for the review tests, made from real files: the sample deep-sky field (colour, with
capture headers) and the DSS Horsehead plate (solved: a real WCS), each with an "Original"
snapshot, processing layers and notes, saved as .nebula files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import REPO


def _field_project(path: Path) -> Path:
    from editor import Document
    from editor.review import place_note

    doc = Document.from_image(REPO / "samples" / "deep_sky_field.fits")
    doc.take_snapshot("Original")
    doc.add_adjustment("auto_stretch", name="Stretch")
    doc.take_snapshot("First attempt")
    bg = doc.add_adjustment("extract_background", name="Remove light pollution")
    doc.move_layer(bg, 1)
    doc.add_adjustment("levels", name="Lift the faint regions", midtone=0.6)
    place_note(doc, "rect", 200, 120, 150, 110, "the blue gas is separated from the red here")
    place_note(doc, "pin", 420, 300, text="background crushed? <check> & compare")
    doc.save(path)
    return path


def _horsehead_project(path: Path, data: Path, name: str, midtone: float) -> Path:
    from editor import Document
    from editor.review import place_note

    doc = Document.from_image(data / "fits" / "horsehead_dss_ukschmidt.fits")
    doc.take_snapshot("Original")
    doc.add_adjustment("auto_stretch", name="Stretch")
    doc.add_adjustment("levels", name="Contrast", midtone=midtone)
    place_note(doc, "rect", 480, 300, 220, 180, f"{name}: the horse's head, dust lanes")
    doc.save(path)
    return path


@pytest.fixture(scope="session")
def field_project(tmp_path_factory) -> Path:
    return _field_project(tmp_path_factory.mktemp("field") / "field.nebula")


@pytest.fixture(scope="session")
def horsehead_projects(tmp_path_factory, shared_data) -> list[Path]:
    folder = tmp_path_factory.mktemp("club")
    return [_horsehead_project(folder / "alice.nebula", shared_data, "Alice", 0.7),
            _horsehead_project(folder / "bob.nebula", shared_data, "Bob", 1.4)]


@pytest.fixture(scope="session")
def one_page(tmp_path_factory, field_project) -> Path:
    """A review page of one project (index.html path)."""
    from editor.review import export_review

    return export_review([field_project], tmp_path_factory.mktemp("one") / "review",
                         before="First attempt")


@pytest.fixture(scope="session")
def club_page(tmp_path_factory, horsehead_projects) -> Path:
    """A review page of two members' versions of one solved target."""
    from editor.review import export_review

    return export_review(horsehead_projects, tmp_path_factory.mktemp("club") / "review",
                         title="Horsehead, club night", long_side=600)
