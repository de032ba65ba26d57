"""The high-pass contrast mask against the Photoshop recipe step by step, and the calm mask."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import filters


def photoshop_recipe(img, radius, blur, black, midtone, white, invert):
    """Layer copy -> High Pass -> Difference -> mono -> Gaussian blur -> Levels, full size."""
    sigma = (radius, radius, 0) if img.ndim == 3 else radius  # each channel on its own
    hp = img - ndimage.gaussian_filter(img.astype(np.float64), sigma, mode="nearest") + 0.5
    diff = np.abs(hp - img)
    mono = diff if diff.ndim == 2 else diff @ np.array([0.2126, 0.7152, 0.0722])
    if blur > 0:
        mono = ndimage.gaussian_filter(mono, blur, mode="nearest")
    t = np.clip((mono - black) / (white - black), 0, 1) ** (1 / midtone)
    return 1 - t if invert else t


@pytest.mark.parametrize(
    "radius, blur, black, midtone, white, invert",
    [(6.0, 3.0, 0.0, 1.0, 0.5, False), (40.0, 40.0, 0.05, 1.5, 0.45, True),
     (100.0, 20.0, 0.0, 0.8, 0.5, False)],
)
def test_contrast_mask_equals_photoshop_recipe_on_real_plate(horsehead, radius, blur, black,
                                                             midtone, white, invert):
    mask = filters.contrast_mask(horsehead, radius, blur, black, midtone, white, invert)
    ref = photoshop_recipe(horsehead, radius, blur, black, midtone, white, invert)
    assert mask.shape == horsehead.shape and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    # documented: within ~2e-3 of the recipe before levels; levels here amplify by <= 2.5
    assert np.abs(mask - ref).max() < 6e-3
    assert np.abs(mask - ref).mean() < 5e-4


def test_contrast_mask_of_rgb_uses_luminance_of_per_channel_difference(gc_rgb):
    mask = filters.contrast_mask(gc_rgb, 30.0, 30.0, 0.0, 1.0, 0.5, False)
    ref = photoshop_recipe(gc_rgb, 30.0, 30.0, 0.0, 1.0, 0.5, False)
    assert mask.shape == gc_rgb.shape[:2]
    assert np.abs(mask - ref).max() < 6e-3


def test_contrast_mask_missing_pixels_are_not_selected(horsehead):
    img = horsehead.copy()
    img[100:150, 200:260] = np.nan
    for radius in (5.0, 80.0):
        mask = filters.contrast_mask(img, radius, 10.0)
        assert np.isfinite(mask).all()
        assert (mask[100:150, 200:260] == 0).all()


def test_local_calm_mask_selects_smooth_sky_not_stars():
    rng = np.random.default_rng(4)
    img = np.full((300, 400), 0.1, np.float32) + 0.002 * rng.standard_normal((300, 400))
    img[:, :200] += np.linspace(0, 0.2, 200, dtype=np.float32)  # a smooth gradient: calm
    for _ in range(150):  # a busy star field on the right
        y, x = rng.integers(5, 295), rng.integers(210, 395)
        img[y - 1 : y + 2, x - 1 : x + 2] += 0.6
    mask = filters.local_contrast_mask(img.astype(np.float32), radius=8.0, blur=4.0)
    assert mask.shape == img.shape and 0 <= mask.min() and mask.max() <= 1
    assert mask[:, 20:180].mean() > 0.9
    assert mask[:, 230:380].mean() < mask[:, 20:180].mean() - 0.3
    inverted = filters.local_contrast_mask(img.astype(np.float32), radius=8.0, blur=4.0,
                                           invert=True)
    assert inverted[:, 230:380].mean() > inverted[:, 20:180].mean()


def test_masks_are_registered_as_masks():
    for mid in ("contrast_mask", "local_contrast_mask", "luminance_range_mask", "star_mask"):
        spec = next(s for s in filters.builtin_specs() if s.id == mid)
        assert spec.category == "mask"


def test_contrast_mask_of_a_big_rgb_image_needs_few_full_size_temporaries():
    """The club's 100 MP mosaic recipe (radius 1000, blur 100) takes the path where the blur
    is enlarged to full size before |0.5 - blur|: holding that as RGB plus its |.| copy cost
    9 mono planes (3.4 GiB at 100 MP). Per channel it needs a few."""
    import tracemalloc

    from filters.gaussian import blur_on_grid
    from filters._common import luminance
    from filters.levels import levels_curve

    rng = np.random.default_rng(3)
    img = (0.3 + 0.1 * rng.standard_normal((300, 400, 3))).astype(np.float32)
    radius, blur = 200.0, 20.0
    small, grid = blur_on_grid(img, radius)
    assert blur < grid.f  # the full-size path, as at radius 1000 / blur 100
    plane = 300 * 400 * 4
    tracemalloc.start()
    try:
        out = filters.contrast_mask(img, radius=radius, blur=blur)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 5 * plane, f"peak {peak / plane:.1f} mono planes"
    # same numbers as the straightforward formula
    m = filters.gaussian_blur(luminance(np.abs(np.float32(0.5) - grid.expand(small))), blur)
    ref = levels_curve(m, 0.0, 1.0, 0.5, clip=True)  # the default levels of the mask
    np.testing.assert_allclose(out, ref, atol=1e-6)
