"""Checking a plugin's manifest before anything from it is registered.

A plugin is a callable returning a plain dict (the manifest)::

    {
        "api_version": 1,                       # the plugin API this plugin was written for
        "id": "org.example.wavelets",           # unique; letters, digits, . _ -
        "name": "Wavelet sharpening",
        "version": "1.2.0",
        "filters": [FilterSpec(...), ...],      # adjustments and generated masks
        "readers": [{"extensions": [".xyz"], "read": read}],          # read(path) -> Image
        "writers": [{"extensions": [".xyz"], "write": write}],        # write(array, path, meta)
    }

``filters`` entries may be :class:`filters.registry.FilterSpec` objects or dicts with the same
field names (``params`` as :class:`Param` objects or dicts). Every problem found is reported
at once, so a plugin author fixes the manifest in one round. Nothing here runs plugin code
except ``inspect.signature`` on the functions it declares.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, get_args

from filters.messages import set_translator
from filters.registry import FilterSpec, Param, ParamKind

from editor.locale import _

# The filters' parameter checks (filters.messages.M_) speak the editor's language.
set_translator(_)

SUPPORTED_API_VERSIONS = (1,)
KNOWN_KEYS = {"api_version", "id", "name", "version", "filters", "readers", "writers",
              "description", "author", "url"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_EXT_RE = re.compile(r"^\.[a-z0-9][a-z0-9_.\-]*$")
_PARAM_KINDS = set(get_args(ParamKind))


class ManifestError(ValueError):
    """The manifest is invalid; the message lists every problem found, separated by '; '."""


@dataclass(frozen=True)
class ReaderSpec:
    """An image reader a plugin adds: ``read(path) -> editor.io.Image``."""

    extensions: tuple[str, ...]
    read: Callable[[str], Any]
    name: str = ""


@dataclass(frozen=True)
class WriterSpec:
    """An image writer (exporter) a plugin adds: ``write(array, path, meta) -> None``."""

    extensions: tuple[str, ...]
    write: Callable[[Any, str, Any], Any]
    name: str = ""


@dataclass
class Manifest:
    """A manifest that passed validation; filters already carry ``source=<plugin id>``."""

    id: str
    name: str
    version: str
    api_version: int
    filters: list[FilterSpec] = field(default_factory=list)
    readers: list[ReaderSpec] = field(default_factory=list)
    writers: list[WriterSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_manifest(raw: Any, *, keep_source: bool = False) -> Manifest:
    """Check ``raw`` and return it as a :class:`Manifest`, or raise :class:`ManifestError`.

    ``keep_source`` leaves each FilterSpec's ``source`` as the plugin set it (used for the
    built-in filters, whose source stays ``"builtin"``).
    """
    if not isinstance(raw, dict):
        raise ManifestError(_("the manifest must be a dict, got {name}").format(name=type(raw).__name__))
    problems: list[str] = []
    pid = raw.get("id")
    if not isinstance(pid, str) or not _ID_RE.match(pid):
        problems.append(_("'id' must be a non-empty string of letters, digits, '.', '_', '-' (got {pid!r})").format(pid=pid))
        pid = str(pid)
    api = raw.get("api_version", 1)  # absent means 1: the first published API
    if isinstance(api, bool) or not isinstance(api, int) or api not in SUPPORTED_API_VERSIONS:
        problems.append(_("api_version {api!r} is not supported by this Nebulayer (supported: {items})").format(api=api, items=', '.join(map(str, SUPPORTED_API_VERSIONS))))
    name = raw.get("name", pid)
    if not isinstance(name, str) or not name.strip():
        problems.append(_("'name' must be a non-empty string (got {name!r})").format(name=name))
    version = raw.get("version")
    if not isinstance(version, (str, int, float)) or isinstance(version, bool) or str(version) == "":
        problems.append(_("'version' must be a string such as '1.0' (got {version!r})").format(version=version))

    specs = _checked_list(raw, "filters", problems)
    filters_out: list[FilterSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(specs):
        spec = _filter_spec(item, f"filters[{i}]", problems)
        if spec is None:
            continue
        if spec.id in seen:
            problems.append(_("filter id {id!r} appears twice").format(id=spec.id))
            continue
        seen.add(spec.id)
        filters_out.append(spec if keep_source else dataclasses.replace(spec, source=pid))

    readers = [r for i, item in enumerate(_checked_list(raw, "readers", problems))
               if (r := _io_spec(item, f"readers[{i}]", "read", problems)) is not None]
    writers = [w for i, item in enumerate(_checked_list(raw, "writers", problems))
               if (w := _io_spec(item, f"writers[{i}]", "write", problems)) is not None]
    if problems:
        raise ManifestError("; ".join(problems))

    unknown = sorted(set(raw) - KNOWN_KEYS)
    warnings = [_("unknown manifest key(s) ignored: {items}").format(items=', '.join(map(str, unknown)))] if unknown else []
    if not (filters_out or readers or writers):
        warnings.append(_("provides no filters, readers or writers"))
    return Manifest(
        id=pid, name=str(name), version=str(version), api_version=int(api),
        filters=filters_out,
        readers=[ReaderSpec(tuple(e), f, n) for e, f, n in readers],
        writers=[WriterSpec(tuple(e), f, n) for e, f, n in writers],
        warnings=warnings,
    )


def _checked_list(raw: dict, key: str, problems: list[str]) -> list:
    value = raw.get(key, [])
    if not isinstance(value, (list, tuple)):
        problems.append(_("{key!r} must be a list (got {type})").format(key=key, type=type(value).__name__))
        return []
    return list(value)


def _filter_spec(item: Any, where: str, problems: list[str]) -> FilterSpec | None:
    if isinstance(item, dict):
        try:
            params = tuple(p if isinstance(p, Param) else Param(**p) for p in item.get("params", ()))
            item = FilterSpec(**{**item, "params": params})
        except TypeError as exc:  # unknown or missing field names
            problems.append(f"{where}: {exc}")
            return None
    if not isinstance(item, FilterSpec):
        problems.append(_("{where}: expected a FilterSpec or a dict, got {type}").format(where=where, type=type(item).__name__))
        return None
    n_before = len(problems)
    label = f"{where} ({item.id!r})"
    if not isinstance(item.id, str) or not _ID_RE.match(item.id):
        problems.append(_("{label}: invalid filter id").format(label=label))
    if not isinstance(item.name, str) or not item.name.strip():
        problems.append(_("{label}: 'name' must be a non-empty string").format(label=label))
    if item.category not in ("adjustment", "mask"):
        problems.append(_("{label}: category must be 'adjustment' or 'mask', not {category!r}").format(label=label, category=item.category))
    if isinstance(item.version, bool) or not isinstance(item.version, int) or item.version < 1:
        problems.append(_("{label}: version must be an integer >= 1").format(label=label))
    if not isinstance(item.extra, dict):
        problems.append(_("{label}: extra must be a dict").format(label=label))
    elif "halo" in item.extra and not callable(item.extra["halo"]):
        problems.append(_("{label}: extra['halo'] must be callable(params) -> pixels").format(label=label))
    if item.migrate is not None and not callable(item.migrate):
        problems.append(_("{label}: migrate must be callable or None").format(label=label))
    names: set[str] = set()
    for p in item.params:
        if not isinstance(p, Param):
            problems.append(_("{label}: params must be Param objects, got {type}").format(label=label, type=type(p).__name__))
            continue
        if p.name in names:
            problems.append(_("{label}: parameter {name!r} appears twice").format(label=label, name=p.name))
        names.add(p.name)
        problems.extend(f"{label}: {msg}" for msg in _param_problems(p))
    if not callable(item.func):
        problems.append(_("{label}: func is not callable").format(label=label))
    else:
        problems.extend(f"{label}: {msg}" for msg in _signature_problems(item.func, names))
    return item if len(problems) == n_before else None


def _param_problems(p: Param) -> list[str]:
    out: list[str] = []
    if not isinstance(p.name, str) or not p.name.isidentifier() or p.name == "progress":
        return [_("parameter name {name!r} must be a Python identifier other than 'progress'").format(name=p.name)]
    if p.kind not in _PARAM_KINDS:
        return [_("parameter {name!r}: kind {kind!r} is not one of {kinds}").format(name=p.name, kind=p.kind, kinds=sorted(_PARAM_KINDS))]
    if p.kind == "choice" and not p.choices:
        out.append(_("parameter {name!r}: a 'choice' needs choices").format(name=p.name))
    if p.min is not None and p.max is not None and p.min > p.max:
        out.append(_("parameter {name!r}: min {min} is above max {max}").format(name=p.name, min=p.min, max=p.max))
    if p.spatial and p.kind not in ("float", "int"):
        out.append(_("parameter {name!r}: only numbers can be spatial").format(name=p.name))
    try:
        p.validate(p.default)
    except ValueError as exc:
        out.append(_("default is invalid ({error})").format(error=exc))
    return out


def _signature_problems(func: Callable, names: set[str]) -> list[str]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []  # builtins/C functions: cannot check, the guarded call will tell
    kinds = {p.name: p.kind for p in sig.parameters.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds.values():
        return []
    keyword_ok = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    missing = [n for n in sorted(names | {"progress"}) if kinds.get(n) not in keyword_ok]
    if missing:
        return [_("func does not accept keyword argument(s) {items}").format(items=', '.join(missing))]
    return []


def _io_spec(item: Any, where: str, verb: str, problems: list[str]):
    if not isinstance(item, dict):
        problems.append(_("{where}: expected a dict with 'extensions' and '{verb}'").format(where=where, verb=verb))
        return None
    exts = item.get("extensions")
    if isinstance(exts, str) or not isinstance(exts, (list, tuple)) or not exts:
        problems.append(_("{where}: 'extensions' must be a non-empty list such as ['.xyz']").format(where=where))
        return None
    bad = [e for e in exts if not isinstance(e, str) or not _EXT_RE.match(e.lower())]
    if bad:
        problems.append(_("{where}: invalid extension(s) {bad!r} (expected like '.xyz')").format(where=where, bad=bad))
        return None
    func = item.get(verb)
    if not callable(func):
        problems.append(_("{where}: {verb!r} must be callable").format(where=where, verb=verb))
        return None
    return [e.lower() for e in exts], func, str(item.get("name", ""))
