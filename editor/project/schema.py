"""The document.json record of a .nebula project: version, limits and structural checks.

Schema 1::

    {"format": "nebulayer-project", "schema_version": 1, "app_version": "0.1.0",
     "saved_at": ISO time,
     "canvas": {"width": W, "height": H},
     "sources": [{"id", "name", "kind": "image"|"mask", "shape": [H, W] or [H, W, 3],
                  "storage": "embedded", "file": "sources/<id>.fits", "sha256"}
                 | {... "storage": "reference", "path": "/abs/file.fits", "sha256",
                    "relative_path": "file.fits" (when inside the project's folder)}],
     "layers": [layer records, bottom to top (editor.core.layers.Layer.to_dict); a mask may
                be {"type": "layer", "layer": id, ...controls} (another layer as the mask)],
     "snapshots": [{"id", "name", "layers": [...]}],
     "metadata": {...}, "filters": {"levels": 1, ...},
     "notes": [{"id", "kind": "pin"|"rect", "x", "y", "w", "h", "text", "crop": [x, y, w, h]|null,
                "sky": {"ra", "dec"}|null}] (optional: files without it have no notes),
     "geometry": {"base": [H0, W0], "ops": [{"op": "crop", "x", "y", "w", "h"} |
                  {"op": "rotate", "angle"} | {"op": "flip", "axis": "h"|"v"} |
                  {"op": "resample", "scale"}]} (optional: absent = none; the layers live in
                  the H0 x W0 frame, "canvas" is the output; editor/core/geometry.py)}

Every number a hostile file could use to make us allocate memory is checked here first, and
:mod:`editor.project.limits` bounds every size (nesting, layer and snapshot counts, texts,
lists, offsets). Older files may hold ``"recovery"`` / ``"original_path"``: they are ignored,
since what a file says about itself never decides where a save goes (recovery copies are
recognised by where they live: :mod:`editor.project.recovery`).
"""

from __future__ import annotations

from typing import Any

from editor.locale import _
from editor.project.limits import check_document_bounds
from editor.project.schema_error import SchemaError  # noqa: F401  (re-exported: callers import it from here)

FORMAT = "nebulayer-project"
SCHEMA_VERSION = 1
DOCUMENT_NAME = "document.json"
MAX_JSON_BYTES = 64 * 1024**2
MAX_SIDE = 1 << 17  # 131072 px: beyond any mosaic we support
MAX_MEMBERS = 10000


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise SchemaError(message)


def check_shape(shape: Any, where: str, pixel_budget: int) -> tuple[int, ...]:
    """A validated (H, W) or (H, W, 3) within ``pixel_budget`` bytes of float32."""
    _require(isinstance(shape, list) and len(shape) in (2, 3)
             and all(isinstance(v, int) and not isinstance(v, bool) for v in shape),
             _("{where}: shape must be [H, W] or [H, W, 3]").format(where=where))
    _require(all(0 < v <= MAX_SIDE for v in shape[:2]), _("{where}: image size {shape} is absurd").format(where=where, shape=shape))
    _require(len(shape) == 2 or shape[2] == 3, _("{where}: only 1 or 3 channels are allowed").format(where=where))
    nbytes = 4
    for v in shape:
        nbytes *= v
    _require(nbytes <= pixel_budget,
             _("{where}: a {shape}x{shape2} image needs {nbytes:.1f} GiB, more than "
             "the {pixel_budget:.1f} GiB memory budget").format(where=where, shape=shape[1], shape2=shape[0], nbytes=nbytes / 1024 ** 3, pixel_budget=pixel_budget / 1024 ** 3))
    return tuple(shape)


def check_document(data: Any, pixel_budget: int, *, tiled: bool = False) -> None:
    """Structural checks of a migrated (current-schema) document record. ``tiled``: the
    document is only rendered by tiles (headless render), so neither the canvas nor the
    sources together need to fit the budget: the tile planner refuses what cannot fit, and
    the loader counts the sources it really reads into memory (big ones are mapped). The
    editor opens every project this way (its canvas shows tiles)."""
    _require(isinstance(data, dict), _("document.json is not an object"))
    canvas = data.get("canvas")
    _require(isinstance(canvas, dict), _("canvas is missing"))
    # A full-size render holds RGB float32 copies of the canvas: one must fit the budget.
    check_shape([canvas.get("height"), canvas.get("width"), 3], "canvas",
                2**62 if tiled else pixel_budget)
    geometry = data.get("geometry")
    if geometry is not None:  # the layer frame a crop/rotation keeps is rendered too
        _require(isinstance(geometry, dict) and isinstance(geometry.get("base"), list)
                 and len(geometry["base"]) == 2 and isinstance(geometry.get("ops", []), list)
                 and len(geometry.get("ops", [])) <= 1000, _("bad geometry record"))
        check_shape([*geometry["base"], 3], "geometry base", 2**62 if tiled else pixel_budget)
    sources = data.get("sources")
    _require(isinstance(sources, list), _("sources must be a list"))
    total = 0
    ids = set()
    for i, s in enumerate(sources):
        where = f"source {i}"
        _require(isinstance(s, dict) and isinstance(s.get("id"), str), _("{where}: bad record").format(where=where))
        _require(s["id"] not in ids, _("{where}: duplicate id {id}").format(where=where, id=s['id']))
        ids.add(s["id"])
        # tiled: a source alone may pass the budget too when it is mapped from disk; the
        # loader counts the ones it reads into memory against the budget before reading.
        shape = check_shape(s.get("shape"), f"{where} ({s['id']})", 2**62 if tiled else pixel_budget)
        n = 4
        for v in shape:
            n *= v
        total += n
        _require(s.get("storage") in ("embedded", "reference"), _("{where}: unknown storage").format(where=where))
        if s["storage"] == "embedded":
            _require(isinstance(s.get("file"), str), _("{where}: embedded pixels need a file name").format(where=where))
        else:
            _require(isinstance(s.get("path"), str), _("{where}: a reference needs a path").format(where=where))
    _require(tiled or total <= pixel_budget,
             _("the sources need {total:.1f} GiB, more than the "
             "{pixel_budget:.1f} GiB memory budget").format(total=total / 1024 ** 3, pixel_budget=pixel_budget / 1024 ** 3))
    _require(isinstance(data.get("layers"), list), _("layers must be a list"))
    _require(isinstance(data.get("snapshots", []), list), _("snapshots must be a list"))
    for snap in data.get("snapshots", []):
        _require(isinstance(snap, dict) and isinstance(snap.get("layers"), list)
                 and isinstance(snap.get("id"), str), _("bad snapshot record"))
    _require(isinstance(data.get("metadata", {}), dict), _("metadata must be an object"))
    check_document_bounds(data)
