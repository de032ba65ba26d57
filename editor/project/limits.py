"""Bounds on everything in document.json that a hostile or damaged file could make huge.

The zip and JSON size caps bound the bytes; these bound what the bytes can mean: how deep the
JSON nests, how many layers and snapshots there are, how long a name or a parameter string is,
how many entries a parameter list or a copied FITS header holds, and that numbers are finite and
of a sane magnitude (an image offset of 1e29 or 1e400 is refused here, not deep in a render).
The limits sit far above anything the editor itself writes (a curve has tens of points, a
document tens of layers), so a real project never meets them. Each failure is one SchemaError
saying what was too big and where.
"""

from __future__ import annotations

import math
from typing import Any

from editor.locale import N_, _
from editor.project.schema_error import SchemaError

MAX_JSON_DEPTH = 64  # nesting of objects/lists anywhere in document.json
MAX_GROUP_DEPTH = 24  # groups inside groups
MAX_LAYERS = 5000  # layers in the document's tree
MAX_SNAPSHOTS = 500
MAX_LAYER_RECORDS = 200_000  # all layers of the tree plus every snapshot's copy of it
MAX_NAME_CHARS = 1024  # layer / snapshot / source names
MAX_PARAM_STRING = 4096  # a string anywhere in layer records (parameters, kinds, ids)
MAX_PARAM_LIST = 10_000  # a list in layer parameters (a curve has tens of points)
MAX_META_STRING = 64 * 1024  # a header or EXIF value copied from a source file
MAX_META_ENTRIES = 20_000  # header cards / EXIF fields / HISTORY lines per source
MAX_ICC_CHARS = 16 * 1024**2  # base64 of an embedded ICC profile
MAX_NODES = 4_000_000  # JSON values in total
MAX_COORD = float(1 << 20)  # image/channel offsets, in pixels (8x the largest canvas side)
MAX_MAGNITUDE = 1e12  # any other number in layer records


class _Walk:
    def __init__(self) -> None:
        self.nodes = 0


def _require(cond: bool, message: str, **fields: Any) -> None:
    """SchemaError(message) unless ``cond``. With ``fields``, ``message`` is an ``N_()`` template
    translated and filled only on failure: the per-value checks run for every JSON value."""
    if not cond:
        raise SchemaError(_(message).format(**fields) if fields else message)


def check_json_bounds(value: Any, where: str, *, max_string: int, max_list: int,
                      depth: int = 0, walk: _Walk | None = None, numbers: bool = False) -> None:
    """Depth, string lengths, list lengths and (``numbers``) finite, sane numbers under ``value``.

    Iterative over siblings, recursive only in depth (bounded by MAX_JSON_DEPTH).
    """
    walk = walk or _Walk()
    walk.nodes += 1
    _require(walk.nodes <= MAX_NODES, N_("document.json holds more than {count} values"), count=MAX_NODES)
    _require(depth <= MAX_JSON_DEPTH, N_("{where}: nested more than {depth} levels deep"), where=where,
             depth=MAX_JSON_DEPTH)
    if isinstance(value, str):
        _require(len(value) <= max_string,
                 N_("{where}: a text of {count} characters (at most {most} allowed)"), where=where,
                 count=len(value), most=max_string)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, float):
        _require(math.isfinite(value), N_("{where}: number {value} is not finite"), where=where, value=value)
        if numbers:
            _require(abs(value) <= MAX_MAGNITUDE, N_("{where}: number {value} is absurd"), where=where,
                     value=f"{value:g}")
    elif isinstance(value, int):
        if numbers:
            _require(abs(value) <= MAX_MAGNITUDE, N_("{where}: number {value} is absurd"), where=where, value=value)
    elif isinstance(value, list):
        _require(len(value) <= max_list,
                 N_("{where}: a list of {count} entries (at most {most} allowed)"), where=where,
                 count=len(value), most=max_list)
        for item in value:
            check_json_bounds(item, where, max_string=max_string, max_list=max_list,
                              depth=depth + 1, walk=walk, numbers=numbers)
    elif isinstance(value, dict):
        _require(len(value) <= max_list,
                 N_("{where}: an object of {count} entries (at most {most} allowed)"), where=where,
                 count=len(value), most=max_list)
        for key, item in value.items():
            _require(len(key) <= max_string, N_("{where}: a key of {count} characters"), where=where,
                     count=len(key))
            check_json_bounds(item, where, max_string=max_string, max_list=max_list,
                              depth=depth + 1, walk=walk, numbers=numbers)


