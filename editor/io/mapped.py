"""Big source pixels kept on disk and memory-mapped, so a document's size is not its memory.

A project stores each source as an uncompressed float32 FITS member of its zip. FITS is
big-endian and planar (3 x H x W); the engine wants native (H, W, 3). A big member is
converted once, in chunks, into an unlinked temporary file (in ``NEBULAYER_MAP_DIR``, else
the system's temp folder) that is memory-mapped read-only: nothing is left on disk after the
process ends, and the pixels cost page cache, not process memory.

Pages of a mapping still count in the process's resident size while they are mapped in:
:func:`drop_resident` hands them back (``madvise(MADV_DONTNEED)``; the file keeps the data),
and the tiled renderer calls it between rows of tiles, so reading a source once does not
leave all of it resident.
"""

from __future__ import annotations

import mmap
import os
import struct
import tempfile
import threading
import weakref
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from editor.locale import _

#: Members larger than this are mapped (``NEBULAYER_MAP_MIN`` bytes overrides it).
MAP_MIN_BYTES = 64 * 1024**2
MAP_DIR_ENV = "NEBULAYER_MAP_DIR"
_CHUNK = 32 * 1024**2

_MAPS: list[weakref.ref] = []  # the mapped arrays (their ``base`` is the mmap)
_MAPS_LOCK = threading.Lock()


def map_min_bytes() -> int:
    raw = os.environ.get("NEBULAYER_MAP_MIN", "").strip()
    try:
        return int(float(raw)) if raw else MAP_MIN_BYTES
    except ValueError:
        return MAP_MIN_BYTES


def drop_resident() -> None:
    """Let the system take back the mapped pages of every mapped source (they are read from
    the file again when touched)."""
    with _MAPS_LOCK:
        _MAPS[:] = [r for r in _MAPS if r() is not None]
        arrays = [r() for r in _MAPS]
    for a in arrays:
        try:
            a.base.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError, AttributeError):  # closed, or no madvise on this system
            pass


def drop_pages(a: np.ndarray) -> None:
    """:func:`drop_resident` for the one mapped array ``a`` (a view of one is fine); nothing
    for an array in memory."""
    while a is not None and not isinstance(a, mmap.mmap):
        a = getattr(a, "base", None)
    if a is not None:
        try:
            a.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError):  # closed, or no madvise on this system
            pass


