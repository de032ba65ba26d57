"""Big mosaic panels mapped in place from the project file: no second copy when opening.

A project stores each source as an uncompressed big-endian float32 FITS member (planar
3 x H x W for colour). Image layers want native interleaved pixels, so their big sources are
converted into a temporary map (:func:`editor.io.mapped.map_fits_member`). Mosaic panels are
only ever read by :mod:`editor.mosaic.panels`, in strips and crops that numpy converts as it
reads them, so a source used by nothing but mosaic panels is mapped where it lies in the zip
and seen as an (H, W[, 3]) big-endian view: at 1 GP that saves 13.5 GB of temporary disk and
the 80-90 s conversion before the first view.

The file is treated as hostile: the member's local header, its FITS header and the pixel
bytes must lie inside the member and the member inside the file (checked against the file's
real size, never trusting a stated size alone); anything odd (compressed, encrypted, scaled,
other BITPIX or row order) is copied the old way, with the reason logged. The zip's CRC, which
the copy checked on the way, is checked here by a low-priority background thread (reading
13.5 GB before the first view is what this module removes); a damaged panel then fails its
mosaic layer with one line (:func:`editor.mosaic.checks.damage_of`) instead of showing wrong pixels silently from
then on. Until that check is done a damaged member shows what its bytes hold.
"""

from __future__ import annotations

import logging
import mmap
import os
import queue
import struct
import threading
import weakref
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from editor.locale import N_
from editor.mosaic import checks

log = logging.getLogger(__name__)

_MAX_HEADER_BLOCKS = 64  # FITS header blocks read at most (as editor.io.mapped)
_CHECK_CHUNK = 8 * 1024**2


def mosaic_only_sources(data: dict[str, Any]) -> set[str]:
    """Ids of the sources that the document's layers and every snapshot use only as mosaic
    panels (a source also used by another layer keeps the native copy it needs)."""
    panels: set[str] = set()
    other: set[str] = set()

    def walk(nodes: Iterable[Any]) -> None:
        for node in nodes:
            if not isinstance(node, dict):
                continue
            for p in node.get("panels") or ():
                if isinstance(p, dict) and isinstance(p.get("source"), str):
                    panels.add(p["source"])
            rest = {k: v for k, v in node.items() if k not in ("panels", "children")}
            other.update(_strings(rest))
            if isinstance(node.get("children"), list):
                walk(node["children"])

    walk(data.get("layers") or ())
    for snap in data.get("snapshots") or ():
        if isinstance(snap, dict):
            walk(snap.get("layers") or ())
    other.update(str(v) for v in (data.get("metadata") or {}).values() if isinstance(v, str))
    return panels - other


def _strings(value: Any) -> Iterable[str]:
    """Every string in a layer record (a source id can sit in a mask, channels, inputs...)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _cards(fh: Any, start: int, end: int) -> tuple[dict[str, str], int]:
    """Cards (key -> value text) of the FITS header at ``start`` and its length, never
    reading past ``end`` (the member's last byte) or _MAX_HEADER_BLOCKS blocks."""
    cards: dict[str, str] = {}
    length = 0
    fh.seek(start)
    while length < 2880 * _MAX_HEADER_BLOCKS and start + length + 2880 <= end:
        block = fh.read(2880)
        if len(block) != 2880:
            break
        length += 2880
        for i in range(0, 2880, 80):
            card = block[i:i + 80].decode("ascii", "replace")
            key = card[:8].strip()
            if key == "END":
                return cards, length
            if card[8:10] == "= ":
                cards.setdefault(key, card[10:].split("/")[0].strip())
    raise ValueError("no complete FITS header inside the member")


def _number(cards: dict[str, str], key: str, default: float) -> float:
    text = cards.get(key)
    if text is None:
        return default
    return float(text.replace("D", "E"))


def _locate(fh: Any, info: zipfile.ZipInfo, dims: tuple[int, ...]) -> tuple[int, int]:
    """Offsets in the file of the member's bytes and of its pixel bytes; ValueError saying
    why they cannot be mapped as they are."""
    size = os.fstat(fh.fileno()).st_size
    if info.flag_bits & 0x1:
        raise ValueError("encrypted member")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"compressed member (method {info.compress_type})")
    if info.compress_size != info.file_size:
        raise ValueError("stored member whose sizes disagree")
    if not 0 <= info.header_offset <= size - 30:
        raise ValueError("local header outside the file")
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError("bad local header")
    method, = struct.unpack("<H", local[8:10])
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    if method != zipfile.ZIP_STORED:
        raise ValueError("local header says compressed")
    name = fh.read(name_len)
    expected = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
    if name != expected:
        raise ValueError("local header names another member")
    start = info.header_offset + 30 + name_len + extra_len
    end = start + info.file_size
    if end > size:
        raise ValueError("member runs past the end of the file")
    cards, hlen = _cards(fh, start, end)
    if cards.get("SIMPLE") != "T":
        raise ValueError("not a FITS primary header")
    if cards.get("BITPIX") != "-32":
        raise ValueError(f"BITPIX {cards.get('BITPIX')}, not -32")
    if _number(cards, "BZERO", 0.0) != 0.0 or _number(cards, "BSCALE", 1.0) != 1.0:
        raise ValueError("scaled values (BZERO/BSCALE)")
    naxis = int(cards.get("NAXIS", "0"))
    if naxis != len(dims):
        raise ValueError(f"NAXIS {naxis}, the project says {len(dims)}")
    got = tuple(int(cards.get(f"NAXIS{i}", "0")) for i in range(naxis, 0, -1))
    if got != dims:
        raise ValueError(f"pixels are {got}, the project says {dims}")
    if cards.get("ROWORDER", "'TOP-DOWN'").strip("' ").upper() not in ("TOP-DOWN", ""):
        raise ValueError("rows stored bottom-up")
    if hlen + int(np.prod(dims)) * 4 > info.file_size:
        raise ValueError("pixel data is truncated")
    return start, start + hlen


