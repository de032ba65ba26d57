"""Turning a real plate with a WCS into overlapping, rotated, perturbed mosaic panels (and
measuring how well a mosaic of them gives the plate back)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.wcs import WCS
from scipy import ndimage

from editor.astrometry.wcs import array_wcs, wcs_cards


@dataclass
class Plate:
    data: np.ndarray  # top row first
    wcs: WCS  # array order


def load_plate(path: Path) -> Plate:
    from editor.io import open_image

    img = open_image(path)
    wcs = array_wcs(img.meta.header, img.height)
    assert wcs is not None, f"{path} has no WCS"
    if "AMDX1" in img.meta.header:
        # A DSS plate solution (polynomials wcslib evaluates itself): take the linear TAN
        # closest to it as the plate's truth, so cut panels' WCS describe it exactly.
        from astropy.wcs.utils import fit_wcs_from_points

        h, w = img.data.shape[:2]
        y, x = np.mgrid[0:h:40, 0:w:40].astype(float)
        wcs = fit_wcs_from_points((x.ravel(), y.ravel()), wcs.pixel_to_world(x.ravel(), y.ravel()),
                                  proj_point="center", projection="TAN")
    return Plate(np.asarray(img.data, dtype=np.float32), wcs)


def linear_cd(wcs: WCS) -> np.ndarray:
    return np.asarray(wcs.pixel_scale_matrix, dtype=float)


def cut_panel(plate: Plate, y0: int, x0: int, h: int, w: int, rot_deg: float, *,
              zoom: float = 1.0, order: int = 3) -> tuple[np.ndarray, WCS]:
    """Pixels of an (h, w) panel whose centre sits at (y0 + h/2, x0 + w/2) of the plate, its
    axes rotated by ``rot_deg`` (as a camera turned on the sky), and the panel's own WCS.
    ``zoom``: cut from the plate enlarged by this factor (benchmarks), without making it."""
    th = math.radians(rot_deg)
    r = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])  # (x, y)
    cp = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    co = np.array([x0 + (w - 1) / 2.0, y0 + (h - 1) / 2.0])
    t = co - r @ cp  # plate (x, y) = R panel (x, y) + t
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    px = r[0, 0] * xx + r[0, 1] * yy + t[0]
    py = r[1, 0] * xx + r[1, 1] * yy + t[1]

    def plane(a: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(a)
        filled = np.where(bad, np.nanmedian(a), a)  # a cubic spline would spread NaN
        out = ndimage.map_coordinates(filled, [(py + 0.5) / zoom - 0.5, (px + 0.5) / zoom - 0.5],
                                      order=order, mode="constant", cval=np.nan)
        if bad.any():
            hit = ndimage.map_coordinates(bad.astype(np.float32), [(py + 0.5) / zoom - 0.5,
                                          (px + 0.5) / zoom - 0.5], order=1, cval=1.0)
            out[hit > 0.01] = np.nan
        return out.astype(np.float32)

    d = plate.data
    data = plane(d) if d.ndim == 2 else np.stack([plane(d[..., c]) for c in range(d.shape[2])], -1)
    src = plate.wcs
    if zoom != 1.0:
        from editor.io.wcs import scaled

        src = scaled(src, zoom)
    new = WCS(naxis=2)
    new.wcs.ctype = list(src.wcs.ctype)
    new.wcs.crval = list(src.wcs.crval)
    new.wcs.cd = linear_cd(src) @ r
    crpix0 = np.asarray(src.wcs.crpix, dtype=float) - 1.0  # 0-based
    new.wcs.crpix = np.linalg.solve(r, crpix0 - t) + 1.0
    if src.wcs.lonpole is not None:
        new.wcs.lonpole = src.wcs.lonpole
    new.wcs.set()
    return data, new


def perturb(data: np.ndarray, gain: float, offset: float, grad: tuple[float, float],
            noise: float, seed: int) -> np.ndarray:
    """gain * data + offset + a linear gradient (per unit of the panel's half size) + noise."""
    h, w = data.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = grad[0] * (xx / (w / 2) - 1) + grad[1] * (yy / (h / 2) - 1)
    if data.ndim == 3:
        ramp = ramp[..., None]
    rng = np.random.default_rng(seed)
    out = gain * data + offset + ramp + rng.normal(0, noise, data.shape).astype(np.float32)
    return out.astype(np.float32)


def header_of(wcs: WCS | None) -> dict:
    return {} if wcs is None else wcs_cards(wcs)


def on_plate(mosaic: np.ndarray, mosaic_wcs: WCS | None, plate: Plate,
             similarity_to_plate: np.ndarray | None = None) -> np.ndarray:
    """The mosaic resampled onto the plate's pixels (by WCS, or by a 3x3 canvas->plate matrix)."""
    from reproject import reproject_interp

    def plane(a: np.ndarray) -> np.ndarray:
        if similarity_to_plate is None:
            out, _ = reproject_interp((a, mosaic_wcs), plate.wcs, shape_out=plate.data.shape[:2], order=1)
            return out.astype(np.float32)
        inv = np.linalg.inv(similarity_to_plate)  # plate -> canvas
        h, w = plate.data.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        cx = inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2]
        cy = inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2]
        return ndimage.map_coordinates(a, [cy, cx], order=1, mode="constant", cval=np.nan).astype(np.float32)

    if mosaic.ndim == 2:
        return plane(mosaic)
    return np.stack([plane(mosaic[..., c]) for c in range(mosaic.shape[2])], -1)


