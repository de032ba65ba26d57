"""The review folder itself: valid HTML, nothing from the network, sRGB pictures at the right
sizes, crops at true 100 %, and a job that reports progress and can be cancelled cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor import Document
from editor.jobs.progress import CancelToken, Cancelled


def test_the_page_is_valid_html5(one_page, club_page):
    import html5lib

    for page in (one_page, club_page):
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(page.read_text(encoding="utf-8"))  # raises on the first error
        assert parser.errors == []


def _references(html: str) -> list[str]:
    return re.findall(r'\b(?:src|href)="([^"]*)"', html) + re.findall(r"url\(([^)]*)\)", html)


@pytest.mark.parametrize("which", ["one_page", "club_page"])
def test_the_page_refers_only_to_its_own_files(which, request):
    page: Path = request.getfixturevalue(which)
    html = page.read_text(encoding="utf-8")
    refs = _references(html)
    assert refs
    for ref in refs:
        if ref.startswith("#") or ref == "data:,":
            continue
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I), f"{ref} leaves the folder"
        assert not ref.startswith(("/", "\\")) and ".." not in ref
        assert (page.parent / ref).is_file(), f"{ref} is missing"
    assert "@import" not in html and "@font-face" not in html
    assert not re.search(r"https?://", html), "no address on the network, not even a link"


def test_every_picture_is_srgb_with_the_profile(club_page):
    from editor.io.srgb import srgb_icc_profile

    files = [p for p in club_page.parent.rglob("*") if p.suffix in (".png", ".jpg")]
    assert len(files) >= 8
    for p in files:
        with Image.open(p) as im:
            assert im.info.get("icc_profile") == srgb_icc_profile(), p.name
            assert im.mode in ("RGB", "RGBA")  # 8 bits per channel


def test_whole_pictures_fit_the_web_size_and_crops_stay_at_100_percent(club_page, horsehead_projects):
    from editor.review.images import plan_views, render_view

    for name in ("before.jpg", "after.jpg"):
        with Image.open(club_page.parent / "p1" / name) as im:
            assert max(im.size) == 600  # long_side=600 asked; the plate is 891x893
    doc = Document.load(horsehead_projects[0])
    note = doc.notes[0]
    with Image.open(club_page.parent / "p1" / "note1-after.png") as im:
        crop = np.asarray(im.convert("RGB"))
    assert crop.shape[:2] == (180, 220)  # the note's rectangle, one canvas pixel per pixel
    view = plan_views(doc, [None])[0]
    x, y = int(note.x), int(note.y)
    expected = render_view(doc, view, 1.0, (x, y, 220, 180))
    np.testing.assert_array_equal(crop, expected)


def test_the_page_shows_capture_details_steps_notes_and_the_grid(one_page, club_page):
    one = one_page.read_text(encoding="utf-8")
    assert "Synthetic Nebula" in one and "60 x 60 s" in one and "1 h" in one
    assert "Levels" in one and "Gamma 0.6" in one
    assert "background crushed? &lt;check&gt; &amp; compare" in one  # escaped, not markup
    assert "grid.png" not in one  # the sample field has no WCS
    club = club_page.read_text(encoding="utf-8")
    assert club.count('class="ba-grid"') == 2 and "Plate solution" in club
    assert "The same places in every version" in club
    assert "OG590" in club and "UK Schmidt" in club


def test_progress_rises_to_the_end(tmp_path, field_project):
    from editor.review import export_review

    seen = []
    export_review([field_project], tmp_path / "r", progress=seen.append)
    assert seen[-1] == 1.0 and len(seen) > 5
    assert all(b >= a - 1e-9 for a, b in zip(seen, seen[1:]))


def test_a_cancelled_export_leaves_the_earlier_page_untouched(tmp_path, field_project):
    from editor.review import export_review

    out = tmp_path / "r"
    export_review([field_project], out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    token = CancelToken()
    calls = []

    def cancel_half_way(f: float) -> None:
        calls.append(f)
        if f > 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        export_review([field_project], out, progress=token.progress(cancel_half_way), title="new")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"], "no temporary folder left behind"


def test_unknown_snapshot_names_the_project_and_its_snapshots(tmp_path, field_project):
    from editor.review import ReviewError, export_review

    with pytest.raises(ReviewError, match=r"field: no snapshot named 'Nope' \(snapshots: 'Original', 'First attempt'\)"):
        export_review([field_project], tmp_path / "r", before="Nope")
    assert not (tmp_path / "r").exists()


def test_cli_writes_a_page_and_reports_bad_input_in_one_line(tmp_path, field_project, capsys):
    from editor.cli import main

    assert main(["review", str(field_project), "-o", str(tmp_path / "r"), "--before", "First attempt",
                 "--title", "Club night"]) == 0
    assert "<title>Club night</title>" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("mine")
    assert main(["review", str(field_project), "-o", str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("nebulayer: ") and "not empty" in err[-1]
    assert (tmp_path / "busy" / "thesis.tex").read_text() == "mine"
