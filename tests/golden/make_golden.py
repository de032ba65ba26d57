"""Make the golden projects and their expected renders (darktable's habit: tests as data).

Each case is a small self-contained ``.nebula`` project (pixels embedded) plus the render that
Nebulayer produced for it when the case was made, stored as a float32 FITS. ``test_golden.py``
re-renders every project and compares: a change of pixels fails the suite until someone decides
it is intended and re-runs this script (``python tests/golden/make_golden.py --all`` or with
the case names; without arguments it only adds missing cases), which shows the
change in review as changed FITS files.

The stored projects are also the schema fixtures: they were written by schema version 1, so a
future schema change must migrate them (``test_golden.py`` loads every one of them).

The inputs are made here from a fixed seed (a star field with nebulosity and a gradient), small
enough (64x48) to keep the whole folder under a megabyte.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from astropy.io import fits  # noqa: E402

from editor import Document  # noqa: E402
from editor.core.masks import GeneratedMask  # noqa: E402

W, H = 64, 48
PROJECTS = HERE / "projects"


def sky(seed: int, channels: int = 3) -> np.ndarray:
    """A linear star field: faint background + gradient + nebulosity + Gaussian stars, float32."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = 0.02 + 0.03 * xx / W + 0.01 * yy / H
    neb = 0.15 * np.exp(-(((xx - 30) / 14) ** 2 + ((yy - 22) / 9) ** 2))
    stars = np.zeros((H, W), np.float32)
    for _ in range(25):
        x0, y0 = rng.uniform(2, W - 2), rng.uniform(2, H - 2)
        amp = rng.uniform(0.05, 0.9)
        stars += amp * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * 0.9**2))
    mono = base + neb + stars + rng.normal(0, 0.004, (H, W))
    if channels == 1:
        return mono.astype(np.float32)
    tint = np.array([1.0, 0.85, 0.7], np.float32)[:channels]
    rgb = mono[..., None] * tint + rng.normal(0, 0.003, (H, W, channels))
    return rgb.astype(np.float32)


def base_doc(seed: int = 1, channels: int = 3) -> Document:
    return Document.from_image(sky(seed, channels), name="sky")


def case_adjustments() -> Document:
    """Every built-in adjustment once, stacked, on RGB."""
    doc = base_doc()
    doc.add_adjustment("extract_background", grid=6, degree=1)
    doc.add_adjustment("neutralize_background")
    doc.add_adjustment("color_balance", red=1.05, green=1.0, blue=0.95)
    doc.add_adjustment("auto_stretch")
    doc.add_adjustment("levels", black=0.02, midtone=1.2, white=0.95)
    doc.add_adjustment("curves", points=[[0.0, 0.0], [0.3, 0.4], [1.0, 1.0]])
    doc.add_adjustment("brightness_contrast", brightness=0.02, contrast=0.1)
    doc.add_adjustment("saturation", amount=1.2)
    return doc


def case_stretches_and_spatial() -> Document:
    """Stretches and spatial filters (their radii scale in previews) on mono."""
    doc = base_doc(2, channels=1)
    doc.add_adjustment("asinh_stretch", stretch=20.0, black_point=0.01)
    doc.add_adjustment("ghs", D=2.0, b=0.5, SP=0.1)
    lid = doc.add_adjustment("highpass", radius=6.0)
    doc.set_layer_props(lid, blend="add", opacity=0.5)
    doc.add_adjustment("gaussian_blur", sigma=0.8)
    return doc


def _blend_case(mode: str) -> Callable[[], Document]:
    def make() -> Document:
        doc = base_doc(3)
        lid = doc.add_image(sky(4)[::-1, ::-1].copy() * 1.5, name="top")
        doc.set_layer_props(lid, blend=mode, opacity=0.8)
        return doc

    make.__doc__ = f"Blend mode {mode!r}: a second image over the first at 80% opacity."
    return make


def case_masks_generated() -> Document:
    """Every generated mask kind, with the finishing controls (levels, feather, invert, density)."""
    doc = base_doc(5)
    doc.add_adjustment("auto_stretch")
    a = doc.add_adjustment("levels", midtone=1.6)
    doc.set_mask(a, GeneratedMask("contrast_mask", {"radius": 20.0, "blur": 3.0}, feather=1.0))
    b = doc.add_adjustment("brightness_contrast", contrast=0.2)
    doc.set_mask(b, GeneratedMask("local_contrast_mask", {"radius": 8.0, "blur": 2.0}, invert=True))
    c = doc.add_adjustment("saturation", amount=1.5)
    doc.set_mask(c, GeneratedMask("luminance_range_mask", {"low": 0.2, "high": 0.8},
                                  black=0.1, white=0.9, midtone=0.4))
    d = doc.add_adjustment("gaussian_blur", sigma=1.0)
    doc.set_mask(d, GeneratedMask("star_mask", {"threshold": 5.0, "grow": 1.0}, density=0.7))
    return doc