def _member_data_start(fh, info: zipfile.ZipInfo) -> int:
    """Offset of a member's bytes in the zip file (after its local header)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(_("bad local header"))
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _fits_header(fh, start: int) -> tuple[dict[str, str], int]:
    """Cards (key -> raw value text) of the primary header at ``start`` and its length."""
    cards: dict[str, str] = {}
    fh.seek(start)
    length = 0
    while length < 2880 * 64:
        block = fh.read(2880)
        if len(block) != 2880:
            raise ValueError(_("truncated header"))
        length += 2880
        for i in range(0, 2880, 80):
            card = block[i:i + 80].decode("ascii", "replace")
            key = card[:8].strip()
            if key == "END":
                return cards, length
            if card[8:10] == "= ":
                cards[key] = card[10:].split("/")[0].strip()
    raise ValueError(_("no END card"))


def map_fits_member(project: str | Path, info: zipfile.ZipInfo, shape: tuple[int, ...],
                    reduce: Callable[[np.ndarray], np.ndarray] | None = None
                    ) -> np.ndarray | None:
    """The member's float32 pixels (``shape`` (H, W) or (H, W, 3)) as a read-only native
    memory map, or None when it is not worth it or not possible (small, compressed, not
    the float32 image expected: the caller then reads it as before and reports problems).
    ``ValueError`` if the member's bytes do not match the zip's CRC (a damaged file).
    ``reduce``: the renderer's x2 area reduction; given, the proxy levels are built on the way
    (see :func:`prebuilt_level`)."""
    expected = tuple(shape) if len(shape) == 2 else (shape[2], shape[0], shape[1])
    nbytes = int(np.prod(expected)) * 4
    if info.compress_type != zipfile.ZIP_STORED or nbytes < map_min_bytes():
        return None
    with open(project, "rb") as fh:
        try:
            start = _member_data_start(fh, info)
            cards, hlen = _fits_header(fh, start)
        except ValueError:
            return None
        naxis = int(cards.get("NAXIS", "0"))
        dims = tuple(int(cards.get(f"NAXIS{i}", "0")) for i in range(naxis, 0, -1))
        order = cards.get("ROWORDER", "").strip("' ").upper()
        if cards.get("BITPIX") != "-32" or dims != expected or order not in ("TOP-DOWN", "") \
                or "BZERO" in cards or "BSCALE" in cards or hlen + nbytes > info.file_size:
            return None
        return _convert(fh, start, hlen, info, expected, tuple(shape), reduce)


#: Proxy levels (x2, x4, ... reductions) built while converting, so previews and measuring
#: renders of a big source never read all of it again; kept in mapped files too.
MAX_PREBUILT_LEVEL = 6
_PYRAMIDS: dict[int, tuple[weakref.ref, dict[int, np.ndarray]]] = {}


def prebuilt_level(pixels: np.ndarray, level: int) -> np.ndarray | None:
    """The proxy ``level`` of a mapped source built during its conversion, or None."""
    with _MAPS_LOCK:
        entry = _PYRAMIDS.get(id(pixels))
    if entry is None or entry[0]() is not pixels:
        return None
    return entry[1].get(level)


def _new_map(shape: tuple[int, ...]) -> tuple[mmap.mmap, np.ndarray]:
    folder = os.environ.get(MAP_DIR_ENV) or tempfile.gettempdir()
    fd, name = tempfile.mkstemp(prefix="nebulayer-map-", suffix=".f32", dir=folder)
    try:
        os.unlink(name)  # lives as long as it is open or mapped, never left behind
        total = max(1, int(np.prod(shape)) * 4)
        os.ftruncate(fd, total)
        mm = mmap.mmap(fd, total, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
    return mm, np.ndarray(shape, np.float32, buffer=mm)


def _levels_for(h: int, w: int) -> int:
    n = 0
    while n < MAX_PREBUILT_LEVEL and min(h, w) >> (n + 1) >= 16:
        n += 1
    return n


def _convert(fh, start: int, hlen: int, info: zipfile.ZipInfo, dims: tuple[int, ...],
             shape: tuple[int, ...], reduce2: Callable[[np.ndarray], np.ndarray] | None
             ) -> np.ndarray:
    crc = zlib.crc32(b"")
    fh.seek(start)
    crc = zlib.crc32(fh.read(hlen), crc)
    planes = dims[0] if len(dims) == 3 else 1
    h, w = dims[-2], dims[-1]

    def block(c: int, y0: int, n: int) -> np.ndarray:  # the planes are read in file order
        nonlocal crc
        raw = fh.read(n * w * 4)
        crc = zlib.crc32(raw, crc)
        return np.frombuffer(raw, ">f4").reshape(n, w).astype(np.float32)

    mm, out, levels = _fill(shape, block, reduce2)
    rest = info.file_size - hlen - h * w * planes * 4
    while rest > 0:
        raw = fh.read(min(rest, _CHUNK))
        if not raw:
            break
        crc = zlib.crc32(raw, crc)
        rest -= len(raw)
    if crc & 0xFFFFFFFF != info.CRC:
        mm.close()
        raise ValueError(_("pixel data does not match its checksum (the file is damaged)"))
    _register(out, levels)
    return out


def _fill(shape: tuple[int, ...], block: Callable[[int, int, int], np.ndarray],
          reduce2: Callable[[np.ndarray], np.ndarray] | None
          ) -> tuple[mmap.mmap, np.ndarray, dict[int, np.ndarray]]:
    """A new mapped (H, W[, 3]) float32 array and its proxy levels, filled plane by plane
    with ``block(c, y0, n)``: rows y0..y0+n of plane c as float32 (called in file order:
    plane after plane, top to bottom); written pages are handed back as they are done."""
    mm, out = _new_map(shape)
    h, w = shape[0], shape[1]
    planes = shape[2] if len(shape) == 3 else 1
    nlev = 0 if reduce2 is None else _levels_for(h, w)
    levels: dict[int, np.ndarray] = {}
    lh, lw = h, w
    for k in range(1, nlev + 1):
        lh, lw = (lh + 1) // 2, (lw + 1) // 2
        levels[k] = _new_map((lh, lw) + tuple(shape[2:]))[1]
    step = 1 << MAX_PREBUILT_LEVEL  # bands of whole proxy rows reduce exactly as the whole
    rows = max(step, _CHUNK // (4 * w) // step * step)
    for c in range(planes):
        for y0 in range(0, h, rows):
            n = min(rows, h - y0)
            band = block(c, y0, n)
            if planes == 1:
                out[y0:y0 + n] = band
            else:
                out[y0:y0 + n, :, c] = band
            for k in range(1, nlev + 1):  # per plane: reduce2 works channel by channel
                band = reduce2(band)  # type: ignore[misc]
                r0 = y0 >> k
                dst = levels[k][r0:r0 + band.shape[0]]
                if planes == 1:
                    dst[...] = band
                else:
                    dst[..., c] = band
            mm.flush()
            mm.madvise(mmap.MADV_DONTNEED)  # written back to the file: not our memory
            for lev in levels.values():
                lev.base.madvise(mmap.MADV_DONTNEED)
    return mm, out, levels


def _register(out: np.ndarray, levels: dict[int, np.ndarray]) -> None:
    """Freeze a filled map and its levels; known to :func:`drop_resident` and
    :func:`prebuilt_level` from now on."""
    out.flags.writeable = False
    for lev in levels.values():
        lev.flags.writeable = False
    with _MAPS_LOCK:
        _MAPS.append(weakref.ref(out))
        _MAPS.extend(weakref.ref(lev) for lev in levels.values())
        _PYRAMIDS[id(out)] = (weakref.ref(out), levels)


def map_fits_image(path: str | Path, hdu: int | str | None = None,
                   reduce: Callable[[np.ndarray], np.ndarray] | None = None) -> Any:
    """An uncompressed FITS image too big to decode into memory, as an
    :class:`~editor.io.image.Image` whose pixels are a read-only memory map (an unlinked
    temporary file, as a project's big sources): read band by band, the values and notes
    ``open_image`` gives (integers scaled to 0..1, BZERO applied, rows top first, infinities
    made NaN). None when the file is not one the streamed reader covers (compressed, BLANK
    or other scalings, a cube that is not RGB): the caller then keeps its refusal.
    ``reduce``: the renderer's x2 reduction, to build the proxy levels on the way."""
    from editor.io.convert_stream import _open_source
    from editor.io.image import Image
    from editor.locale import D_

    opened = _open_source(Path(path), {"hdu": hdu})
    if opened is None:
        return None
    source, meta = opened
    integer = source.dtype.kind in "iu"
    found = [np.inf, -np.inf, 0]  # range of the stored (integer) or finite values, infinities
    raw = np.empty(0, source.dtype)

    def block(c: int, y0: int, n: int) -> np.ndarray:
        nonlocal raw
        if raw.size < n * source.w:
            raw = np.empty(n * source.w, source.dtype)
        band = source.read(c, y0, y0 + n, raw).astype(np.float32)
        if integer:
            if source.zero:
                band += source.zero
            found[0], found[1] = min(found[0], float(band.min())), max(found[1], float(band.max()))
            if source.scale != 1:
                band *= source.scale
            return band
        lo, hi = float(np.fmin.reduce(band, axis=None)), float(np.fmax.reduce(band, axis=None))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            inf = np.isinf(band)
            found[2] += int(np.count_nonzero(inf))
            band[inf] = np.nan
            lo, hi = float(np.fmin.reduce(band, axis=None)), float(np.fmax.reduce(band, axis=None))
        if np.isfinite(lo):
            found[0], found[1] = min(found[0], lo), max(found[1], hi)
        return band

    shape = (source.h, source.w) if source.planes == 1 else (source.h, source.w, 3)
    try:
        _mm, out, levels = _fill(shape, block, reduce)
    finally:
        source.close()
    _register(out, levels)
    meta.data_range = (found[0], found[1]) if found[0] <= found[1] else None
    if found[2]:  # where open_image says it: before the row order and HDU notes
        at = len(meta.notes) - (meta.extra["row_order"] == "BOTTOM-UP") - bool(meta.extra["hdu"])
        meta.notes.insert(at, D_("infinite values turned into NaN (missing data)"))
    return Image(out, meta)
