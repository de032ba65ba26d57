"""Photometric balancing of mosaic panels: one global least-squares fit over all overlaps.

Every pair of overlapping panels gives samples (medians of BIN x BIN blocks of a screen-sized
resampling, so stars and hot pixels weigh little) where the balanced values must agree:

    g_i x_i + o_i [+ a_i u_i + b_i w_i]  =  g_j x_j + o_j [+ a_j u_j + b_j w_j]

for each channel, with the reference panel pinned at g = 1, o = a = b = 0. All pairs are
solved together (like PixInsight's PhotometricMosaic on a whole set, not panel after panel),
so a chain of panels cannot drift; residuals beyond 3 sigma (a satellite trail, a star
resampled differently) are clipped and the fit repeated. A tiny ridge keeps a panel that
overlaps nothing at g = 1, o = 0 and steadies gradients that a narrow overlap cannot pin.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from editor.jobs.progress import Progress
from editor.mosaic.panels import reduce_blocks, sample
from editor.mosaic.plan import MosaicPlan
from editor.mosaic.transforms import panel_coords

FIT_PIXELS = 1_500_000
BIN = 8
SOFTEN = 1.5
MAX_SAMPLES = 100_000


def _block_median(x: np.ndarray, b: int) -> np.ndarray:
    h, w = (x.shape[0] // b) * b, (x.shape[1] // b) * b
    blocks = x[:h, :w].reshape(h // b, b, w // b, b).swapaxes(1, 2).reshape(h // b, w // b, b * b)
    enough = np.isfinite(blocks).sum(axis=2) >= (b * b) // 2
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks
        med = np.nanmedian(blocks, axis=2)
    med[~enough] = np.nan
    return med


def _soften(v: np.ndarray) -> np.ndarray:
    """NaN-aware Gaussian blur (SOFTEN px): panels resampled at different sub-pixel phases
    differ in sharpness, and in a crowded field a blurred panel's sky reads brighter (star
    light spreads into it) -- equalise before comparing."""
    from scipy import ndimage

    ok = np.isfinite(v if v.ndim == 2 else v.sum(axis=2))
    sig = (SOFTEN, SOFTEN) + (0,) * (v.ndim - 2)
    okf = ok.astype(np.float32) if v.ndim == 2 else ok.astype(np.float32)[..., None]
    num = ndimage.gaussian_filter(np.where(okf > 0, v, 0).astype(np.float32), sig)
    den = ndimage.gaussian_filter(okf, sig)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~ok] = np.nan
    return out.astype(np.float32)


def _resampled(plan: MosaicPlan, pixels: list[np.ndarray], scale: float):
    full = (max(1, round(plan.shape[0] * scale)), max(1, round(plan.shape[1] * scale)))
    k = max(1, int(math.floor(1.0 / scale + 1e-6)))
    out = []
    for p, img in zip(plan.panels, pixels):
        y0 = max(0, math.floor(p.bbox[0] * scale) - 1)
        y1 = min(full[0], math.ceil(p.bbox[1] * scale) + 1)
        x0 = max(0, math.floor(p.bbox[2] * scale) - 1)
        x1 = min(full[1], math.ceil(p.bbox[3] * scale) + 1)
        if y1 <= y0 or x1 <= x0:
            out.append(None)
            continue
        rows, cols = panel_coords(p.transform, (y0, y1, x0, x1), scale, plan.wcs)
        src = reduce_blocks(img, k)
        vals = _soften(sample(src, (rows + 0.5) / k - 0.5, (cols + 0.5) / k - 0.5))
        u = cols / (p.shape[1] / 2.0) - 1.0
        w = rows / (p.shape[0] / 2.0) - 1.0
        out.append(((y0, y1, x0, x1), vals, u, w))
    return out


def overlap_samples(plan: MosaicPlan, pixels: list[np.ndarray]) -> list[dict[str, Any]]:
    """Per overlapping pair: binned samples (x_i, x_j per channel, u/w of both panels)."""
    scale = min(1.0, math.sqrt(FIT_PIXELS / float(plan.shape[0] * plan.shape[1])))
    res = _resampled(plan, pixels, scale)
    pairs = []
    n = len(res)
    for i in range(n):
        for j in range(i + 1, n):
            if res[i] is None or res[j] is None:
                continue
            (a0, a1, b0, b1), (c0, c1, d0, d1) = res[i][0], res[j][0]
            y0, y1, x0, x1 = max(a0, c0), min(a1, c1), max(b0, d0), min(b1, d1)
            if y1 - y0 < BIN or x1 - x0 < BIN:
                continue

            def cut(r, yy0, xx0):
                (ry0, _, rx0, _), vals, u, w = r
                sl = (slice(yy0 - ry0, yy0 - ry0 + (y1 - y0)), slice(xx0 - rx0, xx0 - rx0 + (x1 - x0)))
                return vals[sl], u[sl], w[sl]

            vi, ui, wi = cut(res[i], y0, x0)
            vj, uj, wj = cut(res[j], y0, x0)
            both = np.isfinite(vi if vi.ndim == 2 else vi.sum(axis=2)) & np.isfinite(
                vj if vj.ndim == 2 else vj.sum(axis=2))
            if both.sum() < 4 * BIN * BIN:
                continue
            chans = 1 if vi.ndim == 2 else vi.shape[2]
            xi = [_block_median(np.where(both, vi if chans == 1 else vi[..., c], np.nan), BIN) for c in range(chans)]
            xj = [_block_median(np.where(both, vj if chans == 1 else vj[..., c], np.nan), BIN) for c in range(chans)]
            geo = [_block_median(np.where(both, g, np.nan), BIN) for g in (ui, wi, uj, wj)]
            ok = np.all([np.isfinite(a) for a in xi + xj + geo], axis=0)
            if ok.sum() < 8:
                continue
            take = np.flatnonzero(ok.ravel())
            if take.size > MAX_SAMPLES:
                take = take[:: int(math.ceil(take.size / MAX_SAMPLES))]
            pairs.append({"i": i, "j": j,
                          "xi": np.stack([a.ravel()[take] for a in xi]),
                          "xj": np.stack([a.ravel()[take] for a in xj]),
                          "geo": np.stack([a.ravel()[take] for a in geo])})
    return pairs


def _solve_channel(n: int, ref: int, pairs: list[dict[str, Any]], c: int, gradient: bool
                   ) -> tuple[np.ndarray, dict[tuple[int, int], tuple[float, float | None, int]]]:
    k = 4 if gradient else 2
    col = {p: q for q, p in enumerate([p for p in range(n) if p != ref])}
    rows, rhs, tags = [], [], []
    for pr in pairs:
        i, j = pr["i"], pr["j"]
        xi, xj = pr["xi"][c].astype(np.float64), pr["xj"][c].astype(np.float64)
        ui, wi, uj, wj = (g.astype(np.float64) for g in pr["geo"])
        m = len(xi)
        a = np.zeros((m, k * len(col)))
        b = np.zeros(m)
        for p, x, u, w, sign in ((i, xi, ui, wi, 1.0), (j, xj, uj, wj, -1.0)):
            if p == ref:
                b -= sign * x
            else:
                q = col[p] * k
                a[:, q], a[:, q + 1] = sign * x, sign
                if gradient:
                    a[:, q + 2], a[:, q + 3] = sign * u, sign * w
        rows.append(a)
        rhs.append(b)
        tags.append(np.full(m, len(tags)))
    a_all, b_all, tag = np.vstack(rows), np.concatenate(rhs), np.concatenate(tags)
    allx = np.concatenate([np.r_[p["xi"][c], p["xj"][c]] for p in pairs])
    spread = float(np.subtract(*np.percentile(allx, [90, 10]))) or 1.0
    # Ridge rows: pull toward g=1, o=a=b=0 with ~1e-3 of the data's say (gradients: 1e-2).
    lam = math.sqrt(max(1.0, len(b_all) / max(1, len(col))))
    reg_a, reg_b = [], []
    for q in range(len(col)):
        for t in range(k):
            row = np.zeros(k * len(col))
            wgt = lam * (1e-3 * spread if t == 0 else 1e-3 if t == 1 else 1e-2)
            row[q * k + t] = wgt
            reg_a.append(row)
            reg_b.append(wgt * (1.0 if t == 0 else 0.0))
    keep = np.ones(len(b_all), dtype=bool)
    theta = np.zeros(k * len(col))
    for _ in range(6):
        a = np.vstack([a_all[keep], reg_a]) if reg_a else a_all[keep]
        bb = np.r_[b_all[keep], reg_b]
        theta, *_ = np.linalg.lstsq(a, bb, rcond=None)
        r = a_all @ theta - b_all
        sigma = 1.4826 * float(np.median(np.abs(r[keep] - np.median(r[keep])))) or 1e-12
        new = np.abs(r - np.median(r[keep])) < 3.0 * sigma
        if np.array_equal(new, keep):
            break
        keep = new
    stats = {}
    for t, pr in enumerate(pairs):
        sel = tag == t
        before = np.r_[pr["xi"][c] - pr["xj"][c]]
        stats[(pr["i"], pr["j"])] = (float(np.median(np.abs(before - np.median(before))) * 1.4826 + abs(np.median(before))),
                                     float(np.sqrt(np.mean(r[sel & keep] ** 2))) if (sel & keep).any() else None,
                                     int((sel & keep).sum()))
    params = np.zeros((n, 4))
    params[:, 0] = 1.0
    for p, q in col.items():
        params[p, :k] = theta[q * k:(q + 1) * k]
    return params, stats


def fit_balance(plan: MosaicPlan, pixels: list[np.ndarray], *, gradient: bool = False,
                progress: Progress | None = None) -> None:
    """Fit every panel's gain/offset (and gradient) in place; diagnostics in plan.report."""
    pairs = overlap_samples(plan, pixels)
    n = len(plan.panels)
    if progress is not None:
        progress(0.5)
    linked = {plan.reference} | {p["i"] for p in pairs} | {p["j"] for p in pairs}
    report: dict[str, Any] = {"pairs": [], "unlinked": [plan.panels[k].name for k in range(n) if k not in linked]}
    if not pairs:
        plan.report["balance"] = report
        return
    chans = pairs[0]["xi"].shape[0]
    per_pair: dict[tuple[int, int], list] = {}
    for c in range(chans):
        params, stats = _solve_channel(n, plan.reference, pairs, c, gradient)
        for k, p in enumerate(plan.panels):
            p.gain[c], p.offset[c] = float(params[k, 0]), float(params[k, 1])
            p.gradient[c] = [float(params[k, 2]), float(params[k, 3])]
        for key, v in stats.items():
            per_pair.setdefault(key, []).append(v)
    for (i, j), v in per_pair.items():
        report["pairs"].append({"panels": [plan.panels[i].name, plan.panels[j].name],
                                "mismatch_before": [s[0] for s in v], "rms_after": [s[1] for s in v],
                                "samples": v[0][2]})
    report["gradient"] = gradient
    plan.report["balance"] = report
    if progress is not None:
        progress(1.0)
