"""Nebulayer's sample files: synthetic, deterministic, small, made by code in the package.

``samples/generate_samples.py`` (in the repository) writes them into ``samples/``; an installed
Nebulayer with no repository beside it makes them on first run in the user's data folder
(:func:`user_sample_project`), the project then self-contained (pixels embedded), so a copy of
it renders anywhere.

It writes:

- ``deep_sky_field.fits``: a linear 32-bit float RGB stack (3 x H x W, as Siril writes) of a star
  field with red emission and blue reflection nebulosity, a light-pollution gradient and noise;
- ``lrgb_L.fits``, ``lrgb_R.fits``, ``lrgb_G.fits``, ``lrgb_B.fits``: mono frames of the same
  field, each shifted by a known sub-pixel offset (header keys ``TRUEDY``/``TRUEDX``, the shift
  applied to the scene as seen in the L frame) so that alignment can be checked;
- ``bayer_rggb.dng``: a 12-bit RGGB Bayer mosaic of the same scene, a DNG written with tifffile
  that LibRaw (rawpy) opens;
- ``sample_project.nebula``: a layered project using the above (made by the editor itself).

Everything comes from a fixed random seed, so the files are the same on every machine.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import ndimage

HEIGHT, WIDTH = 384, 512
SEED = 20261121
# Shifts (dy, dx) of the R, G, B frames against L, in pixels: what alignment must find.
CHANNEL_SHIFTS = {"L": (0.0, 0.0), "R": (0.35, -0.8), "G": (-0.6, 0.45), "B": (1.2, 0.7)}


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scales: list[float]) -> np.ndarray:
    """Fractal-like cloud: a sum of Gaussian-filtered noise fields, normalised to 0..1."""
    field = np.zeros(shape, np.float64)
    for i, s in enumerate(scales):
        layer = ndimage.gaussian_filter(rng.standard_normal(shape), s, mode="wrap")
        field += layer / layer.std() / (i + 1)
    field -= field.min()
    return field / field.max()


def _stars(rng: np.random.Generator, shape: tuple[int, int], count: int) -> tuple[np.ndarray, np.ndarray]:
    """Star positions (y, x, flux, colour index) drawn once, rendered per channel later."""
    y = rng.uniform(2, shape[0] - 3, count)
    x = rng.uniform(2, shape[1] - 3, count)
    flux = 0.15 * rng.pareto(1.6, count) + 0.04  # many faint, few bright
    flux = np.minimum(flux, 20.0)  # a few saturate, as real stacks do
    colour = rng.uniform(-0.3, 0.4, count)  # > 0 red, < 0 blue
    return np.stack([y, x, flux]), colour


def _render_stars(params: np.ndarray, weights: np.ndarray, shape: tuple[int, int],
                  shift: tuple[float, float], fwhm: float) -> np.ndarray:
    """Gaussian PSFs placed at sub-pixel positions (plus ``shift``)."""
    sigma = fwhm / 2.3548
    img = np.zeros(shape, np.float64)
    r = int(np.ceil(4 * sigma)) + 1
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    for (y, x, flux), w in zip(params.T, weights):
        cy, cx = y + shift[0], x + shift[1]
        iy, ix = int(round(cy)), int(round(cx))
        psf = np.exp(-(((yy + iy - cy) ** 2 + (xx + ix - cx) ** 2) / (2 * sigma**2)))
        psf *= flux * w / (2 * np.pi * sigma**2)
        y0, y1 = max(iy - r, 0), min(iy + r + 1, shape[0])
        x0, x1 = max(ix - r, 0), min(ix + r + 1, shape[1])
        if y0 >= y1 or x0 >= x1:
            continue
        img[y0:y1, x0:x1] += psf[y0 - (iy - r) : y1 - (iy - r), x0 - (ix - r) : x1 - (ix - r)]
    return img


def _shift(img: np.ndarray, shift: tuple[float, float]) -> np.ndarray:
    return ndimage.shift(img, shift, order=3, mode="nearest")


def make_scene(rng: np.random.Generator) -> dict[str, object]:
    """The noiseless ingredients, in linear units where the sky background is about 0.05."""
    shape = (HEIGHT, WIDTH)
    emission = _smooth_noise(rng, shape, [48, 24, 10, 4]) ** 3  # filaments
    reflection = _smooth_noise(rng, shape, [64, 20, 6]) ** 4
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH] / max(HEIGHT, WIDTH)
    # A bright core in the middle, like a nebula centred in the frame.
    core = np.exp(-(((yy - 0.37) ** 2 + (xx - 0.5) ** 2) / 0.02))
    emission = 0.4 * emission * (0.3 + core)
    reflection = 0.12 * reflection * (0.2 + np.exp(-(((yy - 0.55) ** 2 + (xx - 0.72) ** 2) / 0.01)))
    # Light pollution: brighter towards the bottom-left horizon, orange (sodium/LED mix).
    gradient = 0.05 + 0.02 * (yy / yy.max()) + 0.01 * (1 - xx / xx.max()) + 0.01 * (yy / yy.max()) ** 2
    stars, colour = _stars(rng, shape, 1400)
    return {"emission": emission, "reflection": reflection, "gradient": gradient,
            "stars": stars, "colour": colour}


def channel_image(scene: dict[str, object], channel: str, shift: tuple[float, float],
                  rng: np.random.Generator, noise: float, with_gradient: bool = True) -> np.ndarray:
    """One linear channel (R, G, B or L) of the scene seen with ``shift``."""
    colour = scene["colour"]
    star_weight = {"R": 1 + colour, "G": np.ones_like(colour), "B": 1 - colour}
    neb = {"R": (1.0, 0.15), "G": (0.35, 0.45), "B": (0.15, 1.0)}
    lp = {"R": 1.3, "G": 1.0, "B": 0.7}
    if channel == "L":
        weights = np.mean([star_weight[c] for c in "RGB"], axis=0)
        e, r = np.mean([neb[c] for c in "RGB"], axis=0)
        lp_gain = np.mean(list(lp.values()))
    else:
        weights, (e, r), lp_gain = star_weight[channel], neb[channel], lp[channel]
    diffuse = e * scene["emission"] + r * scene["reflection"]
    if shift != (0.0, 0.0):
        diffuse = _shift(diffuse, shift)
    img = diffuse + _render_stars(scene["stars"], weights, (HEIGHT, WIDTH), shift, fwhm=2.6)
    if with_gradient:
        img = img + lp_gain * scene["gradient"]
    img = img + rng.normal(0.0, noise, img.shape)
    return img.astype(np.float32)


def _write_fits(path: Path, data: np.ndarray, cards: dict[str, object]) -> None:
    from editor.io import write_fits

    write_fits(path, data, header=cards, history=["Synthetic sample made by samples/generate_samples.py"])


def write_fits_samples(out: Path, scene: dict[str, object], rng: np.random.Generator) -> None:
    rgb = np.stack([channel_image(scene, c, (0.0, 0.0), rng, 0.004) for c in "RGB"], axis=-1)
    common = {"OBJECT": "Synthetic Nebula", "TELESCOP": "Nebulayer synthetic", "INSTRUME": "samples",
              "DATE-OBS": "2026-11-21T22:00:00", "EXPTIME": 3600.0}
    _write_fits(out / "deep_sky_field.fits", rgb, {**common, "STACKCNT": 60})
    for name, shift in CHANNEL_SHIFTS.items():
        mono = channel_image(scene, name, shift, rng, 0.003 if name == "L" else 0.006)
        _write_fits(out / f"lrgb_{name}.fits", mono,
                    {**common, "FILTER": name, "EXPTIME": 1200.0 if name == "L" else 600.0,
                     "TRUEDY": shift[0], "TRUEDX": shift[1]})


def write_bayer_dng(path: Path, scene: dict[str, object], rng: np.random.Generator) -> None:
    """A 12-bit RGGB mosaic as a minimal DNG 1.4 (LibRaw reads the CFA tags we set)."""
    import tifffile

    black, white = 256, 4095
    planes = {c: channel_image(scene, c, (0.0, 0.0), rng, 0.002) for c in "RGB"}
    mosaic = np.empty((HEIGHT, WIDTH), np.float32)
    mosaic[0::2, 0::2] = planes["R"][0::2, 0::2]
    mosaic[0::2, 1::2] = planes["G"][0::2, 1::2]
    mosaic[1::2, 0::2] = planes["G"][1::2, 0::2]
    mosaic[1::2, 1::2] = planes["B"][1::2, 1::2]
    scale = (white - black) / 1.2
    raw = np.clip(np.round(mosaic * scale + black), 0, white).astype(np.uint16)

    def srational(values: list[float]) -> list[int]:
        return [v for x in values for v in (int(round(x * 10000)), 10000)]

    tags = [
        (271, "s", 0, "Nebulayer", True),  # Make
        (272, "s", 0, "Synthetic RGGB", True),  # Model
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: R G / G B
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, "Nebulayer Synthetic RGGB", True),  # UniqueCameraModel
        (50714, "H", 1, black, True),  # BlackLevel
        (50717, "H", 1, white, True),  # WhiteLevel
        # ColorMatrix1 (XYZ -> camera): sRGB's inverse matrix, so the camera is "sRGB primaries".
        (50721, "2i", 9, srational([3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415,
                                    0.0557, -0.2040, 1.0570]), True),
        (50728, "2I", 3, (10000, 10000, 10000, 10000, 10000, 10000), True),  # AsShotNeutral
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1 = D65
    ]
    tmp = path.with_suffix(".dng.tmp")
    tifffile.imwrite(tmp, raw, photometric=32803, subfiletype=0, software="Nebulayer samples",
                     extratags=tags)
    tmp.replace(path)


def write_sample_project(out: Path, *, embed: bool = False) -> Path:
    """A layered edit of the samples, made through the public API (what a user would build);
    ``embed``: the pixels go inside the project (self-contained) instead of references."""
    from editor import Document

    doc = Document.from_image(out / "deep_sky_field.fits")
    doc.add_adjustment("extract_background", name="Remove light pollution")
    doc.add_adjustment("neutralize_background", name="Neutral sky")
    doc.add_adjustment("auto_stretch", name="Stretch")
    levels = doc.add_adjustment("levels", name="Lift the faint regions", midtone=0.6)
    from editor.core.masks import GeneratedMask

    doc.set_mask(levels, GeneratedMask("contrast_mask", {"radius": 60.0, "blur": 12.0}))
    lrgb = doc.add_channel_combine({c: out / f"lrgb_{c}.fits" for c in "LRGB"}, mode="lrgb",
                                   name="LRGB merge")
    doc.set_layer_props(lrgb, visible=False)
    doc.take_snapshot("Original")
    path = out / "sample_project.nebula"
    doc.save(path, embed_sources=embed)
    return path


def generate(out: Path, *, project: bool = True, embed: bool = False,
             progress: Callable[[float], None] | None = None) -> None:
    """Write every sample file into ``out`` (created if needed); ``progress(fraction)`` is
    called between the steps (the editor's first start builds them as a job)."""
    report = progress or (lambda _f: None)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    scene = make_scene(rng)
    report(0.3)
    write_fits_samples(out, scene, rng)
    report(0.55)
    write_bayer_dng(out / "bayer_rggb.dng", scene, rng)
    report(0.65)
    if project:
        write_sample_project(out, embed=embed)
    report(1.0)


def user_sample_path() -> Path:
    """Where :func:`user_sample_project` keeps the sample (it may not exist yet)."""
    from editor import __version__
    from editor.paths import data_dir

    return data_dir() / f"sample-{__version__}" / "sample_project.nebula"


def user_sample_project(progress: Callable[[float], None] | None = None) -> Path:
    """The self-contained sample project in the user's data folder, made on first use."""
    path = user_sample_path()
    if not path.is_file():
        generate(path.parent, embed=True, progress=progress)
    return path


def main(argv: list[str] | None = None, default_out: Path | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out or Path.cwd())
    parser.add_argument("--skip-project", action="store_true", help="only the image files")
    parser.add_argument("--embed", action="store_true",
                        help="a self-contained project (pixels inside, no references)")
    args = parser.parse_args(argv)
    generate(args.out, project=not args.skip_project, embed=args.embed)
    for f in sorted(args.out.iterdir()):
        if f.suffix in (".fits", ".dng", ".nebula"):
            print(f"{f.name:28s} {f.stat().st_size / 1e6:6.2f} MB")
    return 0
