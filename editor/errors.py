"""Errors a user can cause and fix: the CLI prints their message as one line, the GUI shows a dialog.

Anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

from editor.locale import _


class NebulayerError(Exception):
    """Base of every error whose message is meant for the user."""


class ImageReadError(NebulayerError):
    """A file could not be opened as an image. The message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class UnsupportedFormatError(ImageReadError):
    """The file's format is not one Nebulayer reads (or writes)."""


class ImageTooLargeError(ImageReadError):
    """Decoding would need more memory than the configured budget allows."""


class ChoiceNeededError(ImageReadError):
    """The file holds several pictures (a data cube, several images) and the caller must say
    which one: ``choices`` lists them (e.g. ``["--plane 0..52"]``) for a dialog or the CLI."""

    def __init__(self, path: str | Path, problem: str, choices: list[str] | None = None) -> None:
        self.choices = list(choices or [])
        super().__init__(path, problem)


class ImageWriteError(NebulayerError):
    """An image or project could not be written. The message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ProjectError(NebulayerError):
    """A project file is corrupt, hostile, or from a newer version."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class OutsideReferencesError(ProjectError):
    """A project refers to image files outside its own folder, and reading them was not allowed.

    ``paths`` lists them (as the project names them) so a caller can ask the user once.
    """

    def __init__(self, path: str | Path, paths: list[str]) -> None:
        self.paths = list(paths)
        more = len(self.paths) - 5
        shown = ", ".join(self.paths[:5]) + (_(" and {n} more").format(n=more) if more > 0 else "")
        super().__init__(path, _("refers to {n} file(s) outside its folder, not read "
                                 "without your permission: {shown}").format(n=len(self.paths), shown=shown))


class DocumentError(NebulayerError):
    """An operation on a document was refused (unknown layer, bad parameter...)."""


class DeviceError(NebulayerError):
    """An acquisition device or INDI server failed or refused a command."""
