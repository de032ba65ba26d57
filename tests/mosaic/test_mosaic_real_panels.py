"""Mosaics of real plates cut into overlapping, rotated, perturbed panels (2MASS, Horsehead,
Spitzer): assembled by WCS and by stars, balanced, blended, mapped back onto the plate."""

from __future__ import annotations

import numpy as np
import pytest

from editor.mosaic.compose import render_mosaic
from editor.mosaic.build import plan_mosaic
from editor.mosaic.plan import MosaicPlan
from editor.mosaic.transforms import similarity_matrix, wcs_of
from tests.mosaic.cutting import (cut_matrix, cut_panel, global_fit_error, header_of, load_plate,
                                  on_plate, panel_mask_on_plate, perturb, seam_steps)

# (y0, x0, h, w, rotation deg), (gain, offset, gradient) as fractions of the plate's spread
GRID4 = [(20, 20, 380, 380, 0.0), (20, 320, 380, 380, 1.5), (320, 20, 380, 380, -2.0),
         (320, 320, 380, 380, 3.0)]
PERTURB4 = [(1.0, 0.0, (0.0, 0.0)), (1.3, 0.025, (0.01, -0.005)), (0.7, -0.015, (-0.005, 0.0075)),
            (1.15, 0.05, (0.0, 0.005))]


def make_panels(plate, specs, perturbs, noise_frac=0.002):
    spread = float(np.subtract(*np.nanpercentile(plate.data, [99, 1])))
    noise = noise_frac * spread
    out = []
    for k, (spec, (g, o, gr)) in enumerate(zip(specs, perturbs)):
        d, wcs = cut_panel(plate, *spec)
        d = perturb(d, g, o * spread, (gr[0] * spread, gr[1] * spread), noise, seed=k)
        out.append((d, wcs))
    return out, noise


def check_result(plate, out, specs, back, noise, max_error=0.03):
    err = global_fit_error(back, plate.data)
    assert err["median_abs_error_frac"] < max_error, err
    masks = [panel_mask_on_plate(plate.data.shape[:2], *s) for s in specs]
    steps = seam_steps(back, plate.data, masks)
    assert len(steps) >= len(specs) - 1
    assert max(steps) < noise, (steps, noise)
    return err, steps


@pytest.fixture(scope="module")
def k_plate(shared_data):
    return load_plate(shared_data / "fits" / "multiband_gc" / "gc_2mass_k.fits")


def test_wcs_mosaic_of_four_rotated_perturbed_2mass_panels_gives_the_plate_back(k_plate):
    panels, noise = make_panels(k_plate, GRID4, PERTURB4)
    plan = plan_mosaic([(d, header_of(w)) for d, w in panels], align="wcs", gradient=True)
    out = render_mosaic(plan, [d for d, _ in panels])
    back = on_plate(out, wcs_of(plan.wcs), k_plate)
    check_result(k_plate, out, GRID4, back, noise)
    # The fitted numbers are the inverse perturbations (reference = panel 1).
    for p, (g, _, _) in zip(plan.panels, PERTURB4):
        assert p.gain[0] == pytest.approx(1.0 / g, rel=0.02)


def test_unbalanced_mosaic_leaves_steps_far_above_the_noise(k_plate):
    """The seam measure can fail: without balancing the panels' gains show at every seam."""
    panels, noise = make_panels(k_plate, GRID4, PERTURB4)
    plan = plan_mosaic([(d, header_of(w)) for d, w in panels], align="wcs", balance=False)
    back = on_plate(render_mosaic(plan, [d for d, _ in panels]), wcs_of(plan.wcs), k_plate)
    masks = [panel_mask_on_plate(k_plate.data.shape, *s) for s in GRID4]
    assert max(seam_steps(back, k_plate.data, masks)) > 10 * noise


@pytest.mark.slow
def test_star_aligned_mosaic_without_any_wcs_gives_the_plate_back(k_plate):
    panels, noise = make_panels(k_plate, GRID4, PERTURB4)
    plan = plan_mosaic([(d, None) for d, _ in panels], align="stars", gradient=True)
    assert plan.wcs is None and plan.report["align"] == "stars"
    for p, spec in zip(plan.panels, GRID4):
        assert p.transform["kind"] == "similarity"
        assert p.transform["rotation_deg"] == pytest.approx(spec[4], abs=0.1)
    out = render_mosaic(plan, [d for d, _ in panels])
    # canvas -> plate: through the reference panel (canvas = its transform of its pixels).
    to_plate = cut_matrix(*GRID4[0]) @ np.linalg.inv(similarity_matrix(plan.panels[0].transform))
    back = on_plate(out, None, k_plate, similarity_to_plate=to_plate)
    check_result(k_plate, out, GRID4, back, noise)


