"""Immutable pixel sources of a document (opened files, arrays, raster masks).

A source's pixels are read-only float32 arrays: layers refer to them by id and never change
them, which is what makes every edit non-destructive and every cache key stable.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from editor.errors import DocumentError
from editor.io.image import Image, ImageMeta
from editor.locale import _


def freeze(pixels: np.ndarray) -> np.ndarray:
    """A read-only float32 C-contiguous copy-if-needed of ``pixels`` ((H, W) or (H, W, 3))."""
    arr = np.asarray(pixels)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise DocumentError(_("image must be (H, W) or (H, W, 3), got shape {shape}").format(shape=arr.shape))
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise DocumentError(_("image is empty (shape {shape})").format(shape=arr.shape))
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise DocumentError(_("image must be numeric, got {dtype}").format(dtype=arr.dtype))
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if out is arr and arr.flags.writeable:
        out = arr.copy()  # never freeze the caller's own array under their feet
    out.flags.writeable = False
    return out


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(eq=False)
class Source:
    """Pixels plus where they came from. ``token`` is unique per loaded pixel buffer and is
    what render cache keys use (cheap, unlike hashing hundreds of MB)."""

    id: str
    pixels: np.ndarray
    name: str = ""
    path: str | None = None
    meta: ImageMeta = field(default_factory=ImageMeta)
    kind: str = "image"  # "image" or "mask"
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    _sha256: str | None = None
    _pyramid: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def sha256(self) -> str:
        """sha256 of the original file when there is one, else of the float32 pixel bytes."""
        if self._sha256 is None:
            if self.path is not None and Path(self.path).is_file():
                self._sha256 = file_sha256(self.path)
            else:
                self._sha256 = hashlib.sha256(self.pixels.tobytes()).hexdigest()
        return self._sha256

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return 1 if self.pixels.ndim == 2 else 3

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)


def open_image_file(path: str | Path) -> Image:
    """Read an image file with the editor's readers (ImageReadError on bad files)."""
    from editor.io import open_image

    return open_image(path)
