"""Registering frames on a reference: stars, a similarity transform, sub-pixel resampling.

1. **Stars** (:func:`detect_stars`): the frame minus its background (``sep``, SExtractor's
   algorithm), smoothed by a 1 px Gaussian (a matched filter for typical 2-5 px stars, so faint
   stars in short subframes are found), objects above ``threshold`` sigma of the smoothed noise;
   hot pixels (sharper than any star) left out; windowed centroids (``sep.winpos``, ~0.02 px on
   bright stars); FWHM as twice the half-flux radius measured on the unsmoothed frame.
2. **Match** (:func:`find_transform`): astroalign's asterism (triangle) matching on the 50
   brightest stars gives a first similarity transform (rotation, scale, shift), which then is
   refined by least squares on every star pair it predicts within 2 px, with ~3-sigma clipping
   of bad pairs: many stars make it accurate to a few hundredths of a pixel. Frames with too few
   stars fall back to translation by phase correlation (:func:`filters.register_translation`),
   checked on the stars when there are some.
3. **Resample** (:func:`warp`): cubic B-spline interpolation (``scipy.ndimage.affine_transform``,
   ``order=3``, with its spline prefilter: "bicubic spline"), NaN where the reference grid
   falls outside the frame, so borders count as missing data, not as black.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from editor.locale import D_, tr
from editor.stacking.frames import StackError

MAX_CONTROL = 50  # stars handed to astroalign's triangle matcher
MIN_STARS = 6


class RegistrationError(StackError):
    """This frame could not be laid on the reference; it is skipped, the run goes on."""


@dataclass
class Stars:
    xy: np.ndarray  # (n, 2) x, y in pixels, brightest first
    flux: np.ndarray
    fwhm: float  # median FWHM in pixels (NaN if no star)
    noise: float  # background sigma of the frame

    def __len__(self) -> int:
        return len(self.xy)


@dataclass
class Transform:
    """Maps reference pixel (x, y, 1) to the frame's pixel (x, y)."""

    matrix: np.ndarray
    method: str = "identity"
    matched: int = 0
    rms: float = 0.0  # residual of the star fit, px

    @property
    def scale(self) -> float:
        return float(np.hypot(self.matrix[0, 0], self.matrix[1, 0]))

    @property
    def rotation_deg(self) -> float:
        return float(np.degrees(np.arctan2(self.matrix[1, 0], self.matrix[0, 0])))

    @property
    def shift(self) -> tuple[float, float]:
        """(dx, dy) of the reference's origin in the frame."""
        return float(self.matrix[0, 2]), float(self.matrix[1, 2])

    def describe(self) -> str:
        dx, dy = self.shift
        # English data (FITS HISTORY of the master) that localise() shows translated
        if self.matched:
            return D_("{method}: dx {dx:+.2f} dy {dy:+.2f} px, rotation {angle:+.3f} deg, scale "
                      "{scale:.5f}, {stars} stars, rms {rms:.3f} px", method=self.method, dx=dx, dy=dy,
                      angle=self.rotation_deg, scale=self.scale, stars=self.matched, rms=self.rms)
        return D_("{method}: dx {dx:+.2f} dy {dy:+.2f} px, rotation {angle:+.3f} deg, scale {scale:.5f}",
                  method=self.method, dx=dx, dy=dy, angle=self.rotation_deg, scale=self.scale)


IDENTITY = Transform(np.eye(3))


