"""Saving and opening .nebula projects: a zip of document.json + float32 FITS pixels.

Opening treats the file as hostile: it must be a zip whose member names are plain relative
paths, document.json must parse (JSON only: no pickle, no eval) and pass the schema checks,
every declared image size must fit the memory budget, and every member is read with a size
cap, so a lying zip header cannot make us allocate more. Nothing is ever extracted to disk.
Any problem is one :class:`~editor.errors.ProjectError` naming the file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import logging
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable

from editor.core import availability
from editor.errors import DocumentError, ImageReadError, OutsideReferencesError, ProjectError
from editor.io.image import ImageMeta
from editor.io.mapped import map_min_bytes
from editor.jobs.progress import Cancelled, Progress
from editor.locale import _
from editor.project import schema
from editor.project.fits_store import (STREAM_MIN_BYTES, FitsDataError, fits_buffer, fits_bytes,
                                       read_fits_bytes, write_fits_source)
from editor.project.migrations import migrate_document, migrate_filter_params

if TYPE_CHECKING:
    from editor.core.document import Document

log = logging.getLogger(__name__)

FITS_SLACK = 64 * 2880  # header blocks allowed beyond the pixel bytes


# ----------------------------------------------------------------------------- references


def _relative_to_project(source: Path, project: Path) -> str | None:
    """``source`` relative to the project's folder (POSIX form), when it lies inside it.

    A project and its images then move together: to another folder, disk or machine.
    """
    try:
        return source.resolve().relative_to(project.resolve().parent).as_posix()
    except ValueError:
        return None


def _resolve_reference(rec: dict[str, Any], project: Path) -> str:
    """The referenced file: next to the project first (it may have moved), else the path it
    names (a relative one is taken from the project's folder, never from the current one)."""
    folder = Path(project).resolve().parent
    relative = rec.get("relative_path")
    if isinstance(relative, str) and relative and not Path(relative).is_absolute() \
            and ".." not in Path(relative).parts:
        candidate = folder / relative
        if candidate.resolve().is_relative_to(folder) and candidate.is_file():
            return str(candidate)
    named = Path(rec["path"])
    return str(named if named.is_absolute() else folder / named)


def outside_references(data: dict[str, Any], project: Path) -> list[str]:
    """The files a project's references would read outside the project's folder (after
    following symbolic links), as the project names them. Nothing is opened or tested for
    existence beyond the project's own folder: the answer reveals nothing about the disk."""
    folder = Path(project).resolve().parent
    out = []
    for rec in data["sources"]:
        if rec["storage"] != "reference":
            continue
        target = _resolve_reference(rec, project)
        if not Path(target).resolve().is_relative_to(folder) and target not in out:
            out.append(target)
    return out


def _allowed(outside: list[str], allow: bool | Iterable[str]) -> list[str]:
    """The outside references ``allow`` does not cover (True: all; a list: exactly those)."""
    if allow is True:
        return []
    if allow is False or allow is None:
        return list(outside)
    granted = {str(Path(p).resolve()) for p in allow}
    return [p for p in outside if str(Path(p).resolve()) not in granted]


def _unusable_reference(path: Path, shown: str) -> ProjectError:
    # One message whatever went wrong: missing, unreadable, not an image or changed would
    # otherwise tell whoever wrote the project whether a file exists on this computer.
    return ProjectError(path, _("cannot use the image it refers to, {shown} (missing, unreadable, "
                              "or not the file the project was saved with)").format(shown=shown))


# ----------------------------------------------------------------------------- saving

def save_project(doc: "Document", path: str | Path, *, embed_sources: bool = True,
                 recovery: bool = False, progress: Progress | None = None,
                 cancel: Any = None) -> None:
    """Write ``doc`` to ``path`` atomically (temp file, fsync, rename).

    ``recovery`` marks an autosave copy; it changes nothing in the file: a recovery copy is
    recognised by where it lives (:mod:`editor.project.recovery`), never by what it says.
    ``progress`` gets 0..1 per member and per band written (it may raise
    :class:`~editor.jobs.progress.Cancelled`, the job convention); ``cancel`` (a CancelToken,
    a threading.Event or a callable returning True) is checked at the same points. A
    cancelled save raises Cancelled before the rename: the temp file is removed and the
    file at ``path`` is left byte for byte as it was.
    """
    from editor.io.atomic import atomic_path
    from editor.core.tree import referenced_sources

    path = Path(path)
    step = _SaveSteps(progress, cancel)
    with doc._lock:
        layers = doc.to_dict()
        snapshots = [{"id": s["id"], "name": s["name"], "layers": s["layers"]} for s in doc._snapshots]
        used = referenced_sources(layers)
        for s in snapshots:
            used |= referenced_sources(s["layers"])
        sources = [doc.sources[sid] for sid in sorted(used) if sid in doc.sources]
        record: dict[str, Any] = {
            "format": schema.FORMAT, "schema_version": schema.SCHEMA_VERSION,
            "app_version": _app_version(),
            "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "canvas": {"width": doc.width, "height": doc.height},
            "sources": [], "layers": layers, "snapshots": snapshots,
            "metadata": dict(doc.meta), "filters": _filter_versions(layers, doc.registry),
            "notes": [n.to_dict() for n in doc.notes],
        }
        if not doc.geometry.is_identity:  # crop/rotate/flip/resample (older files: none)
            record["geometry"] = doc.geometry.to_dict()
    step.plan(sum(_write_weight(src) for src in sources
                  if embed_sources or not _stored_as_reference(src)))
    try:
        with atomic_path(path) as tmp:
            with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
                step(0)
                for src in sources:
                    rec = {"id": src.id, "name": src.name, "kind": src.kind,
                           "shape": list(src.pixels.shape), "meta": meta_to_json(src.meta)}
                    if not embed_sources and _stored_as_reference(src):
                        # Inside the project's folder: relative, so both move together.
                        relative = _relative_to_project(Path(src.path), path)
                        rec.update(storage="reference", sha256=src.sha256,
                                   path=relative or str(Path(src.path).resolve()))
                        if relative is not None:
                            rec["relative_path"] = relative
                            rec["meta"]["path"] = relative
                    else:
                        name = f"sources/{src.id}.fits"
                        rec.update(storage="embedded", file=name, path=src.path)
                        _write_source(zf, name, src, step)
                    record["sources"].append(rec)
                text = json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False)
                zf.writestr(schema.DOCUMENT_NAME, text, compress_type=zipfile.ZIP_DEFLATED)
            step.finish()  # last chance to cancel: after this the fsync and rename
    except OSError as exc:
        from editor.errors import ImageWriteError

        raise ImageWriteError(path, _("could not save the project ({strerror})").format(strerror=exc.strerror or exc)) from None


