"""The one-step contrast mask adjustment: one undo step, the recipe's defaults scaled to the
image, and a visible lift of the faint regions on a real frame."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.document import Document
from editor.core.layers import AdjustmentLayer
from editor.core.masks import GeneratedMask
from editor.core.recipes import contrast_mask_defaults, recipe_radius
from editor.errors import DocumentError


def test_radius_follows_the_image_size_like_the_club_recipe():
    assert recipe_radius(8000, 5000) == 1000.0  # ~1000 px on the club's 8000 x 5000 stacks
    assert recipe_radius(5000, 8000) == 1000.0
    assert contrast_mask_defaults(721, 720) == {"radius": 90.1, "blur": 18.0}
    assert recipe_radius(10, 8) == 2.0


def test_one_call_adds_the_layer_with_its_mask_as_one_undo_step():
    doc = Document.from_image(np.full((80, 120), 0.2, np.float32))
    steps = len(doc.history)
    lid = doc.add_contrast_mask_adjustment()
    assert len(doc.history) == steps + 1
    layer = doc.layer(lid)
    assert isinstance(layer, AdjustmentLayer) and layer.kind == "curves"
    assert isinstance(layer.mask, GeneratedMask) and layer.mask.kind == "contrast_mask"
    assert layer.mask.params["radius"] == 15.0 and layer.mask.params["blur"] == 3.0
    assert layer.mask.params["white"] == 0.5  # the recipe's levels on the mask
    doc.undo()
    assert [l.id for l in doc.layers] != [] and lid not in [l.id for l in doc.layers]
    doc.redo()
    assert doc.layer(lid).mask.kind == "contrast_mask"


def test_other_adjustments_and_overrides():
    doc = Document.from_image(np.full((40, 40), 0.2, np.float32))
    lid = doc.add_contrast_mask_adjustment("levels", radius=30, blur=5, midtone=1.3,
                                           mask_params={"invert": True})
    layer = doc.layer(lid)
    assert layer.kind == "levels" and layer.params["midtone"] == 1.3
    assert layer.mask.params["radius"] == 30 and layer.mask.params["invert"] is True
    lid2 = doc.add_contrast_mask_adjustment("brightness_contrast")
    assert doc.layer(lid2).params["contrast"] > 0
    with pytest.raises(DocumentError):
        doc.add_contrast_mask_adjustment("saturation")


def test_the_recipe_lifts_the_faint_regions_of_a_real_frame(shared_data):
    doc = Document.from_image(shared_data / "fits" / "multiband_gc" / "gc_2mass_j.fits")
    doc.add_adjustment("auto_stretch")
    before = doc.render()
    lid = doc.add_contrast_mask_adjustment()
    after = doc.render()
    mask = doc.render_mask(lid)
    # This crowded Galactic-centre field gives a mask of ~0.3..0.53: compare its deciles.
    hi, lo = np.percentile(mask, [90, 10])
    strong, weak = mask >= hi, mask <= lo
    lift_strong = after[strong].mean() / before[strong].mean()
    lift_weak = after[weak].mean() / before[weak].mean()
    assert lift_strong > 1.15  # where the mask is strongest the sky is lifted
    assert lift_strong > lift_weak + 0.04  # and less where it is weakest
    assert before[strong].mean() < before[weak].mean()  # it opens on the faint parts
