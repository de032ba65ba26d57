"""FITS headers as dicts: the fast card parser agrees with astropy; headers build cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from astropy.io import fits

from editor.io.fits_header import build_header, header_to_dict


def _astropy_dict(header: fits.Header) -> tuple[dict, dict]:
    values, comments = {}, {}
    for card in header.cards:
        if card.keyword in ("HISTORY", "COMMENT"):
            values.setdefault(card.keyword, []).append(str(card.value))
        elif card.keyword:
            value = card.value
            values[card.keyword] = None if isinstance(value, fits.card.Undefined) else value
            if card.comment:
                comments[card.keyword] = card.comment
    return values, comments


def test_every_shared_header_parses_exactly_as_astropy_does(shared_data: Path):
    for path in sorted(shared_data.rglob("*.fits")):
        with fits.open(path) as hdul:
            for hdu in hdul:
                ours = header_to_dict(hdu.header)
                theirs = _astropy_dict(hdu.header)
                assert ours == theirs, path
                for key, value in ours[0].items():
                    assert type(value) is type(theirs[0][key]), (path, key)


def test_tricky_cards_parse_exactly_as_astropy_does():
    header = fits.Header()
    header["OBJECT"] = "it''s M42"
    header["QUOTE"] = "O'Brien"
    header["LONGSTR"] = "x" * 120  # CONTINUE cards
    header["DEXP"] = 1.5
    header["HIERARCH ESO DET CHIP TEMP"] = -40.5
    header["FLAG"] = (True, "a flag")
    header["EMPTY"] = ""
    header["INTVAL"] = (-42, "  padded comment  ")
    header["CPLX"] = complex(1, 2)
    header.add_history("first")
    header.add_comment("a comment")
    header.append(fits.Card.fromstring("UNDEF   =                      / no value"))
    header.append(fits.Card.fromstring("DVALUE  =             1.25D+02 / Fortran exponent"))
    header.append(fits.Card.fromstring("PADDED  = 'text    '           / trailing blanks"))
    header = fits.Header.fromstring(header.tostring())  # as read from a file
    assert header_to_dict(header) == _astropy_dict(header)
    assert header_to_dict(header)[0]["DVALUE"] == 125.0
    assert header_to_dict(header)[0]["LONGSTR"] == "x" * 120


def test_build_header_drops_structural_keywords_and_survives_bad_ones():
    header = build_header({"NAXIS1": 10, "BZERO": 32768, "OBJECT": "M1", "BAD KEY": 1,
                           "NANVAL": float("nan"), "HISTORY": ["a", "b"]},
                          {"OBJECT": "target"}, ["written"])
    assert "NAXIS1" not in header and "BZERO" not in header
    assert header["OBJECT"] == "M1" and header.comments["OBJECT"] == "target"
    assert list(header["HISTORY"]) == ["a", "b", "written"]
    header.tostring()  # every card is valid FITS


@pytest.mark.parametrize("value", ["2024-05-01T21:00:00", 30, 1.5e-3, True])
def test_simple_values_round_trip_through_build_header(value):
    header = build_header({"KEY": value})
    assert header_to_dict(fits.Header.fromstring(header.tostring()))[0]["KEY"] == value
