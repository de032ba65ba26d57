"""The project-file service behind ``Document.load`` and ``doc.save`` (see editor.core.services).

The model does not import this package (it is above the model); importing this module provides
:data:`editor.core.services.PROJECT`.
"""

from __future__ import annotations

from editor.core import services
from editor.project.archive import load_project, save_project


class ProjectFiles:
    """The :class:`editor.core.services.ProjectStore` that reads and writes .nebula files."""

    load = staticmethod(load_project)
    save = staticmethod(save_project)


services.provide(services.PROJECT, ProjectFiles())
