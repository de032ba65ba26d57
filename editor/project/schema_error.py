"""The error of a document.json that does not have the expected structure.

Its own module so that the schema checks and the size limits (editor/project/limits.py),
which call each other's checks, can both raise it without importing each other.
"""

from __future__ import annotations


class SchemaError(ValueError):
    """document.json does not have the expected structure (message says where)."""
