"""Bringing older project records up to the current schema, and old filter parameters up to
the installed filter versions (darktable-style: old edits keep rendering the same).

To change the schema: bump schema.SCHEMA_VERSION to N and add ``MIGRATIONS[N - 1]``, a
function turning a version N-1 record into a version N record. Never edit an old migration.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from editor.locale import _
from editor.project.schema import SCHEMA_VERSION, SchemaError

log = logging.getLogger(__name__)

# from-version -> function(record) -> record of from-version + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class NewerSchemaError(SchemaError):
    pass


def migrate_document(data: dict[str, Any]) -> dict[str, Any]:
    """The record at the current schema; NewerSchemaError if it comes from a newer Nebulayer."""
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SchemaError(_("schema_version {version!r} is not valid").format(version=version))
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            _("made by a newer Nebulayer (schema {version}, this one reads up to "
            "{SCHEMA_VERSION}); please update Nebulayer").format(version=version, SCHEMA_VERSION=SCHEMA_VERSION))
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    return data


def migrate_filter_params(layer_records: list[dict[str, Any]], registry: Any) -> None:
    """Upgrade adjustment and generated-mask params saved with an older filter version, in place.

    A record from a *newer* filter version than installed is left untouched (it will render
    as pass-through with a message rather than being reinterpreted).
    """
    for rec in layer_records:
        if rec.get("type") == "adjustment":
            _migrate(rec, rec.get("kind"), registry)
        m = rec.get("mask")
        if isinstance(m, dict) and m.get("type") == "generated":
            _migrate(m, m.get("kind"), registry)
        if rec.get("type") == "group":
            migrate_filter_params(rec.get("children", []), registry)


def _migrate(rec: dict[str, Any], kind: Any, registry: Any) -> None:
    spec = registry.get(kind) if isinstance(kind, str) else None
    if spec is None:
        return
    saved = rec.get("kind_version", 1)
    if not isinstance(saved, int) or isinstance(saved, bool):
        raise SchemaError(_("{kind}: kind_version {saved!r} is not a whole number").format(kind=kind, saved=str(saved)[:20]))
    if saved < spec.version and spec.migrate is not None:
        rec["params"] = spec.migrate(saved, dict(rec.get("params") or {}))
        rec["kind_version"] = spec.version
        log.info("migrated %s parameters from version %d to %d", kind, saved, spec.version)
