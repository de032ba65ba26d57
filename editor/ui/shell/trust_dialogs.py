"""The two questions that keep a file from deciding things the user did not: reading files
outside a project's folder, and saving over a path the user did not open or choose."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QMessageBox, QWidget
from editor.ui.common.i18n import tr

MAX_LISTED = 12


def ask_outside_references(parent: QWidget | None, project: str, paths: list[str]) -> bool:
    """Once per opening: may this project read these files outside its own folder?"""
    shown = "\n".join(f"  {p}" for p in paths[:MAX_LISTED])
    if len(paths) > MAX_LISTED:
        shown += f"\n  … and {len(paths) - MAX_LISTED} more"
    SB = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, tr("Project reads other files"),
        tr('{0} wants to read {1} image file(s) outside its own folder:\n\n{shown}\n\nOpen these files? Answer No if you did not make this project or do not expect it to use them.').format(Path(project).name, len(paths), shown=shown), SB.Yes | SB.No, SB.No)
    return answer == SB.Yes


def ask_save_over(parent: QWidget | None, path: str) -> str:
    """"save" (over ``path``), "save_as" or "cancel", for a document whose path came from a
    crash-recovery record rather than from the user's Open or Save As in this session."""
    SB = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, tr("Save recovered document"),
        tr('This document was restored after a crash. Save it over {path}?\n\nYes replaces that file; No lets you choose another name.').format(path=path),
        SB.Yes | SB.No | SB.Cancel, SB.No)
    if answer == SB.Yes:
        return "save"
    if answer == SB.No:
        return "save_as"
    return "cancel"
