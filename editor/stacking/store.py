"""Frames parked on disk as float32 ``.npy`` files, read back a band of rows at a time.

Integration needs every frame's value at each pixel, but 100 frames of 24 MP are 9.6 GB of
float32: more than a laptop's memory. Each frame is written once to a private temporary
folder and memory-mapped, so a band of rows of all frames costs only ``N x rows x width``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from editor.io.budget import format_bytes
from editor.locale import _
from editor.stacking.frames import StackError


class FrameStore:
    """A temporary folder of float32 frames of one shape; delete it with :meth:`close`."""

    def __init__(self, workdir: str | Path | None = None, prefix: str = "nebulayer-stack-") -> None:
        base = Path(workdir) if workdir else None
        if base is not None:
            base.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
        self.paths: list[Path] = []
        self.shape: tuple[int, ...] | None = None

    def check_space(self, frames: int, shape: tuple[int, ...]) -> None:
        """Refuse early, in one line, when the folder's disk cannot hold ``frames`` frames."""
        need = frames * int(np.prod(shape)) * 4
        free = shutil.disk_usage(self.folder).free
        if need > free:
            raise StackError(_("{folder}: {frames} frames need {format_bytes} of "
                             "temporary space, only {format_bytes2} free (choose another "
                             "work folder)").format(folder=self.folder, frames=frames, format_bytes=format_bytes(need), format_bytes2=format_bytes(free)))

    def add(self, data: np.ndarray) -> int:
        """Store a frame (copied to disk as float32); returns its index."""
        data = np.asarray(data, dtype=np.float32)
        if self.shape is None:
            self.shape = data.shape
        elif data.shape != self.shape:
            raise ValueError(f"frame shape {data.shape} differs from the store's {self.shape}")
        path = self.folder / f"frame_{len(self.paths):05d}.npy"
        try:
            np.save(path, data, allow_pickle=False)
        except OSError as exc:
            raise StackError(_("{path}: cannot write a temporary frame ({strerror})").format(path=path, strerror=exc.strerror or exc)) \
                from None
        self.paths.append(path)
        return len(self.paths) - 1

    def __len__(self) -> int:
        return len(self.paths)

    def frame(self, index: int) -> np.ndarray:
        """The whole frame, memory-mapped read-only."""
        return np.load(self.paths[index], mmap_mode="r", allow_pickle=False)

    def band(self, y0: int, y1: int, indices: list[int] | None = None) -> np.ndarray:
        """Rows ``y0:y1`` of the chosen frames as one (n, rows, W[, C]) float32 array."""
        indices = list(range(len(self.paths))) if indices is None else indices
        assert self.shape is not None
        out = np.empty((len(indices), y1 - y0) + tuple(self.shape[1:]), dtype=np.float32)
        for k, i in enumerate(indices):
            out[k] = self.frame(i)[y0:y1]
        return out

    def discard(self, index: int) -> None:
        """Free a frame's disk space once it is no longer needed (its index stays taken)."""
        self.paths[index].unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "FrameStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