def _stored_as_reference(src: Any) -> bool:
    """Whether ``embed_sources=False`` stores ``src`` as a reference (an image from a file)."""
    return bool(src.kind == "image" and src.path and Path(src.path).is_file())


def _write_weight(src: Any) -> int:
    """Progress units for writing ``src``: its bytes, twice when streamed (checksum pass,
    then the write pass)."""
    nbytes = int(src.pixels.nbytes)
    return 2 * nbytes if nbytes >= STREAM_MIN_BYTES else nbytes


class _SaveSteps:
    """Progress and cancel checks of one save: ``step(units)`` after each member or band."""

    _WRITE_SHARE = 0.98  # the rest: document.json, fsync and rename

    def __init__(self, progress: Progress | None, cancel: Any) -> None:
        self._progress = progress
        self._cancelled = _cancel_flag(cancel)
        self._total = 1
        self._done = 0

    def plan(self, total_units: int) -> None:
        self._total = max(1, total_units)

    def __call__(self, units: int) -> None:
        self._done += units
        self._report(self._WRITE_SHARE * min(1.0, self._done / self._total))

    def finish(self) -> None:
        self._report(self._WRITE_SHARE)

    def _report(self, fraction: float) -> None:
        if self._cancelled():
            raise Cancelled()
        if self._progress is not None:
            self._progress(fraction)


