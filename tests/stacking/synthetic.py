"""Frames made from a real plate with a known truth, for stacking tests and the benchmark.

The truth is a crop of the Horsehead DSS plate (../shared/data, a real photographic survey
scan: stars, nebula, dust lanes), scaled to electrons. A simulated camera then "observes" it:
bias with column pattern, dark current with hot pixels (scaled by exposure), vignetting
(cos^4-like fall-off plus a dust donut), photon (Poisson) and read noise, 16-bit quantisation.
Each light sees the sky rotated (0-2 deg) and shifted (a few px); one light carries a satellite
trail. Everything is seeded, so the frames are the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from scipy import ndimage

BIAS_ADU = 1000.0
READ_NOISE = 5.0  # e-
DARK_RATE = 0.3  # e-/s for a normal pixel
SKY = 250.0  # e- per light
EXPOSURE = 60.0
DARK_EXPOSURE = 120.0  # darks twice as long as lights: the master dark must be scaled
FLAT_LEVEL = 20000.0  # e- at the flat's centre
TRAIL_E = 3000.0


@dataclass
class Synthetic:
    folder: Path
    lights: list[Path]
    darks: list[Path]
    flats: list[Path]
    bias: list[Path]
    truth: np.ndarray  # e- per light, on the full plate crop grid
    matrices: list[np.ndarray]  # frame pixel (x, y, 1) -> truth pixel
    hot: np.ndarray  # bool map of hot photosites
    vignetting: np.ndarray
    trail_frame: int
    trail: np.ndarray  # bool map of the trail in its frame
    size: int
    extra: dict = field(default_factory=dict)

    def model(self, frame: int = 0) -> np.ndarray:
        """The noise-free sky (truth + sky background, e-) on frame ``frame``'s grid."""
        return render(self.truth, self.matrices[frame], self.size) + SKY

    def true_transform(self, frame: int) -> np.ndarray:
        """Reference (frame 0) pixel -> frame pixel, as the stacker's Transform.matrix."""
        return np.linalg.inv(self.matrices[frame]) @ self.matrices[0]


def plate_truth(plate_path: Path, size: int) -> np.ndarray:
    data = fits.getdata(plate_path).astype(np.float64)
    h, w = data.shape
    margin = size // 6
    crop = data[(h - size) // 2 - margin:(h + size) // 2 + margin,
                (w - size) // 2 - margin:(w + size) // 2 + margin]
    # The scan's grain is finer than any telescope resolves: smooth it away (as seeing would),
    # so the truth is band-limited and resampling it is exact to well below the noise.
    crop = ndimage.gaussian_filter(crop, 1.2)
    lo, hi = np.percentile(crop, [1, 99.95])
    return np.clip((crop - lo) / (hi - lo), 0, None) * 4000.0  # e- per 60 s light


def frame_matrix(size: int, margin: int, angle_deg: float, dx: float, dy: float) -> np.ndarray:
    """Frame pixel -> truth pixel: rotate about the frame centre, shift, offset into the crop."""
    c = (size - 1) / 2
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    to_centre = np.array([[1, 0, -c], [0, 1, -c], [0, 0, 1.0]])
    back = np.array([[1, 0, c + margin + dx], [0, 1, c + margin + dy], [0, 0, 1.0]])
    return back @ rot @ to_centre


def render(truth: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    mat = np.array([[matrix[1, 1], matrix[1, 0]], [matrix[0, 1], matrix[0, 0]]])
    offset = np.array([matrix[1, 2], matrix[0, 2]])
    return ndimage.affine_transform(truth, mat, offset=offset, output_shape=(size, size),
                                    order=3, mode="nearest")


def vignetting_map(size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    c = (size - 1) / 2
    r2 = ((yy - c) ** 2 + (xx - c) ** 2) / (c * c)
    vig = 1.0 / (1.0 + 0.18 * r2) ** 2  # ~30% darker in the corners
    dust = np.hypot(yy - 0.3 * size, xx - 0.7 * size)
    vig *= 1.0 - 0.08 * ((dust > 12) & (dust < 22))  # a dust donut
    return vig


def _write(path: Path, adu: np.ndarray, imagetyp: str, exposure: float, index: int) -> Path:
    header = fits.Header()
    header["IMAGETYP"] = imagetyp
    header["EXPTIME"] = exposure
    header["CCD-TEMP"] = -10.0
    header["DATE-OBS"] = f"2026-01-15T21:{index // 60:02d}:{index % 60:02d}"
    header["INSTRUME"] = "Simulated CMOS"
    header["ROWORDER"] = "TOP-DOWN"
    fits.PrimaryHDU(np.clip(np.rint(adu), 0, 65535).astype(np.uint16), header).writeto(path, overwrite=True)
    return path


def make_dataset(plate_path: Path, folder: Path, *, size: int = 512, n_lights: int = 10,
                 n_cal: int = 12, seed: int = 7) -> Synthetic:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    truth = plate_truth(plate_path, size)
    margin = size // 6
    bias_pattern = BIAS_ADU + rng.normal(0, 4, size)[None, :] + rng.normal(0, 1.5, (size, size))
    rate = np.full((size, size), DARK_RATE)
    hot = rng.random((size, size)) < 0.002
    rate[hot] = rng.uniform(20, 200, int(hot.sum()))  # e-/s: saturating-bright to warm
    vig = vignetting_map(size)

    def expose(electrons: np.ndarray) -> np.ndarray:
        return bias_pattern + rng.poisson(np.maximum(electrons, 0)) + \
            rng.normal(0, READ_NOISE, electrons.shape)

    bias = [_write(folder / f"Bias_{i:03d}.fits", expose(np.zeros((size, size))), "Bias Frame",
                   0.0, i) for i in range(n_cal)]
    darks = [_write(folder / f"Dark_{i:03d}.fits", expose(rate * DARK_EXPOSURE), "Dark Frame",
                    DARK_EXPOSURE, i) for i in range(n_cal)]
    flats = [_write(folder / f"Flat_{i:03d}.fits", expose(FLAT_LEVEL * vig * (1 + 0.03 * i)),
                    "Flat Frame", 1.0, i) for i in range(n_cal)]
    angles = np.linspace(0.0, 2.0, n_lights)
    rng_geo = np.random.default_rng(seed + 1)
    shifts = rng_geo.uniform(-6, 6, (n_lights, 2))
    matrices, lights = [], []
    trail_frame = n_lights // 2
    trail = np.zeros((size, size), bool)
    for i in range(n_lights):
        m = frame_matrix(size, margin, angles[i], *shifts[i])
        matrices.append(m)
        sky = render(truth, m, size) + SKY
        electrons = sky * vig + rate * EXPOSURE
        if i == trail_frame:
            yy, xx = np.mgrid[0:size, 0:size]
            dist = np.abs(0.35 * xx - yy + 0.4 * size) / np.hypot(0.35, 1)
            trail = dist < 1.5
            electrons = electrons + TRAIL_E * np.exp(-0.5 * (dist / 0.8) ** 2)
        lights.append(_write(folder / f"Light_{i:03d}.fits", expose(electrons), "Light Frame",
                             EXPOSURE, i))
    return Synthetic(folder, lights, darks, flats, bias, truth, matrices, hot, vig, trail_frame,
                     trail, size)