def map_member_in_place(project: str | Path, info: zipfile.ZipInfo, shape: tuple[int, ...]
                        ) -> np.ndarray | None:
    """The member's pixels, ``shape`` (H, W) or (H, W, 3), as a read-only big-endian view
    of the project file itself, or None (the reason logged) when it cannot be mapped as it
    is: the caller then copies it. Its CRC is then checked in the background."""
    dims = tuple(shape) if len(shape) == 2 else (shape[2], shape[0], shape[1])
    nbytes = int(np.prod(dims)) * 4
    try:
        with open(project, "rb") as fh:
            start, offset = _locate(fh, info, dims)
            base = offset - offset % mmap.ALLOCATIONGRANULARITY
            mm = mmap.mmap(fh.fileno(), offset - base + nbytes, access=mmap.ACCESS_READ,
                           offset=base)
            fd = os.dup(fh.fileno())  # the check reads this file even if a save replaces it
    except (ValueError, OSError, OverflowError) as exc:
        log.info("%s: %s is copied, not mapped in place: %s", project, info.filename, exc)
        return None
    planes = np.ndarray(dims, ">f4", buffer=mm, offset=offset - base)  # read-only: ACCESS_READ
    from editor.io.mapped import _register

    _register(planes, {})  # known to drop_resident / drop_pages like the converted maps
    checks.unchecked(planes)
    _enqueue(fd, start, f"{project}: {info.filename}", info, planes)
    return planes if len(dims) == 2 else np.moveaxis(planes, 0, -1)


_QUEUE: "queue.Queue[tuple[int, int, str, zipfile.ZipInfo, int, weakref.ref]]" = queue.Queue()
_WORKER: list[threading.Thread] = []
_WORKER_LOCK = threading.Lock()


def _enqueue(fd: int, start: int, label: str, info: zipfile.ZipInfo, planes: np.ndarray) -> None:
    """Check the member (at ``start`` in the open file ``fd``, closed once checked) in the
    one background checker thread: members one after the other (a thread each read them all
    at once, against the first view's reads)."""
    # weak: a closed document's map is not kept alive by its pending check
    _QUEUE.put((fd, start, label, info, id(planes), weakref.ref(planes)))
    with _WORKER_LOCK:
        if not _WORKER or not _WORKER[0].is_alive():
            _WORKER[:] = [threading.Thread(target=_checker, name="nebulayer-crc", daemon=True)]
            _WORKER[0].start()


def _checker() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only
    except (OSError, AttributeError):
        pass
    while True:
        _check_crc(*_QUEUE.get())


def _check_crc(fd: int, start: int, label: str, info: zipfile.ZipInfo, key: int,
               ref: weakref.ref) -> None:
    """Compare the member's bytes with the zip's CRC, read from the file (not the map, so no
    pages stay resident); the result goes to :mod:`editor.mosaic.checks`."""
    problem = ""
    try:
        crc, left, pos = 0, info.file_size, start
        while left > 0:
            if ref() is None:
                return  # the document was closed
            raw = os.pread(fd, min(left, _CHECK_CHUNK), pos)
            if not raw:
                break
            crc = zlib.crc32(raw, crc)
            pos += len(raw)
            left -= len(raw)
        if left or crc & 0xFFFFFFFF != info.CRC:
            problem = N_("pixel data does not match its checksum (the file is damaged)")
    except OSError:
        problem = N_("the project file could not be read again")
    finally:
        os.close(fd)
    if problem:
        log.error("%s: %s", label, problem)
    checks.checked(key, ref, problem)
