"""A light of another field mixed into a session must not become the reference.

The DSS Horsehead plate (210 sharp stars) has a far lower weighted FWHM than the defocused M13
subs (8-11 stars, FWHM 13-19 px); picked as reference, every real light failed to register
and the 'master' was the stray frame alone, exit 0."""

from __future__ import annotations

import numpy as np


def test_stack_skips_the_stray_light_instead_of_registering_on_it(shared_data, tmp_path, capsys):
    from astropy.io import fits

    from editor.cli import main

    subs = sorted((shared_data / "fits" / "m13_subs").glob("M13_blue_000[1-3].fits"))
    shape = fits.getdata(subs[0]).shape
    plate = fits.getdata(shared_data / "fits" / "horsehead_dss_ukschmidt.fits").astype(np.float32)
    stray = np.full(shape, np.median(plate), np.float32)
    stray[:plate.shape[0], :plate.shape[1]] = plate
    fits.writeto(tmp_path / "other field.fits", stray)
    out = tmp_path / "master.fits"
    assert main(["stack", *map(str, subs), str(tmp_path / "other field.fits"), "-o", str(out)]) == 0
    text = capsys.readouterr()
    lines = (text.out + text.err).splitlines()
    assert any(line.startswith("other field.fits: skipped") for line in lines), lines
    assert any("stacked 3 of 4 lights" in line for line in lines), lines
    assert fits.getheader(out)["NCOMBINE"] == 3