def check_layer_tree(layers: list, where: str, walk: _Walk, counter: list[int],
                     depth: int = 0, ids: set | None = None) -> int:
    """Bounds of a layer tree (the document's or a snapshot's); returns its layer count.

    Layer ids must be unique in a tree: a copied-and-pasted record is damage, not a layer.
    """
    _require(depth <= MAX_GROUP_DEPTH, _("{where}: groups nested more than {MAX_GROUP_DEPTH} deep").format(where=where, MAX_GROUP_DEPTH=MAX_GROUP_DEPTH))
    ids = set() if ids is None else ids
    count = 0
    for i, rec in enumerate(layers):
        at = f"{where} layer {i}"
        _require(isinstance(rec, dict), _("{at}: not a layer record").format(at=at))
        lid = rec.get("id")
        _require(isinstance(lid, str) and len(lid) <= MAX_NAME_CHARS, _("{at}: bad layer id").format(at=at))
        _require(lid not in ids, _("{at}: layer id {lid} appears twice").format(at=at, lid=lid[:40]))
        ids.add(lid)
        count += 1
        counter[0] += 1
        _require(counter[0] <= MAX_LAYER_RECORDS,
                 _("more than {MAX_LAYER_RECORDS} layer records in the document and its snapshots").format(MAX_LAYER_RECORDS=MAX_LAYER_RECORDS))
        name = rec.get("name", "")
        _require(isinstance(name, str) and len(name) <= MAX_NAME_CHARS,
                 _("{at}: the name is not a text of at most {MAX_NAME_CHARS} characters").format(at=at, MAX_NAME_CHARS=MAX_NAME_CHARS))
        _check_offsets(rec, at)
        for key, value in rec.items():
            if key == "children":
                continue
            check_json_bounds(value, f"{at} ({key})", max_string=MAX_PARAM_STRING,
                              max_list=MAX_PARAM_LIST, depth=depth * 2 + 3, walk=walk, numbers=True)
        children = rec.get("children")
        if children is not None:
            _require(isinstance(children, list), _("{at}: children must be a list").format(at=at))
            count += check_layer_tree(children, f"{at} >", walk, counter, depth + 1, ids)
    return count


def _check_offsets(rec: dict, at: str) -> None:
    offset = rec.get("offset")
    if offset is not None:
        _require(isinstance(offset, list) and len(offset) == 2 and all(_coord(v) for v in offset),
                 _("{at}: offset {short} is not two numbers within ±{MAX_COORD:g} pixels").format(at=at, short=_short(offset), MAX_COORD=MAX_COORD))
    offsets = rec.get("offsets")
    if offsets is not None:
        _require(isinstance(offsets, dict), _("{at}: offsets must map channel -> [dy, dx]").format(at=at))
        for ch, v in offsets.items():
            _require(isinstance(v, list) and len(v) == 2 and all(_coord(x) for x in v),
                     _("{at}: offset of {ch} {short} is not two numbers within "
                     "±{MAX_COORD:g} pixels").format(at=at, ch=str(ch)[:20], short=_short(v), MAX_COORD=MAX_COORD))


def _coord(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v) and abs(v) <= MAX_COORD)


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def check_document_bounds(data: dict) -> None:
    """All the bounds above, on a structurally checked document record."""
    walk = _Walk()
    counter = [0]
    n = check_layer_tree(data["layers"], "document", walk, counter)
    _require(n <= MAX_LAYERS, _("{n} layers (at most {MAX_LAYERS} allowed)").format(n=n, MAX_LAYERS=MAX_LAYERS))
    snapshots = data.get("snapshots", [])
    _require(len(snapshots) <= MAX_SNAPSHOTS,
             _("{n} snapshots (at most {MAX_SNAPSHOTS} allowed)").format(n=len(snapshots), MAX_SNAPSHOTS=MAX_SNAPSHOTS))
    for i, snap in enumerate(snapshots):
        _require(isinstance(snap.get("name", ""), str) and len(snap.get("name", "")) <= MAX_NAME_CHARS
                 and len(snap["id"]) <= MAX_NAME_CHARS, _("snapshot {i}: name or id too long").format(i=i))
        n = check_layer_tree(snap["layers"], f"snapshot {i}", walk, counter)
        _require(n <= MAX_LAYERS, _("snapshot {i}: {n} layers (at most {MAX_LAYERS} allowed)").format(i=i, n=n, MAX_LAYERS=MAX_LAYERS))
    for key, value in data.items():  # metadata, notes, filters, and whatever a newer file adds
        if key not in ("layers", "snapshots", "sources"):
            check_json_bounds(value, str(key)[:40], max_string=MAX_META_STRING,
                              max_list=MAX_META_ENTRIES, depth=1, walk=walk)
    for i, src in enumerate(data["sources"]):
        where = f"source {i}"
        _require(len(src["id"]) <= MAX_NAME_CHARS and len(str(src.get("name", ""))) <= MAX_NAME_CHARS,
                 _("{where}: id or name too long").format(where=where))
        for key, value in src.items():
            if key == "meta" and isinstance(value, dict):
                for mkey, mval in value.items():
                    limit = MAX_ICC_CHARS if mkey == "icc_profile" else MAX_META_STRING
                    check_json_bounds(mval, f"{where} meta {mkey[:40]}", max_string=limit,
                                      max_list=MAX_META_ENTRIES, depth=3, walk=walk)
            else:
                check_json_bounds(value, f"{where} {key[:40]}", max_string=MAX_META_STRING,
                                  max_list=MAX_META_ENTRIES, depth=2, walk=walk)
