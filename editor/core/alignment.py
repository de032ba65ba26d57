"""Measuring the sub-pixel offsets that align the frames of a channel merge (LRGB/RGB)."""

from __future__ import annotations

import numpy as np

from editor.errors import DocumentError
from editor.locale import tr


def measure_offsets(frames: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """The (dy, dx) shift that, applied to each frame at render time, aligns it onto the
    reference (L, else G, else the first), measured with filters.register_translation; the
    reference gets (0, 0)."""
    import filters

    ref_name = "L" if "L" in frames else ("G" if "G" in frames else next(iter(frames)))
    ref = frames[ref_name]
    ref = ref if ref.ndim == 2 else ref.mean(axis=2)
    out: dict[str, tuple[float, float]] = {}
    for name, img in frames.items():
        if name == ref_name:
            out[name] = (0.0, 0.0)
            continue
        mono = img if img.ndim == 2 else img.mean(axis=2)
        if mono.shape != ref.shape:
            raise DocumentError(tr("channel {name} is {shape}x{shape2}, the reference "
                                "{ref_name} is {shape3}x{shape4}").format(name=name, shape=mono.shape[1], shape2=mono.shape[0], ref_name=ref_name, shape3=ref.shape[1], shape4=ref.shape[0]))
        # register_translation gives how far ``mono`` is shifted from the reference; the
        # layer stores the correction the render applies to the channel.
        dy, dx = filters.register_translation(ref, mono)
        _refuse_rotation(ref, mono, name, ref_name)
        out[name] = (-float(dy), -float(dx))
    return out


#: Largest misalignment (px, at the frame's corners) a pure shift may leave.
MAX_CORNER_ERROR = 0.5


def local_similarity(ref: np.ndarray, mono: np.ndarray) -> tuple[float, float, float]:
    """(rotation deg, scale, worst corner error px of the best pure shift) from shifts
    measured in four quadrant crops (filters.register_translation) and a least-squares
    similarity through them: a rotated frame moves its quadrants in different directions."""
    import filters

    h, w = ref.shape
    size = max(64, min(h, w) // 3)
    if min(h, w) < 2 * size:
        return 0.0, 1.0, 0.0
    pts, moved = [], []
    for cy in (h // 4, 3 * h // 4):
        for cx in (w // 4, 3 * w // 4):
            y0, x0 = max(0, cy - size // 2), max(0, cx - size // 2)
            crop = (slice(y0, y0 + size), slice(x0, x0 + size))
            dy, dx = filters.register_translation(ref[crop], mono[crop])
            pts.append((cx, cy))
            moved.append((cx + dx, cy + dy))
    p, q = np.asarray(pts, float), np.asarray(moved, float)
    # q = [[a, -b], [b, a]] p + t, linear in (a, b, tx, ty)
    rows = []
    for (x, y) in p:
        rows += [[x, -y, 1, 0], [y, x, 0, 1]]
    (a, b, tx, ty), *_ = np.linalg.lstsq(np.asarray(rows), q.ravel(), rcond=None)
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], float)
    sim = corners @ np.array([[a, b], [-b, a]]) + (tx, ty)
    shift = (q - p).mean(axis=0)
    worst = float(np.max(np.hypot(*(sim - corners - shift).T)))
    return float(np.degrees(np.arctan2(b, a))), float(np.hypot(a, b)), worst


def _refuse_rotation(ref: np.ndarray, mono: np.ndarray, name: str, ref_name: str) -> None:
    """DocumentError when a shift cannot align ``mono`` (it is rotated or scaled): storing
    the shift would look aligned in the centre and fringe everywhere else."""
    rot, scale, worst = local_similarity(ref, mono)
    if worst > MAX_CORNER_ERROR:
        raise DocumentError(
            tr("channel {name} is rotated by {rot:.2f} deg and scaled by {scale:.4f} relative to "
            "{ref_name}: a shift cannot align it (its corners would stay {worst:.1f} px off); "
            "register the frames for rotation first (your stacker, or a mosaic layer aligned "
            "by stars), or merge them unaligned (align=False)").format(name=name, rot=rot, scale=scale, ref_name=ref_name, worst=worst))
