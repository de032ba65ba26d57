"""Light-pollution gradient removal (like PixInsight's ABE/DBE, Siril's Background Extraction)."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RBFInterpolator

from filters._common import as_image, has_nan, report
from filters.messages import M_
from filters.registry import FilterSpec, Param, ProgressCallback, register

#: The model is fitted and evaluated on a proxy about this many pixels on its long side.
PROXY_SIZE = 512


def _proxy(img: np.ndarray) -> tuple[np.ndarray, int]:
    """Block average (NaN-aware) of at most ~PROXY_SIZE px a side, and the block size."""
    f = max(1, int(np.ceil(max(img.shape[:2]) / PROXY_SIZE)))
    h, w = (img.shape[0] // f) * f, (img.shape[1] // f) * f
    a = img[:h, :w]
    nan = has_nan(a)
    valid = np.isfinite(a) if nan else None
    # Strided sums (f row slices, then f column slices): one pass, no big temporaries.
    s = np.zeros((h // f, w, a.shape[2]), np.float32)
    n = np.zeros(s.shape, np.float32) if nan else None
    for k in range(f):
        rows = a[k:h:f]
        if nan:
            s += np.where(valid[k:h:f], rows, np.float32(0))
            n += valid[k:h:f]
        else:
            s += rows
    small = s[:, 0:w:f].copy()
    cnt = n[:, 0:w:f].copy() if nan else None
    for k in range(1, f):
        small += s[:, k:w:f]
        if nan:
            cnt += n[:, k:w:f]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (small / (cnt if nan else np.float32(f * f))).astype(np.float32), f


def _samples(proxy: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (y, x in proxy px) and per-channel clipped medians of a grid of cells."""
    ph, pw = proxy.shape[:2]
    ny = max(2, int(round(grid * ph / max(ph, pw))))
    nx = max(2, int(round(grid * pw / max(ph, pw))))
    ys, xs = np.linspace(0, ph, ny + 1).astype(int), np.linspace(0, pw, nx + 1).astype(int)
    pts, vals = [], []
    for i in range(ny):
        for j in range(nx):
            cell = proxy[ys[i] : ys[i + 1], xs[j] : xs[j + 1]].reshape(-1, proxy.shape[2])
            cell = cell[np.isfinite(cell).all(axis=1)]
            if len(cell) < 4:
                continue
            # Clip stars out of the cell: 3 rounds of median +- 2.5 MAD-sigma.
            keep = np.ones(len(cell), bool)
            for _ in range(3):
                med = np.median(cell[keep], axis=0)
                sig = 1.4826 * np.median(np.abs(cell[keep] - med), axis=0) + 1e-12
                keep = (np.abs(cell - med) <= 2.5 * sig).all(axis=1)
                if keep.sum() < 4:
                    keep[:] = True
                    break
            pts.append(((ys[i] + ys[i + 1] - 1) / 2.0, (xs[j] + xs[j + 1] - 1) / 2.0))
            vals.append(np.median(cell[keep], axis=0))
    return np.array(pts, float), np.array(vals, float)


def _design(pts: np.ndarray, shape: tuple[int, int], degree: int) -> np.ndarray:
    y = pts[:, 0] / max(1, shape[0] - 1) * 2 - 1
    x = pts[:, 1] / max(1, shape[1] - 1) * 2 - 1
    cols = [x**i * y**j for i in range(degree + 1) for j in range(degree + 1 - i)]
    return np.stack(cols, axis=1)


def _fit(pts, vals, shape, method, degree, smoothing):
    """A callable giving the model (N, C) at points (N, 2), fitted to the samples."""
    if method == "poly":
        coef, *_ = np.linalg.lstsq(_design(pts, shape, degree), vals, rcond=None)
        return lambda q: _design(q, shape, degree) @ coef
    scale = np.array(shape, float)
    rbf = RBFInterpolator(pts / scale, vals, kernel="thin_plate_spline", smoothing=smoothing)
    return lambda q: rbf(q / scale)


def _enlarge(coarse: np.ndarray, gy: np.ndarray, gx: np.ndarray, h: int, w: int) -> np.ndarray:
    """Bilinear interpolation of a surface sampled at rows ``gy`` and columns ``gx``: first
    along x on the few coarse rows, then, between two coarse rows, ``a + t (b - a)``."""
    c = coarse.shape[2]
    cols = np.arange(w, dtype=float)
    wide = np.empty((len(gy), w, c), np.float32)
    for k in range(c):
        for r in range(len(gy)):
            wide[r, :, k] = np.interp(cols, gx, coarse[r, :, k])
    out = np.empty((h, w, c), np.float32)
    for r in range(len(gy) - 1):
        y0, y1 = int(gy[r]), int(gy[r + 1]) if r < len(gy) - 2 else h
        t = ((np.arange(y0, y1) - gy[r]) / (gy[r + 1] - gy[r])).astype(np.float32)
        band = out[y0:y1]
        np.multiply(t[:, None, None], wide[r + 1] - wide[r], out=band)
        band += wide[r]
    return out


