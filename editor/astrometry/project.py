"""A plate solution stored with its source in a project (no Qt).

The solution goes two places: the source's header (array WCS cards written for that header's
row order, so exports, the mosaic builder and the overlay find it like any FITS WCS) and
``doc.meta["plate_solutions"][source_id]`` (TOP-DOWN cards plus how it was solved), which is
plain JSON in the project and puts the WCS back on a source re-read from its original file when
the project references instead of embeds it. The original file is never written.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from astropy.wcs import WCS

from editor.astrometry.wcs import summarise, wcs_cards
from editor.core.history import CallbackCommand
from editor.errors import DocumentError
from editor.io.wcs import array_wcs, header_wcs, with_array_wcs
from editor.locale import _

META_KEY = "plate_solutions"


def source_wcs(doc: Any, source_id: str) -> WCS | None:
    """The array WCS (row 0 = top) of a document source, or None."""
    src = doc.sources.get(source_id)
    if src is None:
        return None
    return array_wcs(src.meta.header, src.height)


def _apply(src: Any, wcs: WCS | None) -> None:
    src.meta = dataclasses.replace(src.meta, header=with_array_wcs(src.meta.header, wcs, src.height))


def store_solution(doc: Any, source_id: str, wcs: WCS, *, backend: str = "", seconds: float = 0.0) -> None:
    """Put ``wcs`` (array order) on a source as one undoable step ("Plate Solve ...")."""
    src = doc.sources.get(source_id)
    if src is None:
        raise DocumentError(_("no source {source_id!r} in this document").format(source_id=source_id))
    summary = summarise(wcs, src.pixels.shape[:2])
    record = {"cards": {k: v for k, v in wcs_cards(wcs).items()}, "backend": str(backend),
              "seconds": round(float(seconds), 2), "summary": summary.as_dict()}
    old_header = copy.deepcopy(src.meta.header)
    old_record = copy.deepcopy(doc.meta.get(META_KEY, {}).get(source_id))

    def do(d: Any) -> None:
        _apply(src, wcs)
        d.meta.setdefault(META_KEY, {})[source_id] = copy.deepcopy(record)

    def undo(d: Any) -> None:
        src.meta = dataclasses.replace(src.meta, header=copy.deepcopy(old_header))
        table = d.meta.setdefault(META_KEY, {})
        if old_record is None:
            table.pop(source_id, None)
        else:
            table[source_id] = copy.deepcopy(old_record)

    doc._push(CallbackCommand(_("Plate Solve {name}").format(name=src.name or source_id), do, undo,
                              events=[("document", None)], refs={source_id}))


def restore_solutions(doc: Any) -> None:
    """After loading: sources re-read from their files get their stored solution back; a
    damaged record is dropped (the project still opens, without that WCS)."""
    table = doc.meta.get(META_KEY)
    if not isinstance(table, dict):
        doc.meta.pop(META_KEY, None)
        return
    for sid in list(table):
        rec, src = table[sid], doc.sources.get(sid)
        try:
            wcs = header_wcs(rec["cards"]) if isinstance(rec, dict) and isinstance(rec.get("cards"), dict) else None
        except Exception:  # noqa: BLE001 - cards astropy rejects: a damaged record, dropped
            wcs = None
        if src is None or wcs is None:
            table.pop(sid)
            continue
        _apply(src, wcs)
