"""Panels of two different fields: one line naming the stray panel, not 'canvas size ... not valid'."""

from __future__ import annotations

import shutil

import pytest


def test_mosaic_of_panels_from_different_fields_names_the_far_panel(shared_data, tmp_path, capsys):
    from editor.cli import main

    gc = tmp_path / "gc k.fits"
    shutil.copy(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", gc)
    hh = shared_data / "fits" / "horsehead_dss_ukschmidt.fits"
    assert main(["mosaic", str(gc), str(hh), "-o", str(tmp_path / "m.nebula")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "horsehead_dss_ukschmidt.fits lies" in err and "deg from gc k.fits" in err, err
    assert not (tmp_path / "m.nebula").exists()


def test_wcs_mosaic_of_one_field_is_not_refused(shared_data, tmp_path):
    from astropy.io import fits

    from editor.io import open_image
    from editor.mosaic.build import plan_mosaic

    src = shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits"
    img = open_image(src)
    hdr = fits.getheader(src)
    plan = plan_mosaic([(img.data, hdr), (img.data, hdr)], align="wcs", balance=False)
    assert plan.shape == pytest.approx(img.data.shape, abs=2)
