"""The club's "high-pass contrast mask" and a mask that measures local calm directly."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage

from filters._common import (LUMA_WEIGHTS, as_image, has_nan, luminance, report, run_row_bands,
                             scratch)
from filters.gaussian import (_same_grid, blur_on_grid, blur_or_highpass, coarse_positions,
                              expand_coarse, gaussian_blur, uses_coarse_field)
from filters.levels import levels_curve, levels_kernel
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: The mask is finished on the shrunk grid when ``blur >= GRID_BLUR * grid step``.
GRID_BLUR = 1.0


def _finish_mask(
    m: np.ndarray, nan_pixels: np.ndarray | None, black: float, midtone: float, white: float,
    invert: bool,
) -> np.ndarray:
    """Levels on the mask, clipped to 0..1, optionally inverted; missing pixels -> 0."""
    out = levels_curve(m, black, midtone, white, clip=True)
    if invert:
        np.subtract(np.float32(1), out, out=out)
    if nan_pixels is not None:
        out[nan_pixels] = 0.0
    if has_nan(out):  # far from any valid pixel the blurs have nothing to average
        np.nan_to_num(out, copy=False, nan=0.0)
    return out


def _nan_pixels(img: np.ndarray) -> np.ndarray | None:
    """Where any channel is missing, or None (the common case, found in one fast pass)."""
    if not has_nan(img):
        return None
    return ~np.isfinite(luminance(img))


def _distance_from_grey(img: np.ndarray, radius: float, on_grid: tuple | None) -> np.ndarray:
    """``Y(|0.5 - G_radius * img|)`` at full size, one channel at a time: an RGB blur and its
    ``|.|`` held at once cost 6 planes (2.3 GiB on a 100 MP mosaic) where this needs 2."""
    weights = (None,) if img.ndim == 2 else LUMA_WEIGHTS
    m: np.ndarray | None = None
    for c, wt in enumerate(weights):
        if on_grid is not None:
            small, grid = on_grid
            g = grid.expand(small if img.ndim == 2 else np.ascontiguousarray(small[..., c]))
        else:
            plane = img if img.ndim == 2 else img[..., c]
            g = blur_or_highpass(plane, radius) if radius > 0 else plane.copy()
        np.subtract(np.float32(0.5), g, out=g)
        np.abs(g, out=g)
        if wt is None:
            return g
        if m is None:
            m = np.multiply(g, wt, out=g)
        else:
            g *= wt
            m += g
    assert m is not None
    return m


def _smoothed_distance(img: np.ndarray, radius: float, blur: float) -> np.ndarray:
    """``G_blur * Y(|0.5 - G_radius * img|)``, the mask before its levels."""
    on_grid = blur_on_grid(img, radius) if radius > 0 else None
    # The |.| has a kink where the blur crosses 0.5; only a blur of about a grid step or more
    # hides the error of taking it on the grid.
    if on_grid is not None and blur >= GRID_BLUR * on_grid[1].f:
        small, grid = on_grid
        d = grid.clamp_edges(luminance(np.abs(np.float32(0.5) - small)))
        if blur > 0:
            valid = np.isfinite(d)
            d0 = np.where(valid, d, np.float32(0))
            sig = blur / grid.f
            num = ndimage.gaussian_filter(d0, sig, mode="nearest")
            den = ndimage.gaussian_filter(valid.astype(np.float32), sig, mode="nearest")
            with np.errstate(invalid="ignore", divide="ignore"):
                d = np.where(den > 1e-6, num / den, np.float32(np.nan)).astype(np.float32)
        return grid.expand(d)
    m = _distance_from_grey(img, radius, on_grid)
    if blur > 0:
        m = gaussian_blur(m, blur)
    return m


def _expand_finished(coarse: np.ndarray, shape: tuple[int, int], frame: tuple | None,
                     extent: tuple | None, levels: tuple) -> np.ndarray:
    """``expand_coarse`` then the mask's levels and invert, in row bands that stay in cache
    (one write of the mask instead of four passes); the same arithmetic in the same order,
    so the same values."""
    band = _band_maker(coarse, shape, frame, extent, levels)
    if band is None:
        black, midtone, white, invert = levels
        m = expand_coarse(coarse, shape, frame, extent)
        return _finish_mask(m, None, black, midtone, white, invert)
    out = np.empty(shape, np.float32)
    run_row_bands(lambda sl: band(sl.start, sl.stop, out[sl]), shape[0], shape[1])
    return out


def _band_maker(coarse: np.ndarray, shape: tuple[int, int], frame: tuple | None,
                extent: tuple | None, levels: tuple) -> Callable | None:
    """``band(r0, r1, out)``: rows r0..r1 of the enlarged, levelled mask into ``out``; None
    where :func:`expand_coarse` takes another way (a 1-sample field, the field's own grid)."""
    black, midtone, white, invert = levels
    top, bottom, left, right = frame if frame is not None else (0.0, 1.0, 0.0, 1.0)
    ey, ex = extent if extent is not None else (None, None)
    c = np.asarray(coarse, np.float32)
    if c.ndim != 2 or min(c.shape) < 2 or (
            _same_grid(shape[0], top, bottom, ey, c.shape[0])
            and _same_grid(shape[1], left, right, ex, c.shape[1])):
        return None
    iy, ty = coarse_positions(shape[0], top, bottom, ey, c.shape[0])
    ix, tx = coarse_positions(shape[1], left, right, ex, c.shape[1])
    iy1, wy0, wy1 = iy + 1, (1 - ty)[:, None], ty[:, None]
    w0, ix1 = 1 - tx, ix + 1
    kernel = levels_kernel(black, midtone, white, clip=True)

    def band(r0: int, r1: int, o: np.ndarray) -> None:
        # The field's rows under r0..r1, c[iy] * (1 - ty) + c[iy + 1] * ty, made per band in
        # cache-sized buffers: for a whole tile at once, its fresh temporaries cost ~1 ms.
        n, cw = r1 - r0, c.shape[1]
        rows = scratch("cmask_y", n * cw, np.float32).reshape(n, cw)
        ry = scratch("cmask_y1", n * cw, np.float32).reshape(n, cw)
        np.take(c, iy[r0:r1], axis=0, out=rows, mode="wrap")
        rows *= wy0[r0:r1]
        np.take(c, iy1[r0:r1], axis=0, out=ry, mode="wrap")
        ry *= wy1[r0:r1]
        rows += ry
        # mode="wrap": the indices are in range (same values); numpy's bounds-checking
        # "raise" mode made each gather ~1.8x slower (a third of the mask's time at preview size)
        np.take(rows, ix, axis=1, out=o, mode="wrap")
        o *= w0
        t = scratch("cmask_t", o.size, np.float32).reshape(o.shape)
        np.take(rows, ix1, axis=1, out=t, mode="wrap")
        t *= tx
        o += t
        kernel(o, o)
        if invert:
            np.subtract(np.float32(1), o, out=o)

    return band


def contrast_mask_rows(shape: tuple[int, int], measured: dict, *, black: float = 0.0,
                       midtone: float = 1.0, white: float = 0.5, invert: bool = False,
                       **_recipe: object) -> Callable | None:
    """The mask of an image of ``shape`` with its coarse field ``measured`` as
    ``rows(img_rows, r0, r1) -> mask rows`` (a reused buffer), for a render that runs the
    layers on row chunks (``extra["rows"]``): the same values as :func:`contrast_mask` on
    the whole image. None when there is no coarse field (the mask needs the whole image)."""
    coarse = measured.get("coarse")
    if coarse is None:
        return None
    band = _band_maker(coarse, shape, measured.get("frame"), measured.get("canvas"),
                       (black, midtone, white, invert))
    if band is None:
        return None

    def rows(img: np.ndarray, r0: int, r1: int) -> np.ndarray:
        o = scratch("cmask_rows", (r1 - r0) * shape[1], np.float32).reshape(r1 - r0, shape[1])
        band(r0, r1, o)
        nan_pixels = _nan_pixels(img)
        if nan_pixels is not None:
            o[nan_pixels] = 0.0
        if has_nan(o):
            np.nan_to_num(o, copy=False, nan=0.0)
        return o

    return rows


def contrast_mask(
    img: np.ndarray,
    radius: float = 100.0,
    blur: float = 20.0,
    black: float = 0.0,
    midtone: float = 1.0,
    white: float = 0.5,
    invert: bool = False,
    *,
    measured: dict | None = None,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """The club's high-pass contrast mask, computed as Photoshop computes the recipe.

    The recipe: duplicate the layer, High Pass it at ``radius``, set the copy to Difference
    over the original, make it mono, Gaussian-blur it by ``blur`` to wipe the traces of bright
    nebulae, then Levels (``black``, ``midtone``, ``white``) and optionally invert. The
    Difference of the high pass and the original is ``|0.5 - blur(img, radius)|``: how far the
    *large-scale* brightness is from mid-grey. Dark sky, far below 0.5, gives a bright mask;
    regions whose smoothed brightness is near mid-grey (typically the nebula on stretched
    data) give a dark one, so with ``invert`` the mask selects them.

    How it differs from :func:`local_contrast_mask`: this mask follows the smoothed brightness
    (distance from mid-grey), not the amount of detail; :func:`local_contrast_mask` measures
    how much the image varies at scales below ``radius``.

    Parameters
    ----------
    radius : float
        High-pass radius (Gaussian sigma, px).
    blur : float
        Gaussian sigma (px) of the blur applied to the mono difference.
    black, midtone, white, invert
        Levels on the mask (as :func:`filters.levels` with ``clip=True``), then ``1 - mask``.

    Returns
    -------
    ndarray, float32, (H, W), 0..1. Missing (NaN) pixels are 0 (not selected).

    Notes
    -----
    ``d = Y(|0.5 - G_radius * x|)`` (Y = Rec. 709 luminance of the per-channel difference),
    ``mask = levels(G_blur * d)``. For ``radius >= 12`` and ``blur >= radius / 6`` every step
    before the levels is done on the shrunk grid of :func:`filters.gaussian_blur` (the result
    is smooth at that scale), within ~2e-3 of the full-resolution recipe (largest where the
    blur crosses 0.5); otherwise at full resolution.

    With ``measured`` from :func:`contrast_mask_measure` holding ``"coarse"`` (``G_blur * d``
    computed on a reduced copy of the whole image), only the levels run here, on its bilinear
    enlargement onto ``measured["frame"]``: a region or tile needs no border.
    """
    img = as_image(img)
    report(progress, 0.0)
    coarse = None if measured is None else measured.get("coarse")
    if coarse is not None:
        out = _expand_finished(coarse, img.shape[:2], measured.get("frame"),
                               measured.get("canvas"), (black, midtone, white, invert))
        nan_pixels = _nan_pixels(img)
        if nan_pixels is not None:
            out[nan_pixels] = 0.0
        if has_nan(out):  # far from any valid pixel the blurs have nothing to average
            np.nan_to_num(out, copy=False, nan=0.0)
        report(progress, 1.0)
        return out
    m = _smoothed_distance(img, float(radius), float(blur))
    report(progress, 0.7)
    out = _finish_mask(m, _nan_pixels(img), black, midtone, white, invert)
    report(progress, 1.0)
    return out


def local_contrast_mask(
    img: np.ndarray,
    radius: float = 50.0,
    blur: float = 20.0,
    black: float = 0.0,
    midtone: float = 1.0,
    white: float = 1.0,
    invert: bool = False,
    *,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Select the "sleepy" regions: where brightness only changes on scales longer than
    ``radius`` (smooth sky and faint nebula glow), away from stars and sharp structure.

    This measures the intent of the contrast mask directly: the local standard deviation of
    the high-pass (detail below ``radius``) in a window of the same size. Calm areas give 1,
    the busiest areas (the top 0.5 %) give 0; ``invert`` selects the busy areas instead. Unlike
    :func:`contrast_mask` it does not depend on how bright a region is, only on how much
    small-scale structure it holds.

    Returns
    -------
    ndarray, float32, (H, W), 0..1. Missing (NaN) pixels are 0.

    Notes
    -----
    ``h = Y - G_r * Y`` (Y = luminance), ``s = sqrt(G_r * h^2)``, smoothed by ``G_blur``;
    ``a = min(s / P99.5(s), 1)``; ``mask = levels(1 - a)`` (or of ``a`` with ``invert``).
    """
    img = as_image(img)
    report(progress, 0.0)
    y = luminance(img)
    r = max(float(radius), 0.5)
    h = blur_or_highpass(y, r, highpass=True)
    h -= np.float32(0.5)
    np.square(h, out=h)
    report(progress, 0.4)
    on_grid = blur_on_grid(h, r)
    if on_grid is not None:
        small, grid = on_grid
        s = np.sqrt(np.maximum(small, 0))
        if blur > 0:
            s = gaussian_blur(s, float(blur) / grid.f)
        inner = s[grid.pad : grid.pad + grid.size[0], grid.pad : grid.pad + grid.size[1]]
        scale = np.nanpercentile(inner, 99.5) if np.isfinite(inner).any() else 1.0
        s = grid.expand(s)
    else:
        s = np.sqrt(np.maximum(gaussian_blur(h, r), 0))
        if blur > 0:
            s = gaussian_blur(s, float(blur))
        scale = np.nanpercentile(s, 99.5) if np.isfinite(s).any() else 1.0
    report(progress, 0.7)
    a = s * np.float32(1.0 / scale) if scale > 0 else np.zeros_like(s)
    np.minimum(a, np.float32(1), out=a)
    if not invert:
        np.subtract(np.float32(1), a, out=a)
    out = _finish_mask(a, _nan_pixels(img), black, midtone, white, False)
    report(progress, 1.0)
    return out


def contrast_mask_measure(img: np.ndarray, *, radius: float = 100.0, blur: float = 20.0,
                          measuring_scale: float = 1.0, **_levels: object) -> dict:
    """``G_blur * Y(|0.5 - G_radius * img|)`` of the whole image on this reduced copy
    (lengths in its pixels) as {"coarse": ...} when the radius is large there, else {}."""
    if not uses_coarse_field(radius):
        return {}
    return {"coarse": _smoothed_distance(as_image(img), float(radius), float(blur))}


def _coarse(measure_params: dict) -> bool:
    return uses_coarse_field(float(measure_params.get("radius", 0.0)))


def _mask_params(radius: float, white: float) -> tuple[Param, ...]:
    return (
        Param("radius", "float", radius, label="Radius", min=0.0, max=20000.0, step=0.1,
              unit="px", spatial=True, log_scale=True, doc="High-pass radius (Gaussian sigma)."),
        Param("blur", "float", 20.0, label="Blur", min=0.0, max=2000.0, step=0.1, unit="px",
              spatial=True, log_scale=True, doc="Softens the mask (wipes bright nebula traces)."),
        Param("black", "float", 0.0, label="Black point", min=0.0, max=1.0, step=0.001),
        Param("midtone", "float", 1.0, label="Gamma", min=0.05, max=10.0, step=0.01,
              log_scale=True, slider_range=(0.2, 5.0)),
        Param("white", "float", white, label="White point", min=0.001, max=1.0, step=0.001),
        Param("invert", "bool", False, label="Invert"),
    )


register(
    FilterSpec(
        id="contrast_mask",
        name="High-Pass Contrast Mask",
        func=contrast_mask,
        params=_mask_params(100.0, 0.5),
        category="mask",
        doc="The club recipe: high pass, Difference, mono, blur, levels (as in Photoshop).",
        extra={"measure": contrast_mask_measure, "coarse": _coarse,
               "rows": contrast_mask_rows},
    )
)

register(
    FilterSpec(
        id="local_contrast_mask",
        name="Local Calm Mask",
        func=local_contrast_mask,
        params=_mask_params(50.0, 1.0),
        category="mask",
        doc="Selects regions with no detail finer than the radius (smooth sky, faint glow).",
    )
)
