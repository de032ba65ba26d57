"""Measuring the sub-pixel offsets that align the frames of a channel merge (LRGB/RGB)."""

from __future__ import annotations

import numpy as np

from editor.errors import DocumentError


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
            raise DocumentError(f"channel {name} is {mono.shape[1]}x{mono.shape[0]}, the reference "
                                f"{ref_name} is {ref.shape[1]}x{ref.shape[0]}")
        # register_translation gives how far ``mono`` is shifted from the reference; the
        # layer stores the correction the render applies to the channel.
        dy, dx = filters.register_translation(ref, mono)
        out[name] = (-float(dy), -float(dx))
    return out
