"""Non-ASCII names never break an export: FITS headers get a transliteration, the project keeps
the exact names (see editor/io/fits_header.py for the rule)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import tifffile
from astropy.io import fits

from editor.core.document import Document
from editor.io import export_image, open_image
from editor.io.fits_header import ascii_card_value


@pytest.mark.parametrize("text,ascii", [
    ("Nébuleuse d'Orion", "Nebuleuse d'Orion"),
    ("Arrière-plan", "Arriere-plan"),
    ("馬頭星雲.fits", "\\u99ac\\u982d\\u661f\\u96f2.fits"),
    ("Œil – “Lune”", 'OEil - "Lune"'),
    ("plain ASCII", "plain ASCII"),
])
def test_transliteration_rule(text, ascii):
    out = ascii_card_value(text)
    assert out == ascii and out.isascii() and out.isprintable()


def test_escaped_names_can_be_read_back_exactly():
    assert ascii_card_value("馬頭星雲").encode().decode("unicode_escape") == "馬頭星雲"


@pytest.fixture
def horsehead(shared_data, tmp_path) -> Path:
    path = tmp_path / "馬頭星雲.fits"
    shutil.copy(shared_data / "fits/horsehead_dss_ukschmidt.fits", path)
    return path


def _doc_with_names(path: Path, tmp_path: Path) -> Document:
    doc = Document.from_image(path)
    doc.set_layer_props(doc.layers[0].id, name="Arrière-plan")
    doc.add_adjustment("levels", name="Niveaux – étoiles")
    doc.sources[next(iter(doc.sources))].meta.header["OBJECT"] = "Nébuleuse d'Orion"
    return doc


@pytest.mark.parametrize("suffix", [".fits", ".tif"])
def test_project_with_non_ascii_names_exports_fits_and_tiff(horsehead, tmp_path, suffix):
    doc = _doc_with_names(horsehead, tmp_path)
    out = tmp_path / f"sortie{suffix}"
    export_image(doc.render(), out, meta=doc.export_meta())
    if suffix == ".fits":
        with fits.open(out) as hdul:
            text = hdul[0].header.tostring()
        verify = shutil.which("fitsverify")
        if verify:
            done = subprocess.run([verify, "-e", "-q", str(out)], capture_output=True, text=True)
            assert "0 error" in done.stdout or done.returncode == 0, done.stdout
    else:
        with tifffile.TiffFile(out) as tif:
            text = tif.pages.first.description
    assert text.isascii()
    assert "'Nebuleuse d''Orion'" in text  # FITS doubles a quote inside a string
    assert "\\u99ac\\u982d\\u661f\\u96f2.fits" in text
    reopened = open_image(out)
    assert reopened.meta.header["OBJECT"] == "Nebuleuse d'Orion"


def test_project_keeps_the_exact_names(horsehead, tmp_path):
    doc = _doc_with_names(horsehead, tmp_path)
    doc.save(tmp_path / "projet.nebula")
    again = Document.load(tmp_path / "projet.nebula")
    assert again.layers[0].name == "Arrière-plan"
    assert any(src.name == "馬頭星雲.fits" for src in again.sources.values())