def _cancel_flag(cancel: Any) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "cancelled"):  # editor.jobs.progress.CancelToken
        return lambda: bool(cancel.cancelled)
    if hasattr(cancel, "is_set"):  # threading.Event
        return lambda: bool(cancel.is_set())
    if callable(cancel):
        return lambda: bool(cancel())
    raise TypeError("cancel must be a CancelToken, a threading.Event or a callable")


def _write_source(zf: zipfile.ZipFile, name: str, src: Any, step: _SaveSteps) -> None:
    """One source's FITS member: images stored (so a big one maps from disk when opened),
    raster masks deflated; a big source written band by band, not copied whole."""
    method = zipfile.ZIP_DEFLATED if src.kind == "mask" else zipfile.ZIP_STORED
    if src.pixels.nbytes < STREAM_MIN_BYTES:
        zf.writestr(name, fits_buffer(src.pixels, src.name), compress_type=method,
                    compresslevel=1 if method == zipfile.ZIP_DEFLATED else None)
        step(_write_weight(src))
        return
    info = zipfile.ZipInfo(name, date_time=_dt.datetime.now().timetuple()[:6])
    info.compress_type = method
    info._compresslevel = 1 if method == zipfile.ZIP_DEFLATED else None  # as writestr sets it
    info.external_attr = 0o600 << 16
    with zf.open(info, "w", force_zip64=True) as fh:
        write_fits_source(fh, src.pixels, src.name, on_band=step)


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("nebulayer")
    except Exception:  # noqa: BLE001 - metadata missing in a source checkout is fine
        return "dev"


def _filter_versions(layers: list[dict], registry: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for rec in layers:
        if rec.get("type") == "adjustment":
            out[rec["kind"]] = rec.get("kind_version", 1)
        if rec.get("type") == "group":
            out.update(_filter_versions(rec["children"], registry))
    return out


def meta_to_json(meta: ImageMeta) -> dict[str, Any]:
    """ImageMeta as JSON-safe data (odd header values become strings)."""
    return {"path": meta.path, "format": meta.format, "original_dtype": meta.original_dtype,
            "header": _jsonable(meta.header), "exif": _jsonable(meta.exif),
            "data_range": None if meta.data_range is None else [_num(v) for v in meta.data_range],
            "bayer_pattern": meta.bayer_pattern, "notes": [str(n) for n in meta.notes],
            "icc_profile": None if meta.icc_profile is None
            else base64.b64encode(meta.icc_profile).decode("ascii")}


def meta_from_json(d: Any) -> ImageMeta:
    """ImageMeta from a project record; fields of the wrong type (a damaged or hostile file)
    are dropped, never passed on."""
    if not isinstance(d, dict):
        return ImageMeta()

    def text(key: str) -> str:
        v = d.get(key)
        return v if isinstance(v, str) else ""

    def mapping(key: str) -> dict:
        v = d.get(key)
        return dict(v) if isinstance(v, dict) else {}

    icc = d.get("icc_profile")
    try:
        icc_bytes = base64.b64decode(icc, validate=True) if isinstance(icc, str) else None
    except (ValueError, binascii.Error):
        icc_bytes = None
    dr = d.get("data_range")
    data_range = (dr[0], dr[1]) if isinstance(dr, list) and len(dr) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in dr) else None
    notes = d.get("notes")
    bayer = d.get("bayer_pattern")
    return ImageMeta(path=text("path"), format=text("format"), original_dtype=text("original_dtype"),
                     header=mapping("header"), exif=mapping("exif"), data_range=data_range,
                     bayer_pattern=bayer if isinstance(bayer, str) else None,
                     notes=[str(n) for n in notes] if isinstance(notes, list) else [],
                     icc_profile=icc_bytes)


def _num(v: Any) -> Any:
    f = float(v)
    return f if f == f and abs(f) != float("inf") else str(f)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return _num(v)
    if hasattr(v, "item"):
        return _jsonable(v.item())
    return str(v)