def case_mask_raster() -> Document:
    """A painted (raster) mask: a left-to-right ramp limiting a levels layer."""
    doc = base_doc(6)
    lid = doc.add_adjustment("levels", black=0.0, midtone=2.0, white=0.5)
    ramp = np.tile(np.linspace(0, 1, W, dtype=np.float32), (H, 1))
    doc.set_mask(lid, doc.new_raster_mask(ramp, feather=2.0))
    return doc


def case_channel_combine() -> Document:
    """LRGB and RGB channel-combine layers from mono frames with known offsets."""
    doc = Document.new(W, H)
    r, g, b = sky(7, 1), sky(7, 1) * 0.8, sky(7, 1) * 0.6
    doc.add_channel_combine({"R": r, "G": g, "B": b}, mode="rgb", align=False)
    lum = sky(7, 1) * 1.1
    lid = doc.add_channel_combine({"L": lum, "R": r, "G": g, "B": b}, mode="lrgb", align=False)
    doc.set_layer_props(lid, opacity=0.6)
    return doc


def case_group_and_offset() -> Document:
    """A group holding an offset image and a masked adjustment, blended as a whole."""
    doc = Document.new(W + 16, H + 8)
    doc.add_image(sky(8), name="panel A")
    b = doc.add_image(sky(9), name="panel B", offset=(16, 8))
    adj = doc.add_adjustment("levels", midtone=1.5)
    doc.set_mask(adj, GeneratedMask("luminance_range_mask", {"low": 0.0, "high": 0.5}))
    gid = doc.add_group("group", [b, adj])
    doc.set_layer_props(gid, opacity=0.7, blend="screen")
    return doc


def case_mask_layer() -> Document:
    """A layer as the mask (live luminance of a hidden helper layer below), with feather."""
    doc = base_doc(10)
    helper = doc.add_image(sky(11, 1), name="helper")
    doc.set_layer_props(helper, visible=False)
    lid = doc.add_adjustment("levels", midtone=1.8)
    doc.set_layer_as_mask(lid, helper, feather=1.5, white=0.5)
    return doc


def case_geometry() -> Document:
    """Crop, quarter turn, flip, an arbitrary rotation (NaN corners) and a resample."""
    doc = base_doc(12)
    doc.add_adjustment("levels", black=0.01, white=0.6)
    doc.crop(4, 3, 56, 40)
    doc.rotate(90)
    doc.flip("h")
    doc.rotate(12.5)
    doc.resample(0.75)
    return doc


def case_combine_normalized() -> Document:
    """An RGB merge of frames in different units (x1000, x1, x0.01): normalised by default."""
    doc = Document.new(W, H)
    doc.add_channel_combine({"R": sky(13, 1) * 1000 + 50, "G": sky(14, 1),
                             "B": sky(15, 1) * 0.01}, mode="rgb", align=False)
    return doc


def cases() -> dict[str, Callable[[], Document]]:
    from editor.core.layers import BLEND_MODES

    out: dict[str, Callable[[], Document]] = {
        "adjustments": case_adjustments,
        "stretches_spatial": case_stretches_and_spatial,
        "masks_generated": case_masks_generated,
        "mask_raster": case_mask_raster,
        "channel_combine": case_channel_combine,
        "group_offset": case_group_and_offset,
        "mask_layer": case_mask_layer,
        "geometry": case_geometry,
        "combine_normalized": case_combine_normalized,
    }
    for mode in BLEND_MODES:
        out[f"blend_{mode}"] = _blend_case(mode)
    return out


def main(argv: list[str]) -> None:
    """Write the missing cases; ``--all`` (or case names) re-makes existing ones too."""
    PROJECTS.mkdir(exist_ok=True)
    for name, make in cases().items():
        exists = (PROJECTS / f"{name}.nebula").exists()
        if exists and "--all" not in argv and name not in argv:
            continue
        doc = make()
        doc.save(PROJECTS / f"{name}.nebula")
        pixels = np.asarray(doc.render(), dtype=np.float32)
        hdu = fits.PrimaryHDU(np.moveaxis(pixels, -1, 0) if pixels.ndim == 3 else pixels)
        hdu.header["COMMENT"] = f"Nebulayer golden render of {name}.nebula (row 0 = top)"
        hdu.writeto(PROJECTS / f"{name}.expected.fits", overwrite=True)
        print(f"{name}: {pixels.shape}")


if __name__ == "__main__":
    main(sys.argv[1:])
