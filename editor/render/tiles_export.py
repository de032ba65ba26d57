"""Exporting a document tile by tile: TIFF and FITS streamed band by band, so the whole
render never exists in memory (see :mod:`editor.io.stream_write`).

32-bit float exports take one pass: each band is rendered and written. 8/16-bit exports
follow the value-range rules of :mod:`editor.io.export_range`, which need the range of the
whole image first: the float bands are kept while their range is measured (in memory when
they take under a tenth of the memory budget, else in a temporary file next to the output,
read back band by band), then converted and written. Other formats (PNG, JPEG, XISF...) are rendered whole, tile by tile,
then written as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from editor.errors import ImageWriteError
from editor.io.export_range import (SAMPLES, RangePlan, meta_for_plan, plan_from_range,
                                    to_unit_range)
from editor.locale import tr
from editor.render.tiles import TiledRender

if TYPE_CHECKING:
    from editor.core.document import Document

STREAMED = {".tif": "TIFF", ".tiff": "TIFF", ".fits": "FITS", ".fit": "FITS", ".fts": "FITS"}


def stream_tile(tile: int, path: Path) -> int:
    """The render tile for a streamed export: TIFF tiles need multiples of 16."""
    if STREAMED.get(path.suffix.lower()) == "TIFF":
        return max(16, (int(tile) + 15) // 16 * 16)
    return max(1, int(tile))


def export_tiled(tiles: TiledRender, path: str | Path, *, bits: int | None = None,
                 compression: str | None = None) -> list[str]:
    """Render ``tiles``' whole canvas into ``path``; returns the notes about the values.
    ``tiles``: a TiledRender, or anything with its ``doc``, ``scale``, ``tile``, ``full``,
    ``bands()`` and ``render()`` (the bands of dask workers). (Not named ``tr``: that is
    the translation function used below.)"""
    from editor.io.atomic import atomic_path

    path = Path(path)
    fmt = STREAMED.get(path.suffix.lower())
    meta = tiles.doc.export_meta(tiles.scale)
    if fmt is None:
        from editor.io.api import export_image

        return export_image(tiles.render(), path, bits=bits, meta=meta)
    if bits not in (None, 8, 16, 32):
        raise ImageWriteError(path, tr("{fmt} export supports 8, 16 or 32 bits, not {bits}").format(fmt=fmt, bits=bits))
    if not path.parent.is_dir():
        raise ImageWriteError(path, tr("folder {parent} does not exist").format(parent=path.parent))
    h, w = tiles.full.shape
    bands = _bands(tiles)
    first = next(bands)
    shape = (h, w) + first[1].shape[2:]
    bands = _chain(first, bands)
    notes: list[str] = []
    try:
        with atomic_path(path) as tmp:
            if bits in (8, 16):
                with _spooled(bands, path, shape) as (spool, stats):
                    plan = plan_from_stats(stats, bits)
                    notes = plan.notes
                    meta = meta_for_plan(meta, plan)  # HISTORY notes; BUNIT gone if rescaled
                    _write(fmt, tmp, shape, bits, spool(), tiles.tile, compression, meta, plan)
            else:
                _write(fmt, tmp, shape, bits, bands, tiles.tile, compression, meta, None)
    except ValueError as exc:
        raise ImageWriteError(path, str(exc)) from exc
    except OSError as exc:
        raise ImageWriteError(path, tr("cannot write: {exc}").format(exc=exc)) from exc
    return notes


def _bands(tr: TiledRender) -> Iterator[tuple[int, np.ndarray]]:
    for win, px in tr.bands():
        yield win.y0, px


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _write(fmt: str, tmp: Path, shape: tuple[int, ...], bits: int | None, bands: Any,
           rows: int, compression: str | None, meta: Any, plan: RangePlan | None) -> None:
    from editor.io.stream_write import write_fits_bands, write_tiff_bands

    dtype = {None: np.float32, 32: np.float32, 8: np.uint8, 16: np.uint16}[bits]

    def convert(px: np.ndarray) -> np.ndarray:
        if plan is None:
            return px
        from editor.io.tiff import quantise

        # Element-wise, so done in slices of ~1 MiB: the numpy steps stay in cache instead
        # of passes over the band through main memory.
        out = np.empty(px.shape, dtype)
        rows = max(1, (1 << 18) // max(1, px[0].size))
        if plan.rule not in ("as is", "clipped"):
            for r in range(0, px.shape[0], rows):
                out[r:r + rows] = quantise(to_unit_range(px[r:r + rows], plan), bits)
            return out
        # In place in one reused slice buffer (no fresh arrays per slice); same values as
        # quantise: clip maps +-inf to 1/0, NaN stays NaN until it is set to 0 after rint.
        from filters._common import WORKERS, run_parallel

        peak = np.float32(np.iinfo(dtype).max)

        def part(r0: int, r1: int) -> None:
            buf = np.empty((rows,) + px.shape[1:], np.float32)
            for r in range(r0, r1, rows):
                src = px[r:min(r + rows, r1)]
                b = buf[:src.shape[0]]
                np.clip(src, 0.0, 1.0, out=b)
                np.multiply(b, peak, out=b)
                np.rint(b, out=b)
                np.nan_to_num(b, copy=False, nan=0.0)
                out[r:r + b.shape[0]] = b

        # Row ranges in whole slices on the worker threads (numpy releases the GIL).
        n = px.shape[0]
        step = -(-(-(-n // rows)) // WORKERS) * rows
        run_parallel([lambda r0=r0: part(r0, min(r0 + step, n)) for r0 in range(0, n, step)])
        return out

    like = np.broadcast_to(np.zeros((), dtype), shape)  # shape/dtype for the header: no pixels
    if fmt == "TIFF":
        from editor.io.tiff import _astrotiff_description, _camera_tags, _icc_for

        description = None
        if meta is not None and (meta.header or meta.extra.get("history")):
            description = _astrotiff_description(meta, like)
        write_tiff_bands(tmp, shape, dtype, bands, rows, compression=compression,
                         convert=convert, description=description,
                         iccprofile=_icc_for(meta, like), extratags=_camera_tags(meta))
    else:
        from editor.io.fits_write import export_history

        what = "32-bit float" if bits in (None, 32) else \
            f"{bits}-bit unsigned integer (0..1 clipped, scaled by {(1 << bits) - 1})"
        header = dict(meta.header) if meta is not None else {}
        write_fits_bands(tmp, shape, dtype, bands, header, export_history(meta, what),
                         meta.extra.get("fits_comments") if meta is not None else None,
                         convert=convert)


class _spooled:
    """Float bands spooled to a temporary raw file while their range is measured; the
    context gives (a function re-reading them band by band, the statistics)."""

    def __init__(self, bands: Iterator[tuple[int, np.ndarray]], path: Path,
                 shape: tuple[int, ...]) -> None:
        self.bands, self.path, self.shape = bands, path, shape

    def __enter__(self) -> tuple[Any, dict[str, Any]]:
        from editor.io.atomic import create_temp_for
        from editor.io.budget import memory_budget

        total = int(np.prod(self.shape))
        # Float bands that take under a tenth of the budget stay in memory (no disk pass).
        self.kept: list[np.ndarray] | None = [] if total * 4 <= memory_budget() // 10 else None
        self.tmp, fd = create_temp_for(self.path.with_suffix(".spool"))
        step = max(1, total // SAMPLES)
        stats: dict[str, Any] = {"lo": np.inf, "hi": -np.inf, "finite": 0, "samples": []}
        self.layout: list[tuple[int, tuple[int, ...]]] = []
        with os.fdopen(fd, "wb") as fh:
            for y0, px in self.bands:
                lo, hi = (float(np.min(px)), float(np.max(px))) if px.size else (0.0, 0.0)
                if px.size and np.isfinite(lo) and np.isfinite(hi):
                    n = px.size  # NaN and inf would show in min/max: two passes, no mask
                else:
                    finite = np.isfinite(px)
                    n = int(finite.sum())
                    lo = float(np.min(px, where=finite, initial=np.inf))
                    hi = float(np.max(px, where=finite, initial=-np.inf))
                if n:
                    stats["lo"] = min(stats["lo"], lo)
                    stats["hi"] = max(stats["hi"], hi)
                stats["finite"] += n
                flat = px.reshape(-1)
                s = flat[::step]
                stats["samples"].append(s[np.isfinite(s)].copy())
                self.layout.append((y0, px.shape))
                if self.kept is not None:
                    self.kept.append(px)
                else:
                    fh.write(np.ascontiguousarray(px, np.float32).tobytes())
        stats["sample"] = np.concatenate(stats.pop("samples")) if self.layout else np.zeros(0)
        stats["spool"] = self.tmp
        stats["kept"] = self.kept
        return self.read, stats

    def read(self) -> Iterator[tuple[int, np.ndarray]]:
        if self.kept is not None:
            for (y0, _), px in zip(self.layout, self.kept):
                yield y0, px
            return
        with open(self.tmp, "rb") as fh:
            for y0, shape in self.layout:
                n = int(np.prod(shape))
                yield y0, np.fromfile(fh, np.float32, count=n).reshape(shape)

    def __exit__(self, *exc: Any) -> None:
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


def plan_from_stats(stats: dict[str, Any], bits: int) -> RangePlan:
    """:func:`editor.io.export_range.plan_integer_export`'s rule from streamed statistics
    (exact range, an even subsample, and an exact count of clipped pixels when needed)."""
    if stats["finite"] == 0:
        raise ValueError("the image has no finite pixel value (all missing): nothing to write")

    def count_outside(half_step: float) -> tuple[int, int]:
        return _count_outside(stats["spool"], half_step, stats.get("kept")), stats["finite"]

    return plan_from_range(stats["lo"], stats["hi"], stats["sample"], bits, count_outside)


def _count_outside(spool: Path, half_step: float, kept: list | None = None) -> int:
    if kept is not None:
        return sum(int(np.count_nonzero((px < -half_step) | (px > 1.0 + half_step)))
                   for px in kept)
    count = 0
    with open(spool, "rb") as fh:
        while True:
            chunk = np.fromfile(fh, np.float32, count=1 << 22)
            if chunk.size == 0:
                return count
            count += int(np.count_nonzero((chunk < -half_step) | (chunk > 1.0 + half_step)))
