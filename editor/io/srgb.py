"""The sRGB transfer curve (IEC 61966-2-1) and the sRGB ICC profile for display files."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Encode linear 0..1 values for display; input is clipped to 0..1, NaN becomes 0.

    ``v <= 0.0031308``: ``12.92 v``; otherwise ``1.055 v^(1/2.4) - 0.055``.
    """
    v = np.clip(np.nan_to_num(np.asarray(linear, dtype=np.float32), nan=0.0), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92,
                    1.055 * np.power(v, 1 / 2.4, dtype=np.float32) - 0.055).astype(np.float32)


def srgb_to_linear(encoded: np.ndarray) -> np.ndarray:
    """Decode sRGB-encoded 0..1 values to linear light (inverse of :func:`linear_to_srgb`)."""
    v = np.asarray(encoded, dtype=np.float32)
    return np.where(v <= 0.04045, v / 12.92,
                    np.power((v + 0.055) / 1.055, 2.4, dtype=np.float32)).astype(np.float32)


@lru_cache(maxsize=1)
def srgb_icc_profile() -> bytes:
    """An sRGB ICC profile (from LittleCMS through Pillow) to embed in PNG and JPEG files."""
    import struct

    from PIL import ImageCms

    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # LittleCMS stamps the creation time (header bytes 24-35) into this constant profile:
    # a fixed date keeps exports of the same pixels identical byte for byte (serial vs
    # worker processes, today vs tomorrow).
    icc[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    return bytes(icc)