def luminance(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else img.mean(axis=2, dtype=np.float32)


def detect_stars(lum: np.ndarray, *, threshold: float = 5.0, max_stars: int = 800) -> Stars:
    """Stars of a mono/luminance frame (see the module notes)."""
    import sep

    data = np.array(lum, dtype=np.float32, order="C", copy=True)  # sep wants it writable
    finite = np.isfinite(data)
    if not finite.any():
        return Stars(np.zeros((0, 2)), np.zeros(0), float("nan"), float("nan"))
    if not finite.all():
        data = np.where(finite, data, np.float32(np.median(data[finite])))
    bkg = sep.Background(data, bw=64, bh=64)
    flat = data - bkg.back()
    smooth = ndimage.gaussian_filter(flat, 1.0)
    sample = smooth[::2, ::2]
    sigma = 1.4826 * float(np.median(np.abs(sample - np.median(sample))))
    if not sigma > 0:
        return Stars(np.zeros((0, 2)), np.zeros(0), float("nan"), float(bkg.globalrms))
    sep.set_extract_pixstack(max(300_000, data.size // 4))
    sep.set_sub_object_limit(4096)
    try:
        objects = sep.extract(smooth, threshold * sigma, minarea=5, filter_kernel=None)
    except Exception:  # sep raises bare Exception when its buffers overflow (dense fields)
        objects = sep.extract(smooth, 3 * threshold * sigma, minarea=5, filter_kernel=None)
    # not touching the border, not blended with a neighbour beyond repair
    h, w = data.shape
    ok = (objects["x"] > 3) & (objects["x"] < w - 4) & (objects["y"] > 3) & (objects["y"] < h - 4)
    # a hot pixel after the 1 px smoothing has sigma ~1.0; even a 2 px FWHM star has ~1.3
    ok &= np.sqrt(objects["a"] * objects["b"]) > 1.15
    objects = objects[ok]
    objects = objects[np.argsort(objects["flux"])[::-1][:max_stars]]
    if len(objects) == 0:
        return Stars(np.zeros((0, 2)), np.zeros(0), float("nan"), float(bkg.globalrms))
    sig = np.clip(np.sqrt(objects["a"] * objects["b"]), 0.8, 5.0)
    x, y, _ = sep.winpos(smooth, objects["x"], objects["y"], sig)
    bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.hypot(x - objects["x"], y - objects["y"]) > 2)
    x, y = np.where(bad, objects["x"], x), np.where(bad, objects["y"], y)
    radius, _ = sep.flux_radius(flat, x, y, np.full(len(x), 6.0) * sig, 0.5, subpix=5)
    fwhm = 2.0 * radius[np.isfinite(radius) & (radius > 0)]
    return Stars(np.column_stack([x, y]), np.asarray(objects["flux"]),
                 float(np.median(fwhm)) if fwhm.size else float("nan"), float(bkg.globalrms))


def _fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares x' = a x - b y + tx, y' = b x + a y + ty (rotation + scale + shift)."""
    n = len(src)
    A = np.zeros((2 * n, 4))
    A[0::2] = np.column_stack([src[:, 0], -src[:, 1], np.ones(n), np.zeros(n)])
    A[1::2] = np.column_stack([src[:, 1], src[:, 0], np.zeros(n), np.ones(n)])
    (a, b, tx, ty), *_ = np.linalg.lstsq(A, dst.reshape(-1), rcond=None)
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def _apply(matrix: np.ndarray, xy: np.ndarray) -> np.ndarray:
    return xy @ matrix[:2, :2].T + matrix[:2, 2]


def refine(matrix: np.ndarray, ref: Stars, mov: Stars, radius: float = 2.0,
           translation_only: bool = False) -> Transform | None:
    """Re-fit ``matrix`` on every star pair it predicts within ``radius`` px (3-sigma clipped)."""
    from scipy.spatial import cKDTree

    if len(ref) < 3 or len(mov) < 3:
        return None
    tree = cKDTree(mov.xy)
    dist, idx = tree.query(_apply(matrix, ref.xy), distance_upper_bound=radius)
    pairs = np.isfinite(dist)
    src, dst = ref.xy[pairs], mov.xy[idx[pairs]]
    if len(src) < 3:
        return None
    keep = np.ones(len(src), dtype=bool)
    for _ in range(4):
        if translation_only:
            m = np.eye(3)
            m[:2, 2] = np.median(dst[keep] - src[keep], axis=0)
        else:
            m = _fit_similarity(src[keep], dst[keep])
        resid = np.hypot(*(_apply(m, src) - dst).T)
        rms = float(np.sqrt(np.mean(resid[keep] ** 2)))
        # clip on the median distance (x 2.5: ~3 sigma for 2-D Gaussian errors), which one
        # bad pair cannot inflate as it inflates the rms
        new_keep = resid < max(2.5 * float(np.median(resid[keep])), 0.05)
        if new_keep.sum() < 3 or (new_keep == keep).all():
            break
        keep = new_keep
    return Transform(m, D_("translation") if translation_only else D_("similarity"),
                     int(keep.sum()), rms)


def find_transform(ref: Stars, mov: Stars, ref_lum: np.ndarray, mov_lum: np.ndarray) -> Transform:
    """The transform laying ``mov`` on ``ref`` (reference pixel -> frame pixel), or
    :class:`RegistrationError` with the reason."""
    reason = ""
    if len(ref) >= MIN_STARS and len(mov) >= MIN_STARS:
        import astroalign

        try:
            t, _ = astroalign.find_transform(ref.xy[:MAX_CONTROL], mov.xy[:MAX_CONTROL])
            result = refine(np.asarray(t.params, float), ref, mov)
            if result is not None and result.matched >= MIN_STARS:
                return result
            reason = tr("star triangles matched but too few stars confirmed the transform")
        except (astroalign.MaxIterError, ValueError, TypeError) as exc:
            reason = tr("no star pattern in common ({why})").format(why=str(exc).split('.')[0])
    else:
        reason = tr("too few stars ({found} found, {needed} needed) for star matching").format(
            found=len(mov), needed=MIN_STARS)
    return _translation_fallback(ref, mov, ref_lum, mov_lum, reason)


def _translation_fallback(ref: Stars, mov: Stars, ref_lum: np.ndarray, mov_lum: np.ndarray,
                          reason: str) -> Transform:
    from filters import register_translation

    dy, dx = register_translation(ref_lum, mov_lum)
    dx, dy = refine_translation(ref_lum, mov_lum, dx, dy)
    matrix = np.array([[1.0, 0, dx], [0, 1.0, dy], [0, 0, 1.0]])
    found = 0
    if len(ref) >= 3 and len(mov) >= 3:
        refined = refine(matrix, ref, mov, radius=1.5, translation_only=True)
        needed = max(3, int(0.25 * min(len(ref), len(mov))))
        if refined is not None and refined.matched >= needed:
            if refined.matched >= MIN_STARS:  # enough stars to measure the shift on them
                refined.method = D_("translation (phase correlation, star-checked)")
                return refined
            # a few noisy stars confirm the shift but would measure it worse than the image
            return Transform(matrix, D_("translation (phase correlation, confirmed by {n} stars)",
                                        n=refined.matched))
        found = 0 if refined is None else refined.matched
    # Too few reliable stars (short, noisy subframes): check that the shift lines the smoothed
    # frames up far better than nearby wrong shifts do.
    h, w = ref_lum.shape
    if abs(dx) < 0.25 * w and abs(dy) < 0.25 * h:
        score, null = shift_contrast(ref_lum, mov_lum, dx, dy)
        if score > 0.2 and score > 2.5 * null:
            return Transform(matrix, D_("translation (phase correlation, correlation {score:.2f} vs "
                                        "{null:.2f} off-peak)", score=score, null=null))
    raise RegistrationError(tr("{reason}; the phase-correlation shift ({dx:+.1f}, {dy:+.1f}) px "
                            "is confirmed neither by the stars ({found} matched) nor by the "
                            "image correlation").format(reason=reason, dx=dx, dy=dy, found=found))


def _bandpass(img: np.ndarray, step: int) -> np.ndarray:
    """Stars and nebulae only: hot pixels median-filtered out, background removed, and only
    what stands 2 sigma above the noise kept (so fixed-pattern noise cannot vote)."""
    x = ndimage.median_filter(np.nan_to_num(np.asarray(img, np.float32)[::step, ::step]), 3)
    band = ndimage.gaussian_filter(x, 1.5) - ndimage.gaussian_filter(x, 12.0)
    sigma = 1.4826 * float(np.median(np.abs(band - np.median(band))))
    return np.maximum(band - 2 * sigma, 0)


def refine_translation(ref: np.ndarray, mov: np.ndarray, dx: float,
                       dy: float) -> tuple[float, float]:
    """The shift near (dx, dy) that maximises the correlation of the frames' stars.

    Phase correlation of short, noisy subframes with soft stars can stall a few tenths of a
    pixel off; the cross-correlation of the thresholded star images (see :func:`_bandpass`)
    has a broad, smooth peak whose summit a quadratic fit on the 3x3 samples around the best
    integer shift locates to a few hundredths of a pixel.
    """
    a, b = _bandpass(ref, 1), _bandpass(mov, 1)
    h, w = a.shape
    cc = np.fft.irfft2(np.conj(np.fft.rfft2(a)) * np.fft.rfft2(b), s=(h, w))
    iy, ix = int(round(dy)), int(round(dx))
    best = max(((cc[(iy + u) % h, (ix + v) % w], iy + u, ix + v)
                for u in range(-2, 3) for v in range(-2, 3)))
    _, py, px = best
    win = np.array([[cc[(py + u) % h, (px + v) % w] for v in (-1, 0, 1)] for u in (-1, 0, 1)])
    # f(u, v) = c0 + c1 u + c2 v + c3 u^2 + c4 v^2 + c5 u v, least squares on the 9 samples
    uu, vv = np.mgrid[-1:2, -1:2]
    A = np.column_stack([np.ones(9), uu.ravel(), vv.ravel(), uu.ravel() ** 2, vv.ravel() ** 2,
                         (uu * vv).ravel()])
    c = np.linalg.lstsq(A, win.ravel(), rcond=None)[0]
    hess = np.array([[2 * c[3], c[5]], [c[5], 2 * c[4]]])
    if np.linalg.det(hess) <= 0 or hess[0, 0] >= 0:
        return dx, dy  # not a clean maximum: keep the phase-correlation estimate
    du, dv = np.linalg.solve(hess, -c[1:3])
    if abs(du) > 1 or abs(dv) > 1:
        return dx, dy
    return float(px + dv), float(py + du)


def shift_contrast(ref: np.ndarray, mov: np.ndarray, dx: float, dy: float) -> tuple[float, float]:
    """Correlation of the band-passed frames at shift (dx, dy), and the largest correlation at
    8 shifts 10 px (of the half-size copies) away from it: a true match stands out."""
    step = 2 if min(ref.shape) > 600 else 1
    a, b = _bandpass(ref, step), _bandpass(mov, step)

    def corr(sx: float, sy: float) -> float:
        moved = ndimage.shift(b, (-sy / step, -sx / step), order=1, mode="constant", cval=np.nan)
        ok = np.isfinite(moved)
        if ok.sum() < 100:
            return 0.0
        u, v = a[ok] - a[ok].mean(), moved[ok] - moved[ok].mean()
        return float((u * v).sum() / np.sqrt((u * u).sum() * (v * v).sum() + 1e-30))

    off = 10 * step
    nulls = [abs(corr(dx + ox, dy + oy)) for ox in (-off, 0, off) for oy in (-off, 0, off)
             if (ox, oy) != (0, 0)]
    return corr(dx, dy), float(max(nulls))


INTERPOLATIONS = ("bspline", "lanczos3", "bicubic", "bilinear")
_RADIUS = {"lanczos3": 3, "bicubic": 2}


def _kernel(name: str, t: np.ndarray) -> np.ndarray:
    """Interpolation weights at distance ``t`` (px): Lanczos-3, or Keys' cubic convolution with
    a = -0.75 (OpenCV's INTER_CUBIC, which Siril 1.0's ``register`` command uses)."""
    a = np.abs(t)
    if name == "lanczos3":
        return np.where(a < 3, np.sinc(t) * np.sinc(t / 3), 0.0)
    k = -0.75
    return np.where(a <= 1, ((k + 2) * a - (k + 3)) * a * a + 1,
                    np.where(a < 2, ((k * a - 5 * k) * a + 8 * k) * a - 4 * k, 0.0))


def _convolution_warp(x: np.ndarray, mat: np.ndarray, offset: np.ndarray, kernel: str,
                      rows: int = 256) -> np.ndarray:
    """Affine resampling by a separable interpolation kernel (scipy's ndimage offers splines
    only), in bands of output rows so memory stays a few copies of one band. Output pixels
    whose kernel footprint leaves the frame are NaN, like the spline path."""
    r = _RADIUS[kernel]
    h, w = x.shape
    out = np.empty((h, w), np.float32)
    cols = np.arange(w, dtype=np.float64)
    taps = np.arange(-r + 1, r + 1)
    for top in range(0, h, rows):
        yy = np.arange(top, min(top + rows, h), dtype=np.float64)[:, None]
        sy = mat[0, 0] * yy + mat[0, 1] * cols[None, :] + offset[0]
        sx = mat[1, 0] * yy + mat[1, 1] * cols[None, :] + offset[1]
        iy, ix = np.floor(sy).astype(np.int64), np.floor(sx).astype(np.int64)
        fy, fx = sy - iy, sx - ix
        inside = (iy - r + 1 >= 0) & (iy + r < h) & (ix - r + 1 >= 0) & (ix + r < w)
        iy, ix = np.clip(iy, r - 1, h - r - 1), np.clip(ix, r - 1, w - r - 1)
        wy = [_kernel(kernel, fy - t) for t in taps]
        wx = [_kernel(kernel, fx - t) for t in taps]
        norm_x, norm_y = sum(wx), sum(wy)  # Lanczos weights sum to 1 only approximately
        acc = np.zeros(sy.shape, np.float64)
        for ty, wyt in zip(taps, wy):
            row = np.zeros(sy.shape, np.float64)
            for tx, wxt in zip(taps, wx):
                row += wxt * x[iy + ty, ix + tx]
            acc += wyt * row
        band = acc / (norm_x * norm_y)
        band[~inside] = np.nan
        out[top:top + band.shape[0]] = band
    return out


def warp(img: np.ndarray, transform: Transform, *, interpolation: str = "bspline") -> np.ndarray:
    """``img`` resampled onto the reference grid, NaN outside the frame. ``interpolation``:
    "bspline" (cubic B-spline, ndimage order 3), "lanczos3", "bicubic" (Keys a = -0.75) or
    "bilinear"; see the README for what each does to noise and star width."""
    if interpolation not in INTERPOLATIONS:
        raise StackError(tr("interpolation must be one of {text}").format(text=', '.join(INTERPOLATIONS)))
    m = transform.matrix
    if np.allclose(m, np.eye(3)):
        return np.array(img, dtype=np.float32, copy=True)
    # ndimage maps output (row, col) to input (row, col): swap x/y of the matrix.
    mat = np.array([[m[1, 1], m[1, 0]], [m[0, 1], m[0, 0]]])
    offset = np.array([m[1, 2], m[0, 2]])
    order = 1 if interpolation == "bilinear" else 3

    def plane(x: np.ndarray) -> np.ndarray:
        valid = np.isfinite(x)
        filled = x if valid.all() else np.where(valid, x, np.float32(np.nanmedian(x)))
        filled = filled.astype(np.float32, copy=False)
        if interpolation in _RADIUS:
            out = _convolution_warp(filled, mat, offset, interpolation)
        else:
            out = ndimage.affine_transform(filled, mat, offset=offset, order=order,
                                           mode="constant", cval=np.nan)
        if not valid.all():  # keep missing photosites missing at their new place
            cover = ndimage.affine_transform(valid.astype(np.float32), mat, offset=offset,
                                             order=1, mode="constant", cval=0.0)
            out[cover < 0.999] = np.nan
        return out

    if img.ndim == 2:
        return plane(img)
    return np.stack([plane(img[..., c]) for c in range(img.shape[2])], axis=2)
