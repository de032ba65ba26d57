"""The in-memory result of opening an image file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ImageMeta:
    """What we know about an opened image besides its pixels.

    ``header`` holds FITS cards (key -> value, in order, HISTORY/COMMENT as lists) when the
    source is FITS; ``exif`` holds camera fields (camera, iso, exposure, date, lens,
    focal_length...) for RAW/TIFF/JPEG. ``data_range`` is the (min, max) of finite values
    before any normalisation; ``original_dtype`` the dtype stored in the file.
    """

    path: str = ""
    format: str = ""  # "FITS", "TIFF", "RAW", "XISF", "PNG", "JPEG", "array"
    original_dtype: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    exif: dict[str, Any] = field(default_factory=dict)
    data_range: tuple[float, float] | None = None
    bayer_pattern: str | None = None
    icc_profile: bytes | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Image:
    """Float32 pixels, (H, W) or (H, W, 3), top row first (see the README on orientation)."""

    data: np.ndarray
    meta: ImageMeta = field(default_factory=ImageMeta)

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    @property
    def channels(self) -> int:
        return 1 if self.data.ndim == 2 else int(self.data.shape[2])
