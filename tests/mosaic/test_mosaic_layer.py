"""The mosaic layer in documents, projects and the command line, on real 2MASS panels."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from editor.cli import main
from editor.core.document import Document
from editor.io import open_image
from editor.io.fits_write import write_fits
from editor.io.wcs import array_wcs
from tests.mosaic.cutting import global_fit_error, header_of, load_plate, on_plate
from tests.mosaic.test_mosaic_real_panels import GRID4, PERTURB4, make_panels


@pytest.fixture(scope="module")
def panel_files(shared_data, tmp_path_factory):
    plate = load_plate(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits")
    panels, noise = make_panels(plate, GRID4, PERTURB4)
    d = tmp_path_factory.mktemp("panels")
    with_wcs, without = [], []
    for k, (px, wcs) in enumerate(panels):
        write_fits(d / f"p{k + 1}.fits", px, header_of(wcs))
        write_fits(d / f"bare{k + 1}.fits", px, {})
        with_wcs.append(d / f"p{k + 1}.fits")
        without.append(d / f"bare{k + 1}.fits")
    return plate, with_wcs, without, noise


def test_cli_mosaic_then_render_writes_a_fits_whose_wcs_puts_it_on_the_sky(panel_files, tmp_path, capsys):
    plate, files, _, _ = panel_files
    proj, out = tmp_path / "m.nebula", tmp_path / "m.fits"
    assert main(["mosaic", *map(str, files), "-o", str(proj), "--gradient"]) == 0
    table = capsys.readouterr().out
    assert "p2.fits: WCS; gain 0.7" in table and "reference panel 1" in table
    assert main(["render", str(proj), "-o", str(out)]) == 0
    img = open_image(out)
    assert np.isnan(img.data).any()  # uncovered corners stay missing, not black
    wcs = array_wcs(img.meta.header, img.height)
    back = on_plate(img.data, wcs, plate)
    assert global_fit_error(back, plate.data)["median_abs_error_frac"] < 0.01
    if shutil.which("fitsverify"):
        res = subprocess.run(["fitsverify", "-q", str(out)], capture_output=True, text=True)
        assert "0 error" in res.stdout + res.stderr or res.returncode == 0, res.stdout


def test_cli_mosaic_by_stars_and_its_bad_inputs(panel_files, tmp_path, capsys):
    _, files, bare, _ = panel_files
    proj = tmp_path / "s.nebula"
    assert main(["mosaic", *map(str, bare), "-o", str(proj), "--reference", "2"]) == 0
    out = capsys.readouterr().out
    assert "aligned by stars" in out and "reference panel 2" in out and "rot -1.4" in out
    assert main(["mosaic", *map(str, bare), "-o", str(proj), "--align", "wcs"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no WCS" in err and "bare1.fits" in err
    rgb = tmp_path / "rgb.fits"
    write_fits(rgb, np.stack([open_image(files[1]).data] * 3, -1), open_image(files[1]).meta.header)
    assert main(["mosaic", str(files[0]), str(rgb), "-o", str(proj)]) == 2
    assert "mixes mono and colour" in capsys.readouterr().err


@pytest.fixture()
def mosaic_doc(panel_files, tmp_path):
    _, files, _, _ = panel_files
    proj = tmp_path / "m.nebula"
    assert main(["mosaic", *map(str, files), "-o", str(proj)]) == 0
    return Document.load(proj)


def test_project_round_trip_keeps_every_panel_parameter(mosaic_doc, tmp_path):
    layer = mosaic_doc.layers[0]
    assert layer.type == "mosaic" and len(layer.panels) == 4
    mosaic_doc.save(tmp_path / "again.nebula")
    again = Document.load(tmp_path / "again.nebula")
    assert again.layers[0].to_dict() == layer.to_dict()
    a, b = mosaic_doc.render(scale=0.5), again.render(scale=0.5)
    assert np.array_equal(a, b, equal_nan=True)


def test_editing_a_panel_gain_rerenders_and_undo_restores(mosaic_doc):
    layer = mosaic_doc.layers[0]
    before = mosaic_doc.render(scale=0.5)
    panels = [dict(p) for p in layer.panels]
    panels[1]["gain"] = [panels[1]["gain"][0] * 1.5]
    mosaic_doc.set_layer_props(layer.id, panels=panels)
    after = mosaic_doc.render(scale=0.5)
    changed = np.abs(np.nan_to_num(after - before)) > 1
    assert 0.1 < changed.mean() < 0.5  # panel 2's area, not the others'
    mosaic_doc.undo()
    assert np.array_equal(mosaic_doc.render(scale=0.5), before, equal_nan=True)
    panels[1]["weight"] = -1
    from editor.errors import DocumentError

    with pytest.raises(DocumentError, match="blend weight"):
        mosaic_doc.set_layer_props(layer.id, panels=panels)


def test_region_equals_crop_of_full_render_and_preview_matches_downscale(mosaic_doc):
    full = mosaic_doc.render()
    region = mosaic_doc.render(region=(100, 250, 300, 200))
    assert np.allclose(region, full[250:450, 100:400], equal_nan=True, atol=1e-3)
    preview = mosaic_doc.render(scale=0.25)
    h, w = min(preview.shape[0], full.shape[0] // 4), min(preview.shape[1], full.shape[1] // 4)
    preview = preview[:h, :w]
    blocks = full[: h * 4, : w * 4].reshape(h, 4, w, 4)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        down = np.nanmean(blocks, axis=(1, 3))
    # The preview samples 4x4 block means bilinearly (a slightly wider kernel than the block
    # mean of the full render): compare them at the scale of a few preview pixels.
    from tests.mosaic.cutting import smooth

    down, preview = smooth(down, 1.5), smooth(preview, 1.5)
    ok = np.isfinite(down) & np.isfinite(preview)
    spread = np.subtract(*np.nanpercentile(full, [99, 1]))
    assert np.median(np.abs(preview[ok] - down[ok])) < 0.005 * spread


def test_image_layer_keeps_a_sub_pixel_offset_through_save_and_render(shared_data, tmp_path):
    import filters

    doc = Document.new(1500, 900)
    lid = doc.add_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits", offset=(0.5, 640.4))
    assert doc.layer(lid).offset == (0.5, 640.4)
    doc.save(tmp_path / "o.nebula")
    again = Document.load(tmp_path / "o.nebula")
    assert again.layer(lid).offset == (0.5, 640.4)
    moved = again.render()
    again.set_layer_props(lid, offset=(0, 640))
    whole = again.render()
    crop = (slice(0, 700), slice(650, 1350))
    dy, dx = filters.register_translation(np.nan_to_num(whole[crop]), np.nan_to_num(moved[crop]))
    assert dy == pytest.approx(0.5, abs=0.1) and dx == pytest.approx(0.4, abs=0.1)


def test_multiband_mosaic_rendered_at_half_scale_keeps_its_sky_position(panel_files, tmp_path):
    import filters

    plate, files, _, _ = panel_files
    proj, out = tmp_path / "mb.nebula", tmp_path / "mb.fits"
    assert main(["mosaic", *map(str, files), "-o", str(proj), "--gradient", "--blend", "multiband"]) == 0
    assert main(["render", str(proj), "-o", str(out), "--scale", "0.5"]) == 0
    img = open_image(out)
    back = on_plate(img.data, array_wcs(img.meta.header, img.height), plate)
    assert global_fit_error(back, plate.data)["median_abs_error_frac"] < 0.01
    crop = (slice(200, 500), slice(200, 500))
    dy, dx = filters.register_translation(plate.data[crop], np.nan_to_num(back[crop], nan=500.0))
    assert abs(dy) < 0.15 and abs(dx) < 0.15