# ----------------------------------------------------------------------------- opening

def load_project(path: str | Path, *, registry: Any = None, cache: Any = None,
                 memory_budget: int | None = None,
                 allow_outside: bool | Iterable[str] = False, tiled: bool = False) -> "Document":
    """Open a .nebula project; ProjectError (naming the file and the problem) on bad input.

    A project may refer to image files instead of embedding them. Those inside the project's
    folder are read freely; one naming files elsewhere (someone else's project asking for
    ``/home/you/...``) raises :class:`~editor.errors.OutsideReferencesError` listing them,
    before anything is read, unless ``allow_outside`` is True or lists them.
    ``tiled``: opened for a tiled render only (see :func:`schema.check_document`); the
    sources read into memory (not mapped) must then fit the budget together.
    """
    from editor.io.atomic import sweep_stale_temps
    from editor.io.budget import memory_budget as budget_of

    path = Path(path)
    budget = budget_of(memory_budget)
    sweep_stale_temps(path.parent)  # temp files of a save into this folder that was killed
    try:
        with zipfile.ZipFile(path, "r") as zf:
            members = _safe_members(zf, path)
            data = _read_json(zf, members, path)
            data = migrate_document(data)
            schema.check_document(data, budget, tiled=tiled)
            refused = _allowed(outside_references(data, path), allow_outside)
            if refused:
                raise OutsideReferencesError(path, refused)
            return _build(zf, members, data, path, registry, cache, budget if tiled else None)
    except FileNotFoundError:
        raise ProjectError(path, _("file not found")) from None
    except IsADirectoryError:
        raise ProjectError(path, _("is a folder, not a project file")) from None
    except zipfile.BadZipFile:
        raise ProjectError(path, _("not a Nebulayer project (not a valid zip archive; damaged or "
                                 "truncated?)")) from None
    except schema.SchemaError as exc:
        raise ProjectError(path, str(exc)) from None
    except (DocumentError, FitsDataError) as exc:
        raise ProjectError(path, _("damaged project: {exc}").format(exc=exc)) from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise ProjectError(path, _("damaged project ({exc})").format(exc=exc)) from None
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
        # A record of an unexpected shape that got past the schema checks: still the file's
        # fault, so one line; the traceback goes to the log for whoever fixes the check.
        log.debug("unexpected record shape in %s", path, exc_info=True)
        raise ProjectError(path, _("damaged project ({name}: "
                                 "{text})").format(name=type(exc).__name__, text=' '.join(str(exc).split())[:120])) from None
    except OSError as exc:
        raise ProjectError(path, _("could not read ({strerror})").format(strerror=exc.strerror or exc)) from None


def _safe_members(zf: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > schema.MAX_MEMBERS:
        raise ProjectError(path, _("{n} entries in the archive; refusing").format(n=len(infos)))
    out = {}
    for info in infos:
        name = info.filename
        p = PurePosixPath(name)
        if (not name or "\\" in name or p.is_absolute() or ".." in p.parts
                or ":" in p.parts[0] or name.startswith("/")):
            raise ProjectError(path, _("unsafe path {name!r} in the archive (refusing to open it)").format(name=name))
        out[name] = info
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path) -> bytes:
    """Read at most ``limit`` bytes; a member claiming or inflating to more is refused."""
    if info.file_size > limit:
        raise ProjectError(path, _("{filename} declares {file_size} bytes, more than "
                                 "the {limit} expected").format(filename=info.filename, file_size=info.file_size, limit=limit))
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:  # bad CRC, truncated, corrupt deflate
        raise ProjectError(path, _("{filename} is damaged ({exc})").format(filename=info.filename, exc=exc)) from None
    if len(data) > limit:
        raise ProjectError(path, _("{filename} inflates beyond its declared size").format(filename=info.filename))
    return data