def smooth(a: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Gaussian smoothing that ignores NaN (and keeps them)."""
    ok = np.isfinite(a)
    num = ndimage.gaussian_filter(np.where(ok, a, 0).astype(np.float64), sigma)
    den = ndimage.gaussian_filter(ok.astype(np.float64), sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok & (den > 0.5), num / den, np.nan).astype(np.float32)


def global_fit_error(result: np.ndarray, original: np.ndarray, sigma: float = 3.0) -> dict[str, float]:
    """Fit result = g * original + o over pixels both have (per channel); error figures
    relative to the original's robust spread (1st..99th percentile). Both are smoothed by a
    ``sigma`` px Gaussian first: two resamplings soften star peaks, which is not a mosaic
    error (and would bias a least-squares gain low)."""
    out = {}
    chans = 1 if original.ndim == 2 else original.shape[2]
    errs, spreads = [], []
    for c in range(chans):
        a = smooth(original if chans == 1 else original[..., c], sigma)
        b = smooth(result if chans == 1 else result[..., c], sigma)
        ok = np.isfinite(a) & np.isfinite(b)
        g, o = np.polyfit(a[ok].astype(np.float64), b[ok].astype(np.float64), 1)
        resid = (b[ok] - o) / g - a[ok]
        p1, p99 = np.percentile(a[ok], [1, 99])
        errs.append(float(np.median(np.abs(resid))))
        spreads.append(float(p99 - p1))
        out[f"gain{c}"] = float(g)
    out["median_abs_error_frac"] = max(e / s for e, s in zip(errs, spreads))
    out["coverage"] = float(np.isfinite(result if result.ndim == 2 else result.sum(-1)).mean())
    return out


def panel_mask_on_plate(plate_shape: tuple[int, int], y0: int, x0: int, h: int, w: int,
                        rot_deg: float) -> np.ndarray:
    """Plate pixels that a :func:`cut_panel` panel covers."""
    th = math.radians(rot_deg)
    r = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    cp = np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    co = np.array([x0 + (w - 1) / 2.0, y0 + (h - 1) / 2.0])
    yy, xx = np.mgrid[0:plate_shape[0], 0:plate_shape[1]].astype(np.float64)
    d = np.stack([xx - co[0], yy - co[1]])
    inv = r.T
    px = inv[0, 0] * d[0] + inv[0, 1] * d[1] + cp[0]
    py = inv[1, 0] * d[0] + inv[1, 1] * d[1] + cp[1]
    return (px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)


def cut_matrix(y0: int, x0: int, h: int, w: int, rot_deg: float) -> np.ndarray:
    """3x3 matrix taking a cut panel's pixel (x, y) to the plate's."""
    th = math.radians(rot_deg)
    r = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    t = np.array([x0 + (w - 1) / 2.0, y0 + (h - 1) / 2.0]) - r @ np.array([(w - 1) / 2.0, (h - 1) / 2.0])
    m = np.eye(3)
    m[:2, :2], m[:2, 2] = r, t
    return m


def _clipped_mean(v: np.ndarray) -> float:
    """Mean within 4 MADs of the median. A mean, not a median: resampling blurs panels by
    different amounts, which moves a crowded field's median but conserves its mean."""
    v = v[np.isfinite(v)]
    med = np.median(v)
    mad = 1.4826 * np.median(np.abs(v - med)) or 1e-12
    return float(np.mean(v[np.abs(v - med) < 4 * mad]))


def seam_steps(result: np.ndarray, original: np.ndarray, masks: list[np.ndarray],
               width: int = 4) -> list[float]:
    """For each pair of overlapping panels: the jump of (result - global fit of the
    original) across their overlap (the seam zone a feathered blend spreads the transition
    over), clipped mean of a ``width`` px strip on one panel's side minus the other's (per
    channel, largest), in the result's units."""
    chans = 1 if original.ndim == 2 else original.shape[2]
    resid = []
    for c in range(chans):
        # 3 px: the result went through two resamplings; compared unsmoothed, its softer
        # stars make a least-squares gain read low and the residual follow star density.
        a = smooth(original if chans == 1 else original[..., c], 3.0)
        b = smooth(result if chans == 1 else result[..., c], 3.0)
        ok = np.isfinite(a) & np.isfinite(b)
        g, o = np.polyfit(a[ok].astype(np.float64), b[ok].astype(np.float64), 1)
        resid.append(b - (g * a + o))
    steps = []
    for k in range(len(masks)):
        for q in range(k + 1, len(masks)):
            overlap = masks[k] & masks[q]
            if overlap.sum() < 500:
                continue
            near = ndimage.binary_dilation(overlap, iterations=width)
            a_side = near & masks[k] & ~masks[q]
            b_side = near & masks[q] & ~masks[k]
            if a_side.sum() < 50 or b_side.sum() < 50:
                continue
            steps.append(max(abs(_clipped_mean(r[a_side]) - _clipped_mean(r[b_side])) for r in resid))
    return steps
