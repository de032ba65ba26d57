"""Crop, rotate, flip and resample of the document: exact pixels, undo, regions, saving, WCS."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.geometry import CROP_RATIOS, Geometry, ratio_rect
from editor.errors import DocumentError
from editor.io.wcs import array_wcs


@pytest.fixture
def pic():
    return np.random.default_rng(0).random((30, 40)).astype(np.float32)


def test_quarter_turns_flips_and_crops_move_pixels_exactly_and_undo_restores(pic):
    doc = Document.from_image(pic)
    doc.rotate(90)
    assert (doc.width, doc.height) == (30, 40)
    assert np.array_equal(doc.render(), np.rot90(pic, -1))  # clockwise
    doc.rotate(90)
    assert np.array_equal(doc.render(), pic[::-1, ::-1])
    doc.undo()
    doc.undo()
    doc.flip("h")
    doc.flip("v")
    doc.crop(3, 4, 10, 12)
    doc.rotate(-90)
    want = np.rot90(pic[::-1, ::-1][4:16, 3:13], 1)
    assert np.array_equal(doc.render(), want)
    assert np.array_equal(doc.render(region=(2, 3, 5, 4)), want[3:7, 2:7])
    for _ in range(4):
        doc.undo()
    assert doc.geometry.is_identity and (doc.width, doc.height) == (40, 30)
    assert np.array_equal(doc.render(), pic)
    src = next(iter(doc.sources.values()))
    assert np.array_equal(src.pixels, pic)  # never touched


def test_arbitrary_rotation_grows_the_canvas_corners_are_missing_and_regions_match(pic):
    doc = Document.from_image(pic)
    doc.rotate(17.3)
    c, s = np.cos(np.radians(17.3)), np.sin(np.radians(17.3))
    assert (doc.width, doc.height) == (int(np.ceil(40 * c + 30 * s)), int(np.ceil(40 * s + 30 * c)))
    out = doc.render()
    assert np.isnan(out[0, 0]) and np.isnan(out[-1, -1])  # corners: no data there
    centre = out[doc.height // 2, doc.width // 2]
    assert np.isfinite(centre) and 0 <= centre <= 1.1
    region = doc.render(region=(5, 6, 20, 15))
    crop = out[6:21, 5:25]
    assert np.array_equal(np.isnan(region), np.isnan(crop))
    assert np.nanmax(np.abs(region - crop)) < 1e-6
    doc.rotate(-17.3)  # and back: the map is a translation again
    assert np.allclose(doc.geometry.matrix, np.eye(2), atol=1e-12)


def test_a_smooth_picture_survives_a_rotation_round_trip_closely():
    yy, xx = np.mgrid[0:60, 0:80].astype(np.float32)
    smooth = (0.5 + 0.3 * np.sin(xx / 7.0) * np.cos(yy / 9.0)).astype(np.float32)
    doc = Document.from_image(smooth)
    doc.rotate(33.0)
    doc.rotate(-33.0)
    back = doc.render()
    # the output pixels showing layer pixels (8..71, 8..51): where from_layer puts them
    yy, xx = np.mgrid[8:52, 8:72]
    ox, oy = doc.geometry.from_layer(xx, yy)
    from scipy import ndimage

    got = ndimage.map_coordinates(np.nan_to_num(back), [oy, ox], order=1)
    assert np.abs(got - smooth[8:52, 8:72]).max() < 0.02


def test_resample_half_is_the_area_average_and_previews_follow(pic):
    doc = Document.from_image(pic)
    doc.resample(0.5)
    assert (doc.width, doc.height) == (20, 15)
    ref = pic.reshape(15, 2, 20, 2).mean(axis=(1, 3))
    assert np.allclose(doc.render(), ref, atol=1e-6)
    assert doc.render(scale=0.5).shape == (8, 10)
    doc.undo()
    doc.resample(width=80)  # upsampling: cubic B-spline, regions equal the whole
    assert (doc.width, doc.height) == (80, 60)
    whole = doc.render()
    assert np.abs(doc.render(region=(10, 8, 30, 20)) - whole[8:28, 10:40]).max() < 1e-6


def test_crop_ratios_give_the_largest_centred_rectangle():
    assert ratio_rect(6000, 4000, "1:1") == (1000, 0, 4000, 4000)
    assert ratio_rect(6000, 4000, "16:9") == (0, 312, 6000, 3375)
    assert ratio_rect(4000, 6000, "3:2") == (0, 0, 4000, 6000)  # portrait box: 2:3
    assert ratio_rect(6000, 4000, "4:3") == (333, 0, 5333, 4000)
    assert ratio_rect(6000, 4000, "free") == (0, 0, 6000, 4000)
    assert set(CROP_RATIOS) >= {"free", "1:1", "3:2", "4:3", "16:9"}
    doc = Document.from_image(np.zeros((30, 40), np.float32))
    assert doc.crop_to_ratio("1:1") == (5, 0, 30, 30) and (doc.width, doc.height) == (30, 30)
    with pytest.raises(DocumentError):
        doc.crop(20, 0, 20, 10)  # outside the 30x30 canvas now
    with pytest.raises(DocumentError):
        doc.crop_to_ratio("7:5")


def test_masks_and_brush_strokes_stay_in_the_layer_frame(pic):
    doc = Document.from_image(pic)
    doc.crop(10, 5, 20, 20)
    assert doc.layer_shape == (30, 40)
    lid = doc.add_adjustment("levels", white=0.5)
    ramp = np.tile(np.linspace(0, 1, 40, dtype=np.float32), (30, 1))
    doc.set_mask(lid, doc.new_raster_mask(ramp))
    assert doc.render().shape == (20, 20)
    x, y = doc.geometry.to_layer(0, 0)
    assert (float(x), float(y)) == (10.0, 5.0)
    assert tuple(float(v) for v in doc.geometry.from_layer(10, 5)) == (0.0, 0.0)


def test_geometry_is_saved_and_older_files_without_it_load(pic, tmp_path):
    doc = Document.from_image(pic)
    doc.rotate(90)
    doc.crop(2, 3, 20, 30)
    before = doc.render()
    doc.save(tmp_path / "g.nebula")
    again = Document.load(tmp_path / "g.nebula")
    assert again.geometry == doc.geometry and (again.width, again.height) == (20, 30)
    assert np.array_equal(again.render(), before)
    plain = Document.from_image(pic)
    plain.save(tmp_path / "p.nebula")
    assert Document.load(tmp_path / "p.nebula").geometry.is_identity
    assert Geometry.from_dict(doc.geometry.to_dict()) == doc.geometry


# --------------------------------------------------------------------------- WCS, real data
def _centroid(img: np.ndarray, x: int, y: int, box: int) -> tuple[float, float] | None:
    if not (box <= y < img.shape[0] - box and box <= x < img.shape[1] - box):
        return None
    win = img[y - box:y + box + 1, x - box:x + box + 1]
    if not np.isfinite(win).all():
        return None
    w = np.clip(win - np.median(np.concatenate([win[0], win[-1], win[:, 0], win[:, -1]])), 0, None)
    gy, gx = np.mgrid[-box:box + 1, -box:box + 1]
    return x + float((w * gx).sum() / w.sum()), y + float((w * gy).sum() / w.sum())


def _stars(img: np.ndarray, n: int = 6, box: int = 5) -> list[tuple[float, float]]:
    """Centroids (x, y) of the ``n`` brightest isolated peaks (finite 2*box+1 windows)."""
    from scipy import ndimage

    a = np.nan_to_num(img, nan=-np.inf)
    peaks = (a == ndimage.maximum_filter(a, size=2 * box + 1)) & np.isfinite(a)
    ys, xs = np.nonzero(peaks)
    order = np.argsort(a[ys, xs])[::-1]
    out = []
    for k in order:
        y, x = ys[k], xs[k]
        if not (2 * box <= y < img.shape[0] - 2 * box and 2 * box <= x < img.shape[1] - 2 * box):
            continue
        win = img[y - box:y + box + 1, x - box:x + box + 1]
        if not np.isfinite(win).all():
            continue
        w = np.clip(win - np.median(np.concatenate([win[0], win[-1], win[:, 0], win[:, -1]])), 0, None)
        gy, gx = np.mgrid[-box:box + 1, -box:box + 1]
        out.append((x + float((w * gx).sum() / w.sum()), y + float((w * gy).sum() / w.sum())))
        if len(out) == n:
            break
    return out


@pytest.mark.parametrize("edit", ["crop", "rotate90", "flip", "rotate17.3", "scale0.5",
                                  "crop_rotate_flip"])
def test_the_sky_position_of_what_is_shown_is_kept_within_a_tenth_of_a_pixel(shared_data, edit):
    """Stars found in the edited render sit, by the exported WCS, where the original header
    puts them in the source (2MASS J, real TAN header with CDELT/CROTA2)."""
    path = shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits"
    doc = Document.from_image(path)
    src = next(iter(doc.sources.values()))
    old_wcs = array_wcs(src.meta.header, src.height)
    {"crop": lambda: doc.crop(100, 150, 400, 300),
     "rotate90": lambda: doc.rotate(90),
     "flip": lambda: doc.flip("h"),
     "rotate17.3": lambda: doc.rotate(17.3),
     "scale0.5": lambda: doc.resample(0.5),
     "crop_rotate_flip": lambda: (doc.crop(50, 60, 500, 400), doc.rotate(270), doc.flip("v"))}[edit]()
    out = doc.render()
    new_wcs = array_wcs(doc.export_meta().header, doc.height)
    f = doc.geometry.resample_factor
    pixel = 5.0 / f  # arcsec per output pixel (2MASS: 5")
    errors = []
    for sx, sy in _stars(out, n=30, box=6):
        c = _centroid(out, int(round(sx)), int(round(sy)), 3)
        if c is None:
            continue
        lx, ly = doc.geometry.to_layer(*c)
        # the same star measured in the source, around the layer point the output shows
        found = _centroid(src.pixels, int(round(float(lx))), int(round(float(ly))),
                          max(1, int(round(3 / f))))
        if found is None:
            continue
        a = old_wcs.pixel_to_world(*found)
        b = new_wcs.pixel_to_world(*c)
        errors.append(a.separation(b).arcsec / pixel)
    # Single centroids in this crowded Galactic-centre field wander with their neighbours:
    # the typical star must agree within 0.1 output px.
    assert len(errors) >= 10
    assert np.median(errors) < 0.1, np.round(errors, 3)
    # and every output pixel's sky is the sky of the layer point it shows (whole grid)
    yy, xx = np.mgrid[0:doc.height:37, 0:doc.width:41]
    lx, ly = doc.geometry.to_layer(xx.ravel(), yy.ravel())
    sep = old_wcs.pixel_to_world(lx, ly).separation(new_wcs.pixel_to_world(xx.ravel(), yy.ravel()))
    assert sep.arcsec.max() < 0.1 * 5.0


def test_masks_shown_on_the_output_canvas_and_history_says_what_was_done(pic):
    from editor.render.geometry import render_mask_output

    doc = Document.from_image(pic)
    lid = doc.add_adjustment("levels", white=0.5)
    ramp = np.tile(np.linspace(0, 1, 40, dtype=np.float32), (30, 1))
    doc.set_mask(lid, doc.new_raster_mask(ramp))
    doc.rotate(90)
    doc.crop(0, 5, 30, 30)
    shown = render_mask_output(doc, lid)
    assert shown.shape == (30, 30)
    assert np.allclose(shown, np.rot90(ramp, -1)[5:35], atol=1e-6)
    assert doc.render_mask(lid).shape == (30, 40)  # the layer frame, for painting
    history = doc.export_meta().header["HISTORY"]
    assert "  rotate 90 deg clockwise" in history and "  crop x=0 y=5 w=30 h=30" in history


def test_exports_at_a_scale_carry_the_sky_of_the_pixels_they_show(shared_data):
    path = shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits"
    doc = Document.from_image(path)
    src = next(iter(doc.sources.values()))
    old_wcs = array_wcs(src.meta.header, src.height)
    doc.rotate(-17.3)
    doc.crop(40, 30, 500, 420)
    s = 0.5
    header = doc.export_meta(scale=s).header
    out = doc.render(scale=s)
    new_wcs = array_wcs(header, out.shape[0])
    yy, xx = np.mgrid[0:out.shape[0]:23, 0:out.shape[1]:29]
    # output pixel i at scale s is canvas point (i + 0.5)/s - 0.5
    lx, ly = doc.geometry.to_layer((xx.ravel() + 0.5) / s - 0.5, (yy.ravel() + 0.5) / s - 0.5)
    sep = old_wcs.pixel_to_world(lx, ly).separation(new_wcs.pixel_to_world(xx.ravel(), yy.ravel()))
    assert sep.arcsec.max() < 0.1 * 5.0 / s


def test_interpolation_in_row_bands_equals_one_pass(pic, monkeypatch):
    import editor.render.geometry as geo

    pic = pic.copy()
    pic[10:13, 20:22] = np.nan  # missing pixels
    doc = Document.from_image(pic)
    doc.rotate(21.0)
    one = doc.render()
    monkeypatch.setattr(geo, "BAND_PIXELS", 50)  # about one row per band
    banded = doc.render()
    assert np.array_equal(np.isnan(one), np.isnan(banded))
    assert np.nanmax(np.abs(one - banded)) == 0.0
    # NaN in the layer frame's composite (missing data) reaches the output through the
    # cubic's 4x4 support, band or not (a layer's own NaN is transparent, so use the array)
    with_nan = geo.to_output(doc.geometry, pic, 1.0)
    monkeypatch.setattr(geo, "BAND_PIXELS", 1 << 20)
    clean = geo.to_output(doc.geometry, np.nan_to_num(pic), 1.0)
    assert np.isnan(with_nan).sum() >= np.isnan(clean).sum() + 6


def test_a_stroke_drawn_on_the_rotated_canvas_paints_where_it_was_drawn():
    doc = Document.from_image(np.zeros((30, 40), np.float32))
    lid = doc.add_adjustment("levels", white=0.5)
    doc.set_mask(lid, doc.new_raster_mask(0.0))
    doc.rotate(90)
    doc.resample(2.0)  # output 60 x 80
    drawn = {"points": [(50.0, 20.0)], "size": 8.0, "hardness": 1.0}
    doc.paint_mask(lid, doc.geometry.stroke_to_layer(drawn))
    from editor.render.geometry import render_mask_output

    shown = render_mask_output(doc, lid)
    assert shown.shape == (80, 60)
    ys, xs = np.nonzero(shown > 0.5)
    assert abs(xs.mean() - 50) < 1.0 and abs(ys.mean() - 20) < 1.0  # where it was drawn
    assert 6 < xs.max() - xs.min() + 1 < 11  # about the drawn 8 px wide


def test_tiled_renders_and_the_cli_export_follow_the_geometry(pic, tmp_path):
    from editor.render.tiles import TiledRender

    doc = Document.from_image(pic)
    doc.add_adjustment("levels", white=0.8)
    doc.rotate(90)
    doc.crop(2, 3, 25, 30)
    doc.rotate(11.0)
    whole = doc.render()
    tiled = TiledRender(doc, 1.0, tile=16).render()
    assert tiled.shape == whole.shape
    assert np.array_equal(np.isnan(tiled), np.isnan(whole))
    assert np.nanmax(np.abs(tiled - whole)) < 1e-5
    doc.save(tmp_path / "g.nebula")
    from editor.cli import main

    assert main(["render", str(tmp_path / "g.nebula"), "-o", str(tmp_path / "g.fits")]) == 0
    from editor import open_image

    out = open_image(tmp_path / "g.fits").data
    assert out.shape == whole.shape
    assert np.nanmax(np.abs(out - whole)) < 1e-5


def test_a_canvas_cannot_grow_past_the_size_limit_by_rotations():
    doc = Document.from_image(np.zeros((4000, 6000), np.float32))
    with pytest.raises(DocumentError, match="at most"):
        for _ in range(40):
            doc.rotate(45)
    assert max(doc.width, doc.height) <= 1 << 20