def _enlarge_at(coarse: np.ndarray, gy: np.ndarray, gx: np.ndarray, ry: np.ndarray,
                rx: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a surface sampled at rows ``gy`` and columns ``gx`` (any
    units), at rows ``ry`` and columns ``rx`` (increasing; constant beyond the samples)."""
    c = coarse.shape[2]
    h, w = len(ry), len(rx)
    wide = np.empty((len(gy), w, c), np.float32)
    for k in range(c):
        for r in range(len(gy)):
            wide[r, :, k] = np.interp(rx, gx, coarse[r, :, k])
    if len(gy) < 2:
        return np.ascontiguousarray(np.broadcast_to(wide[:1], (h, w, c)), np.float32)
    idx = np.clip(np.searchsorted(gy, ry, side="right") - 1, 0, len(gy) - 2)
    t = np.clip((ry - gy[idx]) / (gy[idx + 1] - gy[idx]), 0.0, 1.0).astype(np.float32)
    out = np.empty((h, w, c), np.float32)
    # one band per coarse interval (rows are sorted): no full-size temporaries
    bounds = np.flatnonzero(np.diff(idx)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, h]):
        r = idx[lo]
        band = out[lo:hi]
        np.multiply(t[lo:hi, None, None], wide[r + 1] - wide[r], out=band)
        band += wide[r]
    return out


def extract_background(
    img: np.ndarray,
    *,
    grid: int = 16,
    sigma: float = 2.0,
    degree: int = 2,
    method: str = "poly",
    mode: str = "subtract",
    smoothing: float = 1.0,
    progress: ProgressCallback | None = None,
    measured: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Remove a light-pollution gradient: model the sky background and take it out.

    The image is shrunk to a ~512 px proxy and cut into ``grid`` cells along its long side;
    each cell gives a background sample (per-channel median after clipping its stars). Cells
    on nebulae or galaxies stand out from a smooth surface and are rejected (``sigma``
    standard deviations above the fit, iterated), then a smooth surface is fitted per
    channel: a 2-D polynomial of ``degree`` (1 = plane, 2 = quadratic, like PixInsight's ABE)
    or a thin-plate spline (``method="rbf"``, ``smoothing`` > 0 for a softer fit, like DBE).

    ``mode="subtract"`` removes additive light pollution and keeps the image's median
    background level (``x - model + median(model)``); ``mode="divide"`` corrects
    multiplicative gradients such as vignetting (``x / model * median(model)``).

    ``measured``: the model of :func:`extract_background_measure` on the whole image, to
    correct a part (``measured["frame"]``: where ``img`` lies, fractions of the whole) or a
    reduced copy of it exactly like the whole (None: fit ``img`` itself).

    Returns
    -------
    corrected, model : ndarray, float32, shaped like ``img``
        NaN pixels stay NaN in ``corrected``; the model is defined everywhere.

    Raises
    ------
    ValueError
        On unknown options or when too few background samples remain.
    """
    _check_options(method, mode, grid)
    img = as_image(img)
    report(progress, 0.0)
    cube = img[..., None] if img.ndim == 2 else img
    h, w = img.shape[:2]
    if measured is None:
        gy, gx, coarse = _model_grid(cube, int(grid), sigma, degree, method, smoothing, progress)
        model = _enlarge(coarse, gy, gx, h, w)
    else:
        coarse = np.asarray(measured["coarse"], np.float32)
        if coarse.shape[2] != cube.shape[2]:  # measured in colour, a mono part (or vice versa)
            coarse = np.repeat(coarse.mean(axis=2, keepdims=True), cube.shape[2], axis=2)
        top, bottom, left, right = measured.get("frame", (0.0, 1.0, 0.0, 1.0))
        ry = top + (np.arange(h) + 0.5) * ((bottom - top) / h)
        rx = left + (np.arange(w) + 0.5) * ((right - left) / w)
        model = _enlarge_at(coarse, np.asarray(measured["rows"]), np.asarray(measured["cols"]),
                            ry, rx)
    report(progress, 0.8)
    level = np.median(coarse.reshape(-1, coarse.shape[-1]), axis=0).astype(np.float32)
    if mode == "subtract":
        corrected = np.subtract(cube, model)
        corrected += level
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            corrected = np.divide(cube, model)
        corrected *= level
    if img.ndim == 2:
        corrected, model = corrected[..., 0], model[..., 0]
    report(progress, 1.0)
    return corrected.astype(np.float32, copy=False), model


def extract_background_measure(
    img: np.ndarray,
    *,
    grid: int = 16,
    sigma: float = 2.0,
    degree: int = 2,
    method: str = "poly",
    mode: str = "subtract",
    smoothing: float = 1.0,
) -> dict:
    """The background model of the whole image, for ``extract_background(measured=)``:
    {"rows", "cols"}: sample positions (fractions 0..1 of the height, width, at pixel
    centres) and {"coarse"}: the model there, (rows, cols, channels) float32."""
    _check_options(method, mode, grid)
    img = as_image(img)
    cube = img[..., None] if img.ndim == 2 else img
    gy, gx, coarse = _model_grid(cube, int(grid), sigma, degree, method, smoothing, None)
    h, w = img.shape[:2]
    return {"rows": (gy + 0.5) / h, "cols": (gx + 0.5) / w, "coarse": coarse}


def _check_options(method: str, mode: str, grid: int) -> None:
    if method not in ("poly", "rbf") or mode not in ("subtract", "divide"):
        raise ValueError(M_("method must be poly or rbf and mode subtract or divide, got {method!r}, {mode!r}",
                            method=method, mode=mode))
    if not 2 <= int(grid) <= 64:
        raise ValueError("grid: " + M_("2..64 cells, got {grid}", grid=grid))


def _model_grid(cube: np.ndarray, grid: int, sigma: float, degree: int, method: str,
                smoothing: float, progress: ProgressCallback | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fitted model on a coarse grid: (rows, columns) in full-image pixels and the
    (rows, columns, channels) values there."""
    proxy, f = _proxy(cube)
    pts, vals = _samples(proxy, grid)
    n_terms = (degree + 1) * (degree + 2) // 2
    if len(pts) < max(4, n_terms + 1):
        raise ValueError(M_("only {count} usable background samples: too few to model the gradient", count=len(pts)))
    report(progress, 0.3)
    keep = np.ones(len(pts), bool)
    # Reject samples on nebulae (high residuals) against a polynomial: a spline would bend to
    # follow the nebula and never see it as an outlier.
    reject_degree = degree if method == "poly" else 2
    for _ in range(5):
        model_fn = _fit(pts[keep], vals[keep], proxy.shape[:2], "poly", reject_degree, 0.0)
        resid = (vals - model_fn(pts)).mean(axis=1)
        sig = 1.4826 * np.median(np.abs(resid[keep] - np.median(resid[keep]))) + 1e-12
        new_keep = resid <= np.median(resid[keep]) + sigma * sig
        if new_keep.sum() < max(4, n_terms + 1) or (new_keep == keep).all():
            break
        keep = new_keep
    model_fn = _fit(pts[keep], vals[keep], proxy.shape[:2], method, degree, smoothing)
    report(progress, 0.5)
    # Evaluate on a coarse grid of full-image coordinates, then enlarge (a smooth surface).
    h, w = cube.shape[:2]
    step = max(1, min(h, w) // 128)
    # sample rows/columns every `step` px plus the last one (two at least, for 1 px images)
    gy = np.unique(np.append(np.arange(0, h, step), [h - 1, max(h - 1, 1)])).astype(float)
    gx = np.unique(np.append(np.arange(0, w, step), [w - 1, max(w - 1, 1)])).astype(float)
    q = np.stack(np.meshgrid((gy + 0.5) / f - 0.5, (gx + 0.5) / f - 0.5, indexing="ij"), -1)
    coarse = model_fn(q.reshape(-1, 2)).reshape(len(gy), len(gx), -1).astype(np.float32)
    return gy, gx, coarse


def _extract_background_layer(
    img: np.ndarray, *, progress: ProgressCallback | None = None, **params: object
) -> np.ndarray:
    """Registered form: only the corrected image."""
    return extract_background(img, progress=progress, **params)[0]  # type: ignore[arg-type]


register(
    FilterSpec(
        id="extract_background",
        name="Background Extraction",
        func=_extract_background_layer,
        params=(
            Param("grid", "int", 16, label="Samples per side", min=4, max=64, step=1),
            Param("sigma", "float", 2.0, label="Rejection (sigma)", min=0.5, max=10.0,
                  step=0.1, doc="Samples this far above the fit are treated as nebula."),
            Param("degree", "int", 2, label="Polynomial degree", min=1, max=6, step=1),
            Param("method", "choice", "poly", label="Model", choices=("poly", "rbf"),
                  doc="Polynomial surface, or a thin-plate spline through the samples."),
            Param("mode", "choice", "subtract", label="Correction",
                  choices=("subtract", "divide"),
                  doc="Subtract light pollution, or divide out vignetting."),
            Param("smoothing", "float", 1.0, label="Spline smoothing", min=0.0, max=1000.0,
                  step=0.1, log_scale=True),
        ),
        doc="Model the light-pollution gradient from background samples and remove it.",
        extra={"measure": extract_background_measure},
    )
)