def test_club_case_two_halves_with_other_contrast_and_colour_match_after_balancing(shared_data):
    """RGB from 2MASS K, H, J; the right half from 'another camera': each channel with its
    own gain and offset (weaker contrast, other colour balance)."""
    base = shared_data / "fits" / "multiband_gc"
    planes = [load_plate(base / f"gc_2mass_{b}.fits") for b in ("k", "h", "j")]
    rgb = np.stack([p.data for p in planes], axis=-1)
    from tests.mosaic.cutting import Plate

    plate = Plate(rgb, planes[0].wcs)
    specs = [(10, 10, 700, 420, 0.0), (10, 290, 700, 420, 1.0)]
    left, wl = cut_panel(plate, *specs[0])
    right, wr = cut_panel(plate, *specs[1])
    spread = np.nanpercentile(rgb, 99, axis=(0, 1)) - np.nanpercentile(rgb, 1, axis=(0, 1))
    rng = np.random.default_rng(3)
    noise = 0.002 * spread
    left = left + rng.normal(0, 1, left.shape).astype(np.float32) * noise
    right = (right * np.array([0.72, 0.85, 1.2], np.float32) + np.float32(0.05) * spread
             + rng.normal(0, 1, right.shape).astype(np.float32) * noise).astype(np.float32)
    panels = [(left.astype(np.float32), header_of(wl)), (right, header_of(wr))]
    masks = [panel_mask_on_plate(rgb.shape[:2], *s) for s in specs]
    results = {}
    for balance in (False, True):
        plan = plan_mosaic(panels, align="wcs", balance=balance)
        back = on_plate(render_mosaic(plan, [p for p, _ in panels]), wcs_of(plan.wcs), plate)
        results[balance] = (plan, back, seam_steps(back, rgb, masks))
    plan, back, steps = results[True]
    assert np.allclose(plan.panels[1].gain, [1 / 0.72, 1 / 0.85, 1 / 1.2], rtol=0.02)
    assert max(steps) < noise.min()
    assert global_fit_error(back, rgb)["median_abs_error_frac"] < 0.03
    # Colour balance of the two halves: channel ratios of their medians agree after balancing.
    l_only, r_only = masks[0] & ~masks[1], masks[1] & ~masks[0]

    def ratio(b, m):
        return np.nanmedian(b[m], axis=0) / np.nanmedian(rgb[m], axis=0)

    assert np.allclose(ratio(back, l_only), ratio(back, r_only), rtol=0.01)
    assert not np.allclose(ratio(results[False][1], l_only), ratio(results[False][1], r_only), rtol=0.05)
    assert max(results[False][2]) > 10 * noise.min()


@pytest.mark.parametrize("name, specs", [
    ("horsehead_dss_ukschmidt.fits", [(20, 20, 520, 520, 0.0), (20, 360, 520, 520, 2.5),
                                      (360, 180, 520, 520, -1.0)]),
    ("spitzer_irac_glimpse.fits", [(10, 10, 490, 380, 0.0), (10, 320, 490, 380, 0.5),
                                   (10, 630, 490, 380, -1.5)]),
])
def test_three_panel_chains_of_other_plates_match(shared_data, name, specs):
    plate = load_plate(shared_data / "fits" / name)
    perturbs = [(1.0, 0.0, (0, 0)), (0.8, 0.03, (0.0, 0.0)), (1.25, -0.02, (0.0, 0.0))]
    panels, noise = make_panels(plate, specs, perturbs)
    plan = plan_mosaic([(d, header_of(w)) for d, w in panels], align="wcs")
    back = on_plate(render_mosaic(plan, [d for d, _ in panels]), wcs_of(plan.wcs), plate)
    check_result(plate, None, specs, back, noise)


def test_multiband_blend_matches_the_plate_and_leaves_uncovered_pixels_nan(k_plate):
    panels, noise = make_panels(k_plate, GRID4, PERTURB4)
    plan = plan_mosaic([(d, header_of(w)) for d, w in panels], align="wcs", gradient=True,
                       blend="multiband")
    out = render_mosaic(plan, [d for d, _ in panels])
    feather = render_mosaic(MosaicPlan.from_dict(dict(plan.to_dict(), blend="feather")),
                            [d for d, _ in panels])
    assert np.array_equal(np.isnan(out), np.isnan(feather))
    assert np.isnan(out).any()  # the rotated panels leave corners uncovered
    back = on_plate(out, wcs_of(plan.wcs), k_plate)
    check_result(k_plate, out, GRID4, back, noise)
