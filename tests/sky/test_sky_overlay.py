"""The sky overlay's geometry (grid, compass, scale bar, catalogue objects) on real plates, and
burning it into an export."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from editor.astrometry.overlay import sexagesimal, sky_overlay
from editor.io import open_image
from editor.io.wcs import array_wcs


@pytest.fixture(scope="module")
def j_frame(shared_data):
    img = open_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits")
    return img, array_wcs(img.meta.header, img.data.shape[0])


@pytest.fixture(scope="module")
def horsehead(shared_data):
    img = open_image(shared_data / "fits" / "horsehead_dss_ukschmidt.fits")
    return img, array_wcs(img.meta.header, img.data.shape[0])


def test_grid_lines_lie_on_their_declination_and_right_ascension(j_frame):
    img, wcs = j_frame
    ov = sky_overlay(wcs, img.data.shape, objects=False)
    decs = [g for g in ov.grid if g.axis == "dec"]
    ras = [g for g in ov.grid if g.axis == "ra"]
    assert 3 <= len(decs) <= 9 and 3 <= len(ras) <= 9
    for g in ov.grid:
        pts = np.concatenate(g.segments)
        ra, dec = wcs.all_pix2world(pts[:, 0], pts[:, 1], 0)
        if g.axis == "dec":
            assert np.max(np.abs(dec - g.value)) < 1e-6
        else:
            assert np.max(np.abs((ra - g.value + 180) % 360 - 180)) < 1e-6
        # inside the image, and long enough to be a line across it
        assert pts[:, 0].min() >= -0.5 and pts[:, 0].max() <= img.data.shape[1] - 0.5
        assert np.ptp(pts[:, 0]) + np.ptp(pts[:, 1]) > 0.8 * min(img.data.shape)
    assert [g.label for g in decs][:2] == ["-29°20'", "-29°10'"]


def test_compass_points_north_and_east_and_scale_bar_has_its_length(j_frame):
    img, wcs = j_frame
    ov = sky_overlay(wcs, img.data.shape, objects=False)
    ox, oy = ov.compass_origin
    o = wcs.pixel_to_world(ox, oy)
    n = wcs.pixel_to_world(*ov.north)
    e = wcs.pixel_to_world(*ov.east)
    assert abs(o.position_angle(n).deg % 360 - 0) < 0.5 or abs(o.position_angle(n).deg - 360) < 0.5
    assert abs(o.position_angle(e).deg - 90) < 0.5
    (x0, y0), (x1, y1) = ov.scale_bar
    a, b = wcs.pixel_to_world(x0, y0), wcs.pixel_to_world(x1, y1)
    assert ov.scale_label == "10'"
    assert abs(a.separation(b).arcmin - 10.0) < 0.05


def test_horsehead_field_lists_its_catalogued_objects_where_they_are(horsehead):
    img, wcs = horsehead
    ov = sky_overlay(wcs, img.data.shape)
    names = {o.name for o in ov.objects}
    assert "B033" in names  # the Horsehead itself (Barnard 33)
    assert {"IC 434", "NGC 2023"} & names
    b33 = next(o for o in ov.objects if o.name == "B033")
    sky = wcs.pixel_to_world(b33.x, b33.y)
    assert sky.separation(SkyCoord("05h40m59s", "-02d27m30s")).arcsec < 2.0
    assert b33.radius_px > 10  # 6' x 4' on a 1.7"/px plate


def test_readout_text_is_sexagesimal():
    assert sexagesimal(266.4167, -29.0078) == "RA 17h45m40.0s  Dec -29°00'28\""
    assert sexagesimal(359.99999, 0.1).startswith("RA 00h00m00.0s  Dec +00°06'00")


def test_a_galactic_survey_plate_gets_an_equatorial_grid(shared_data):
    """Spitzer GLIMPSE is in GLON/GLAT: the grid and the readout still speak RA/Dec (ICRS)."""
    img = open_image(shared_data / "fits" / "spitzer_irac_glimpse.fits")
    wcs = array_wcs(img.meta.header, img.data.shape[0])
    assert wcs.wcs.lngtyp == "GLON"
    ov = sky_overlay(wcs, img.data.shape, objects=False)
    assert any(g.axis == "dec" for g in ov.grid) and any(g.axis == "ra" for g in ov.grid)
    for g in ov.grid:
        pts = np.concatenate(g.segments)
        sky = wcs.pixel_to_world(pts[:, 0], pts[:, 1]).icrs
        if g.axis == "dec":
            assert np.max(np.abs(sky.dec.deg - g.value)) < 1e-6
        else:
            assert np.max(np.abs((sky.ra.deg - g.value + 180) % 360 - 180)) < 1e-6
    o = wcs.pixel_to_world(*ov.compass_origin).icrs
    n = wcs.pixel_to_world(*ov.north).icrs
    assert abs((o.position_angle(n).deg + 180) % 360 - 180) < 0.5  # north is north in ICRS