def _read_json(zf: zipfile.ZipFile, members: dict, path: Path) -> dict[str, Any]:
    info = members.get(schema.DOCUMENT_NAME)
    if info is None:
        raise ProjectError(path, _("not a Nebulayer project (no document.json inside)"))
    raw = _read_member(zf, info, schema.MAX_JSON_BYTES, path)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ProjectError(path, _("document.json is not valid JSON ({exc})").format(exc=exc)) from None
    except RecursionError:
        raise ProjectError(path, _("document.json is nested too deeply")) from None
    if not isinstance(data, dict) or data.get("format") != schema.FORMAT:
        raise ProjectError(path, _("not a Nebulayer project (document.json has no project format tag)"))
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a project")


def _build(zf: zipfile.ZipFile, members: dict, data: dict, path: Path, registry: Any,
           cache: Any, held_budget: int | None = None) -> "Document":
    from editor.core.document import Document
    from editor.core.layers import AdjustmentLayer, layer_from_dict, walk
    from editor.core.masks import GeneratedMask
    from editor.core.notes import notes_from_list
    from editor.core.sources import Source, file_sha256, freeze, open_image_file
    from editor.core.tree import referenced_sources

    canvas = data["canvas"]
    doc = Document(canvas["width"], canvas["height"], registry=registry, cache=cache)
    held = 0  # bytes of source pixels read into memory (for ``held_budget``)
    from editor.project.member_map import map_member_in_place, mosaic_only_sources

    panels_only = mosaic_only_sources(data)  # mapped where they lie, not copied (see there)
    for rec in data["sources"]:
        shape = tuple(rec["shape"])
        meta = meta_from_json(rec.get("meta"))
        in_place = None
        if rec["storage"] == "embedded":
            info = members.get(rec["file"])
            if info is None:
                raise ProjectError(path, _("pixels of source {id} ({file}) are missing").format(id=rec['id'], file=rec['file']))
            limit = 4 * int(__import__("math").prod(shape)) + FITS_SLACK
            if rec["id"] in panels_only and limit - FITS_SLACK >= map_min_bytes():
                in_place = map_member_in_place(path, info, shape)
            try:
                from editor.io.mapped import map_fits_member  # big sources stay on disk
                from editor.render.resample import reduce2

                pixels = in_place if in_place is not None else map_fits_member(path, info, shape, reduce2)
                if pixels is None:
                    held = _held(held, limit, held_budget, path)
                    pixels = read_fits_bytes(_read_member(zf, info, limit, path), shape)
            except FitsDataError as exc:
                raise ProjectError(path, _("{file}: {exc}").format(file=rec['file'], exc=exc)) from None
            except ValueError as exc:
                raise ProjectError(path, _("{file} is damaged ({exc})").format(file=rec['file'], exc=exc)) from None
            src_path = rec.get("path") if isinstance(rec.get("path"), str) else None
        else:
            src_path = _resolve_reference(rec, path)
            nbytes = 4 * int(__import__("math").prod(shape))
            try:
                if not Path(src_path).is_file() or (
                        isinstance(rec.get("sha256"), str) and file_sha256(src_path) != rec["sha256"]):
                    raise _unusable_reference(path, rec["path"])
                # opened for tiles: a big referenced FITS (mosaic panels beside the project)
                # stays on disk as the embedded ones do; anything else is read and counted
                image = _mapped_reference(src_path) if held_budget is not None \
                    and nbytes >= map_min_bytes() else None
                if image is None:
                    held = _held(held, nbytes, held_budget, path)
                    image = open_image_file(src_path)
            except (ImageReadError, OSError):
                raise _unusable_reference(path, rec["path"]) from None
            pixels = image.data
            if tuple(pixels.shape) != shape:
                raise _unusable_reference(path, rec["path"])
            meta = image.meta
        src = Source(id=rec["id"], pixels=pixels if in_place is not None else freeze(pixels), name=str(rec.get("name", rec["id"])),
                     path=src_path, meta=meta, kind="mask" if rec.get("kind") == "mask" else "image")
        doc.sources[src.id] = src
    reg = doc.registry
    migrate_filter_params(data["layers"], reg)
    for snap in data.get("snapshots", []):
        migrate_filter_params(snap["layers"], reg)
    doc.layers = [layer_from_dict(d) for d in data["layers"]]
    # Snapshot records validated now, not at first use, and kept as the layers rebuild them
    # (types normalised: a hostile record's odd values never reach later code).
    doc._snapshots = [{"id": str(s["id"]), "name": str(s.get("name", "")),
                       "layers": [layer_from_dict(d).to_dict() for d in s["layers"]]}
                      for s in data.get("snapshots", [])]
    missing = referenced_sources(doc.to_dict()) - set(doc.sources)
    for s in doc._snapshots:
        missing |= referenced_sources(s["layers"]) - set(doc.sources)
    if missing:
        shown = ", ".join(sorted(str(m)[:40] for m in missing)[:5])
        raise ProjectError(path, _("layers refer to missing sources {shown}").format(shown=shown))
    for layer in walk(doc.layers):
        if isinstance(layer, AdjustmentLayer):
            mark_availability(layer, reg)
        if isinstance(layer.mask, GeneratedMask) and reg.get(layer.mask.kind) is None:
            layer.error = availability.mask_message(reg, layer.mask)
    doc.meta = dict(data.get("metadata") or {})
    if not isinstance(doc.meta.get("base_source"), str) or doc.meta["base_source"] not in doc.sources:
        doc.meta.pop("base_source", None)  # damaged: exports then take the first image layer's
    from editor.astrometry.project import restore_solutions  # plate solutions of sources

    restore_solutions(doc)
    doc.set_notes_loaded(notes_from_list(data.get("notes")))  # absent before notes existed
    if data.get("geometry") is not None:  # absent before crop/rotate existed: none
        from editor.core.geometry import Geometry

        try:
            geometry = Geometry.from_dict(data["geometry"])
        except DocumentError as exc:
            raise ProjectError(path, _("geometry: {exc}").format(exc=exc)) from None
        if geometry.shape != (doc.height, doc.width):
            raise ProjectError(path, _("geometry gives a {shape}x{shape2} "
                                     "canvas, the file says {width}x{height}").format(shape=geometry.shape[1], shape2=geometry.shape[0], width=doc.width, height=doc.height))
        doc.set_geometry_loaded(geometry)
    doc.mark_saved()
    # Saving goes back to the file the user opened, whatever the file says about itself
    # (older versions honoured a "recovery"/"original_path" claim: an attack vector).
    doc.path = str(path)
    return doc


