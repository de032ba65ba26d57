"""Fixtures for document-model tests (defined in conftest_core_shared, shared with render/project)."""

from conftest_core_shared import *  # noqa: F401,F403
