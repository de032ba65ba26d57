"""Review notes live in the document: undoable, validated, saved, loaded and recovered."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from editor import Document
from editor.errors import DocumentError, ProjectError


@pytest.fixture()
def doc() -> Document:
    return Document.from_image(np.zeros((100, 200), np.float32))


def test_add_edit_delete_are_each_one_undo_step(doc):
    nid = doc.add_note("rect", 10, 20, 30, 40, "first")
    doc.edit_note(nid, text="changed", crop=[0, 0, 64, 48])
    doc.delete_note(nid)
    assert doc.notes == [] and doc.history.texts()[-3:] == ["Add note", "Edit note", "Delete note"]
    doc.undo()
    assert doc.note(nid).text == "changed" and doc.note(nid).crop == (0, 0, 64, 48)
    doc.undo()
    assert doc.note(nid).text == "first" and doc.note(nid).crop is None
    doc.undo()
    assert doc.notes == []
    doc.redo()
    doc.redo()
    assert doc.note(nid).text == "changed"


def test_note_changes_mark_the_document_unsaved_and_emit_an_event(doc):
    events = []
    doc.subscribe(lambda e: events.append(e.kind))
    doc.mark_saved()
    doc.add_note("pin", 5, 5, text="here")
    assert doc.dirty and "notes" in events


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="circle", x=1, y=1), "kind"),
    (dict(kind="rect", x=1, y=1, w=0, h=5), "positive size"),
    (dict(kind="pin", x=float("nan"), y=1), "out of range"),
    (dict(kind="pin", x=1, y=1, text="x" * 5000), "limited"),
    (dict(kind="pin", x=1, y=1, crop=[0, 0, -4, 4]), "positive size"),
    (dict(kind="pin", x=1, y=1, sky=(400.0, 0.0)), "out of range"),
])
def test_bad_notes_are_refused_with_a_reason(doc, kwargs, message):
    with pytest.raises(DocumentError, match=message):
        doc.add_note(**kwargs)
    assert doc.notes == [] and not doc.history.can_undo


def test_a_pin_keeps_no_size(doc):
    nid = doc.add_note("pin", 3, 4, 50, 50, "p")
    assert (doc.note(nid).w, doc.note(nid).h) == (0.0, 0.0)


def test_notes_round_trip_through_save_and_load(doc, tmp_path):
    a = doc.add_note("rect", 10.5, 20, 30, 40, "gas \u00e9t\u00e9 <b>", crop=[0, 0, 50, 60], sky=(83.8, -5.4))
    b = doc.add_note("pin", 150, 80, text="")
    doc.save(tmp_path / "p.nebula")
    back = Document.load(tmp_path / "p.nebula")
    assert back.notes == doc.notes
    assert back.note(a).sky == (83.8, -5.4) and back.note(b).kind == "pin"
    assert not back.dirty and not back.history.can_undo
    with zipfile.ZipFile(tmp_path / "p.nebula") as zf:
        record = json.loads(zf.read("document.json"))
    assert record["notes"][0]["crop"] == [0, 0, 50, 60]
    assert record["notes"][0]["sky"] == {"ra": 83.8, "dec": -5.4}


def test_notes_survive_a_recovery_copy(doc, tmp_path, monkeypatch):
    from editor.project.recovery import RecoveryFile, load_recovered

    monkeypatch.setenv("NEBULAYER_DATA_DIR", str(tmp_path / "data"))
    doc.add_note("rect", 1, 2, 3, 4, "unsaved note")
    rec = RecoveryFile()
    rec.write(doc)
    back = load_recovered(rec.path)
    assert [n.text for n in back.notes] == ["unsaved note"] and back.dirty
    rec.discard()


def test_projects_written_before_notes_existed_load_with_none(doc, tmp_path):
    from tests.shared_data import REPO

    old = sorted((REPO / "tests" / "golden" / "schema" / "v1").glob("*.nebula"))
    assert old, "the schema-1 fixtures are missing"
    for path in old:
        with zipfile.ZipFile(path) as zf:
            assert "notes" not in json.loads(zf.read("document.json"))
        assert Document.load(path).notes == []


@pytest.mark.parametrize("notes, message", [
    ("not a list", "notes must be a list"),
    ([{"kind": "pin", "x": "1", "y": 2, "id": "N1"}], "must be a number"),
    ([{"kind": "pin", "x": 1, "y": 2, "id": "N1"}, {"kind": "pin", "x": 1, "y": 2, "id": "N1"}], "share one id"),
    ([{"kind": "pin", "x": 1e300, "y": 2, "id": "N1"}], "out of range"),
])
def test_damaged_note_records_refuse_the_project_in_one_line(doc, tmp_path, notes, message):
    doc.save(tmp_path / "ok.nebula")
    with zipfile.ZipFile(tmp_path / "ok.nebula") as src, zipfile.ZipFile(tmp_path / "bad.nebula", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "document.json":
                record = json.loads(data)
                record["notes"] = notes
                data = json.dumps(record).encode()
            dst.writestr(item, data)
    with pytest.raises(ProjectError, match=message) as info:
        Document.load(tmp_path / "bad.nebula")
    assert "bad.nebula" in str(info.value) and "\n" not in str(info.value)


def test_place_note_records_the_sky_position_of_a_solved_picture(shared_data):
    from astropy.io import fits
    from astropy.wcs import WCS

    from editor.review import place_note, update_note

    path = shared_data / "fits" / "horsehead_dss_ukschmidt.fits"
    doc = Document.from_image(path)
    nid = place_note(doc, "pin", 400.5, 300.5, text="star")
    ra, dec = doc.note(nid).sky
    # Independently: the file's own WCS, whose rows count from the bottom (FITS order).
    header = fits.getheader(path)
    wcs = WCS(header).celestial
    exp_ra, exp_dec = wcs.all_pix2world([[400, header["NAXIS2"] - 1 - 300]], 0)[0]
    assert abs(ra - exp_ra) * np.cos(np.radians(dec)) * 3600 < 0.01
    assert abs(dec - exp_dec) * 3600 < 0.01
    update_note(doc, nid, x=100.5)
    assert doc.note(nid).sky[0] != ra  # moved: the sky position followed
    doc.undo()
    assert doc.note(nid).sky == (ra, dec)


def test_place_note_leaves_sky_empty_without_a_wcs(doc):
    from editor.review import place_note

    assert doc.note(place_note(doc, "pin", 5, 5)).sky is None
