"""Sub-pixel alignment of two exposures of the same field (fixes colour fringes in LRGB)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import fft as sfft
from scipy import ndimage
from scipy.signal.windows import tukey

from filters._common import as_image, luminance, per_channel
from filters.messages import M_
from filters.gaussian import gaussian_blur

#: Scale (px) of the sky background removed before matching.
BACKGROUND_SIGMA = 16.0
#: Largest central crop (px a side) used to measure a translation; ample for star fields.
MAX_SIZE = 2048


def _check_same_size(reference: np.ndarray, moving: np.ndarray) -> None:
    if reference.shape[:2] != moving.shape[:2]:
        raise ValueError(
            M_("cannot align images of different sizes: reference {reference} vs moving {moving}; "
               "crop or resample one of them first", reference=reference.shape[:2], moving=moving.shape[:2])
        )


def _prepare(img: np.ndarray, crop: tuple[slice, slice]) -> tuple[np.ndarray, np.ndarray]:
    """Two versions of the signal worth matching, edges tapered.

    ``fine``: a band-pass (lightly smoothed, sky background removed), a linear filter, so it
    keeps the sub-pixel information unbiased. ``coarse``: only what stands 2 sigma above the
    noise, so the sensor's fixed pattern noise (which sits still while the sky moves, and
    dominates short uncalibrated subframes) cannot pull the match to zero shift.
    """
    y = np.array(luminance(as_image(img))[crop], dtype=np.float32)
    finite = np.isfinite(y)
    y[~finite] = np.median(y[finite]) if finite.any() else 0.0
    fine = ndimage.gaussian_filter(y, 1.0, mode="nearest") - gaussian_blur(y, BACKGROUND_SIGMA)
    noise = 1.4826 * float(np.median(np.abs(fine - np.median(fine))))
    coarse = np.maximum(fine - 2.0 * noise, 0)
    # A Tukey taper stops the image borders (periodic to the FFT) from correlating.
    taper = tukey(y.shape[0], 0.25)[:, None] * tukey(y.shape[1], 0.25)[None, :]
    return fine * taper, coarse * taper


def _spectrum(a: np.ndarray, b: np.ndarray, real: bool = True) -> np.ndarray:
    """Normalised cross-power spectrum (half-spectrum with ``real``, for the inverse FFT)."""
    fwd = sfft.rfft2 if real else sfft.fft2
    spec = np.conj(fwd(a, workers=2)) * fwd(b, workers=2)
    # Half-way between cross-correlation (robust to noise) and phase correlation (sharp peak
    # on nebulae): measured the most accurate of the three on noisy star fields.
    spec /= np.sqrt(np.abs(spec) + 1e-12 * np.abs(spec).max())
    return spec


def _dft_around(spec: np.ndarray, centre: tuple[float, float], n: int, step: float) -> np.ndarray:
    """Cross-correlation at an n x n grid of shifts ``centre + (k - n//2) * step``: the
    inverse DFT evaluated only where needed (Guizar-Sicairos' matrix-multiply DFT)."""
    h, w = spec.shape
    offs = (np.arange(n) - n // 2) * step
    ky = np.exp(2j * np.pi * np.outer(centre[0] + offs, sfft.fftfreq(h)))
    kx = np.exp(2j * np.pi * np.outer(sfft.fftfreq(w), centre[1] + offs))
    return (ky @ spec @ kx).real


def _parabola_peak(v: np.ndarray, i: int) -> float:
    """Sub-sample offset of a peak at index ``i`` from a parabola through 3 values."""
    if 0 < i < len(v) - 1:
        den = v[i - 1] - 2 * v[i] + v[i + 1]
        if den < 0:
            return float(0.5 * (v[i - 1] - v[i + 1]) / den)
    return 0.0


def register_translation(
    reference: np.ndarray, moving: np.ndarray, *, upsample: int = 100
) -> tuple[float, float]:
    """Measure how far ``moving`` is shifted relative to ``reference``, to a fraction of a pixel.

    Returns the shift ``(dy, dx)`` in pixels that was applied to ``reference`` to give
    ``moving``: ``shift_image(reference, dy, dx)`` looks like ``moving``, and
    ``shift_image(moving, -dy, -dx)`` aligns ``moving`` onto ``reference``. Colour images are
    compared by their luminance; NaN pixels are ignored. Only translation is measured; for
    rotated or rescaled frames use :func:`register_similarity`.

    Parameters
    ----------
    reference, moving : ndarray, (H, W) or (H, W, C), the same H and W
    upsample : int
        Resolution of the refinement: 1/upsample px (then a parabola fit).

    Raises
    ------
    ValueError
        If the two images differ in size (the message names both shapes).

    Notes
    -----
    Cross-correlation with the spectrum's amplitude square-rooted (between plain and phase
    correlation), ``IFFT(conj(F_ref) F_mov / sqrt|F_ref F_mov|)``, on the central
    ``MAX_SIZE`` (2048) px crop after a Tukey taper. The integer peak comes from the signal
    above 2 sigma (immune to fixed-pattern noise); it is refined on the band-passed images by
    evaluating the correlation on a 1/``upsample`` px grid around it with a matrix-multiply
    DFT (Guizar-Sicairos et al. 2008). Tested accuracy: within 0.02 px on noisy synthetic star
    fields, consistent offsets on real subframes.
    """
    ref = as_image(reference, "reference")
    mov = as_image(moving, "moving")
    _check_same_size(ref, mov)
    h, w = ref.shape[:2]
    ch, cw = min(h, MAX_SIZE), min(w, MAX_SIZE)
    crop = (slice((h - ch) // 2, (h - ch) // 2 + ch), slice((w - cw) // 2, (w - cw) // 2 + cw))
    (fine_a, coarse_a), (fine_b, coarse_b) = _prepare(ref, crop), _prepare(mov, crop)
    cc = sfft.irfft2(_spectrum(coarse_a, coarse_b), s=(ch, cw), workers=2)
    py, px = np.unravel_index(int(np.argmax(cc)), cc.shape)
    peak: tuple[float, float] = (py - ch if py > ch // 2 else py, px - cw if px > cw // 2 else px)
    spec = _spectrum(fine_a, fine_b, real=False)
    # Two refinement rounds on the unbiased spectrum: 1/10 px over +-1 px, then
    # 1/upsample px over +-10/upsample px, each finished by a parabola through the peak.
    for n, step in ((21, 0.1), (21, 1.0 / max(10, upsample))):
        grid = _dft_around(spec, peak, n, step)
        iy, ix = np.unravel_index(int(np.argmax(grid)), grid.shape)
        fy, fx = _parabola_peak(grid[:, ix], iy), _parabola_peak(grid[iy, :], ix)
        peak = (peak[0] + (iy - n // 2 + fy) * step, peak[1] + (ix - n // 2 + fx) * step)
    return float(peak[0]), float(peak[1])


def shift_image(img: np.ndarray, dy: float, dx: float, *, order: int = 3) -> np.ndarray:
    """Move the image content by (dy, dx) pixels (sub-pixel), NaN where nothing came in.

    ``out[y, x] = img[y - dy, x - dx]`` by cubic spline interpolation (``order`` 1 for
    bilinear, which never overshoots around stars). Pixels that come from outside the image
    are NaN (missing), so later steps know the border has no data. NaN pixels of the input
    stay missing at their new place.
    """
    img = as_image(img)

    def plane(x: np.ndarray) -> np.ndarray:
        valid = np.isfinite(x)
        if valid.all():
            return ndimage.shift(x, (dy, dx), order=order, mode="constant", cval=np.nan)
        # A spline would spread NaN along whole rows: shift zero-filled data and the mask.
        filled = np.where(valid, x, np.float32(np.nanmedian(x) if valid.any() else 0))
        out = ndimage.shift(filled, (dy, dx), order=order, mode="constant", cval=np.nan)
        m = ndimage.shift(valid.astype(np.float32), (dy, dx), order=1, mode="constant", cval=0)
        out[m < 0.999] = np.nan
        return out

    return per_channel(plane, img)


def align_to(reference: np.ndarray, moving: np.ndarray, *, order: int = 3) -> np.ndarray:
    """``moving`` translated onto ``reference`` (see :func:`register_translation`)."""
    dy, dx = register_translation(reference, moving)
    return shift_image(moving, -dy, -dx, order=order)


def register_similarity(reference: np.ndarray, moving: np.ndarray) -> dict[str, Any]:
    """Rotation, scale and shift between two star fields, by star-triangle matching.

    Uses astroalign (asterism matching of detected stars), so it handles frames rotated by a
    meridian flip or taken with another camera. Returns ``matrix`` (3x3, maps reference
    pixel (x, y, 1) to moving), ``rotation_deg``, ``scale``, ``dy``, ``dx``; warp with
    :func:`warp_similarity`.

    Raises
    ------
    ValueError
        If the sizes differ or too few matching stars are found.
    """
    import astroalign  # imported here: slowish import, only needed for this operation

    ref = np.nan_to_num(luminance(as_image(reference, "reference")))
    mov = np.nan_to_num(luminance(as_image(moving, "moving")))
    _check_same_size(ref, mov)
    try:
        t, _ = astroalign.find_transform(ref, mov)
    except (astroalign.MaxIterError, ValueError) as exc:
        raise ValueError(M_("could not match stars between the two images: {error}", error=exc)) from None
    return {
        "matrix": np.asarray(t.params, dtype=float),
        "rotation_deg": float(np.degrees(t.rotation)),
        "scale": float(t.scale),
        "dy": float(t.translation[1]),
        "dx": float(t.translation[0]),
    }


def warp_similarity(moving: np.ndarray, matrix: np.ndarray, *, order: int = 3) -> np.ndarray:
    """Resample ``moving`` onto the reference grid given :func:`register_similarity`'s
    ``matrix``; NaN where the reference grid falls outside ``moving``."""
    m = np.asarray(matrix, dtype=float)
    # ndimage works in (row, col): swap x/y of the 2x2 part and of the offset.
    mat = np.array([[m[1, 1], m[1, 0]], [m[0, 1], m[0, 0]]])
    offset = np.array([m[1, 2], m[0, 2]])
    return per_channel(
        lambda x: ndimage.affine_transform(
            np.nan_to_num(x), mat, offset=offset, order=order, mode="constant", cval=np.nan
        ),
        as_image(moving),
    )
