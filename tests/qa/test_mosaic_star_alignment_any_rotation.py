"""--align stars on a panel turned 20 degrees: the true rotation, never a chance match.

Before: the +-6 deg vote accepted a chance alignment (8 stars, 0.54 px, -5 deg), the panel
landed as a sliver and the balance went wild (gains 0.23 and 0.06), exit 0."""

from __future__ import annotations

import math

from tests.qa.test_mosaic_fully_rejected_pair_saves import _panels


def test_star_alignment_finds_a_panel_turned_20_degrees_and_balances_it(shared_data, tmp_path):
    from editor.io import open_image
    from editor.mosaic.build import plan_mosaic

    paths = _panels(shared_data, tmp_path)
    images = [open_image(p) for p in paths]
    plan = plan_mosaic([(im.data, None) for im in images], names=[p.name for p in paths],
                       align="stars", reference=0).to_dict()
    straight, turned = plan["panels"][1]["transform"], plan["panels"][2]["transform"]
    assert abs(straight["rotation_deg"]) < 0.05
    assert abs(abs(turned["rotation_deg"]) - 20.0) < 0.1, turned
    assert abs(turned["scale"] - 1.0) < 0.002
    assert abs(plan["panels"][1]["gain"][0] - 1 / 1.05) < 0.01  # the 5 % brighter panel
    assert abs(plan["panels"][2]["gain"][0] - 1.0) < 0.02
    assert math.isclose(straight["dx"] - plan["panels"][0]["transform"]["dx"], 300.0, abs_tol=0.1)