def _mapped_reference(src_path: str) -> Any:
    """A referenced uncompressed FITS image as a memory-mapped Image (see
    :func:`editor.io.mapped.map_fits_image`), or None when it is not one."""
    from editor.io.mapped import map_fits_image
    from editor.render.resample import reduce2

    if Path(src_path).suffix.lower() not in (".fits", ".fit", ".fts"):
        return None
    try:
        return map_fits_image(src_path, None, reduce2)
    except (ImageReadError, OSError, ValueError, EOFError):
        return None  # the general reader says what is wrong with it


def _held(held: int, more: int, budget: int | None, path: Path) -> int:
    """``held + more`` bytes of sources in memory; ProjectError (before reading) when that
    passes ``budget`` (None: checked on the declared sizes already)."""
    if budget is not None and held + more > budget:
        raise ProjectError(path, _("the sources read into memory need {held:.1f} "
                                 "GiB, more than the {budget:.1f} GiB memory budget "
                                 "(only big sources stored uncompressed are mapped from disk)").format(held=(held + more) / 1024 ** 3, budget=budget / 1024 ** 3))
    return held + more


def mark_availability(layer: Any, registry: Any) -> None:
    """Flag an adjustment whose operation is missing, or newer than the installed one."""
    spec = registry.get(layer.kind)
    if spec is None:
        layer.unavailable = True
        layer.error = availability.layer_message(registry, layer)
    elif layer.kind_version > spec.version:
        layer.unavailable = True
        layer.error = (f"'{layer.kind}' settings are from a newer version ({layer.kind_version}) "
                       f"than the installed one ({spec.version}); the layer is skipped")
