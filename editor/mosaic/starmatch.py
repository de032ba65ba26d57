"""Star matching between two mosaic panels that overlap only partly.

Asterism matching (astroalign) picks its control stars over the whole frame, so on panels
sharing a 20 % strip most of them have no partner and it fails or takes minutes. Here the
two star lists vote instead: for each trial rotation, every star pair votes for the shift
that would superpose them; the true shift collects one vote per shared star while wrong ones
scatter (a generalised Hough transform). The winner is refined by least squares on
nearest-neighbour matches (Umeyama's similarity: shift, rotation, scale).
"""

from __future__ import annotations

import math

import numpy as np

#: Trial rotations (deg) around 0 and 180 (a meridian flip); a panel is rarely turned more.
ROTATIONS = np.r_[np.arange(-6.0, 6.01, 0.5), np.arange(174.0, 186.01, 0.5)]
#: Every rotation, for pairs the usual ones do not match well (a camera turned between panels).
ALL_ROTATIONS = np.arange(-180.0, 180.0, 0.5)
BIN = 2.0  # px, shift histogram cell
MAX_STARS = 250


def detect_stars(img: np.ndarray, max_stars: int = MAX_STARS) -> np.ndarray:
    """(N, 3) x, y, flux of the brightest compact sources (sep), brightest first."""
    import sep

    a = np.ascontiguousarray(img, dtype=np.float32)
    bad = ~np.isfinite(a)
    a = np.where(bad, np.float32(np.median(a[~bad]) if (~bad).any() else 0), a)
    bkg = sep.Background(a, mask=bad, bw=64, bh=64)
    data = a - bkg.back()
    try:
        objs = sep.extract(data, 5.0, err=bkg.globalrms, mask=bad, minarea=4,
                           deblend_cont=0.005)
    except Exception as exc:  # sep raises plain Exception for "internal pixel buffer full"
        if "buffer" not in str(exc) and "limit" not in str(exc):
            raise
        sep.set_extract_pixstack(5_000_000)
        objs = sep.extract(data, 8.0, err=bkg.globalrms, mask=bad, minarea=4)
    ok = (objs["flag"] == 0) & (objs["peak"] > 0)
    objs = objs[ok]
    order = np.argsort(-objs["flux"])[:max_stars]
    objs = objs[order]
    # Windowed centroids (SExtractor's XWIN): ~3x more precise than isophotal barycentres.
    sig = np.clip(2.0 / 2.35 * np.sqrt(objs["a"] * objs["b"]) * 2.0, 0.8, 5.0)
    x, y, flag = sep.winpos(data, objs["x"], objs["y"], sig, mask=bad)
    good = (flag == 0) & (np.hypot(x - objs["x"], y - objs["y"]) < 2.0)
    x, y = np.where(good, x, objs["x"]), np.where(good, y, objs["y"])
    return np.stack([x, y, objs["flux"]], axis=1)


def umeyama(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (3x3) taking src (N, 2) onto dst (N, 2)."""
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    e = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        e[1, 1] = -1
    r = u @ e @ vt
    scale = np.trace(np.diag(sig) @ e) / s.var(0).sum()
    m = np.eye(3)
    m[:2, :2] = scale * r
    m[:2, 2] = md - scale * r @ ms
    return m


def _apply(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    return p @ m[:2, :2].T + m[:2, 2]


def match(a_stars: np.ndarray, b_stars: np.ndarray, rotations: np.ndarray = ROTATIONS
          ) -> tuple[np.ndarray, int, float] | None:
    """(3x3 matrix taking b's pixel (x, y) onto a's, matched star count, rms px) or None."""
    from scipy.spatial import cKDTree

    if len(a_stars) < 6 or len(b_stars) < 6:
        return None
    a, b = a_stars[:, :2], b_stars[:, :2]
    best = (0, None)
    for deg in rotations:
        t = math.radians(deg)
        r = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        rb = b @ r.T
        d = (a[:, None, :] - rb[None, :, :]).reshape(-1, 2)
        keys = np.floor(d / BIN).astype(np.int64)
        # Count each shift cell together with its neighbours (a shift on a cell edge).
        code = keys[:, 0] * 1_000_003 + keys[:, 1]
        uniq, counts = np.unique(code, return_counts=True)
        top = uniq[np.argmax(counts)]
        votes = int(counts.max())
        if votes > best[0]:
            sel = code == top
            m = np.eye(3)
            m[:2, :2] = r
            m[:2, 2] = d[sel].mean(0)
            best = (votes, m)
    votes, m = best
    if m is None or votes < 6:
        return None
    tree = cKDTree(a)
    count, rms = 0, float("inf")
    for radius in (3.0, 1.5, 1.0):
        dist, idx = tree.query(_apply(m, b), distance_upper_bound=radius)
        ok = np.isfinite(dist)
        if ok.sum() < 6:
            return None
        m = umeyama(b[ok], a[idx[ok]])
        count = int(ok.sum())
        rms = float(np.sqrt(np.mean(np.sum((_apply(m, b[ok]) - a[idx[ok]]) ** 2, axis=1))))
    return m, count, rms
