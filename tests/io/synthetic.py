"""Small synthetic pictures with known pixels, shared by the image-file tests."""

from __future__ import annotations

import numpy as np


def gradient(h: int = 6, w: int = 8, channels: int = 1, dtype=np.float32) -> np.ndarray:
    """A picture whose every pixel differs, so any flip or transpose shows."""
    values = np.arange(h * w * channels, dtype=np.float64).reshape(h, w, channels)
    values = values[..., 0] if channels == 1 else values
    if np.dtype(dtype).kind in "ui":
        return values.astype(dtype)
    return (values / values.max()).astype(dtype)
