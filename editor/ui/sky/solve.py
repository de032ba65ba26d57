"""Layer > Plate Solve…: solve the selected image layer's source with astrometry.net (or ASTAP)
off the UI thread, with progress and Cancel; the solution is stored with the source in the
project as one undoable step (editor/astrometry/project.py), never in the original file."""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtWidgets import QWidget

from editor.ui.common.i18n import tr
from editor.ui.common.job_runner import Job

#: seconds the solver may take from the editor (the CLI's --timeout says the same)
TIMEOUT = 180.0


def solvable_source(doc: Any, layer: Any) -> Any | None:
    """The source a Plate Solve works on: the selected layer's image, else the base image."""
    if doc is None:
        return None
    sid = getattr(layer, "source_id", None)
    if sid is None:
        sid = doc.meta.get("base_source")
        if sid is None:
            sid = next((getattr(lyr, "source_id", None) for lyr in doc.all_layers()
                        if getattr(lyr, "source_id", None) in doc.sources), None)
    src = doc.sources.get(sid) if sid else None
    return src if src is not None and src.kind == "image" else None


def start_solve(parent: QWidget, doc: Any, source: Any, *, timeout: float = TIMEOUT,
                solver: Callable[..., Any] | None = None,
                on_done: Callable[[str], None] | None = None,
                on_failed: Callable[[str], None] | None = None) -> Job:
    """Run the solver as a job; on success store the WCS and call ``on_done(summary text)``.
    ``solver``: ``solve_image``'s signature (tests pass a fast one)."""
    from editor.astrometry.project import store_solution

    if solver is None:
        from editor.astrometry.solve import solve_image as solver

    holder: dict[str, Job] = {}

    def work(progress: Callable[[float], None]) -> Any:
        return solver(source.pixels, source.meta.header, timeout=timeout,
                      cancel=holder["job"].token, progress=progress)

    job = Job(parent, tr("Plate solving {0}…").format(source.name or source.id), work)
    holder["job"] = job

    def finished(solution: Any) -> None:
        store_solution(doc, source.id, solution.wcs, backend=solution.backend,
                       seconds=solution.seconds)
        if on_done is not None:
            s = solution.summary
            on_done(tr("Solved {name} in {sec:.0f} s: {text}").format(
                name=source.name or source.id, sec=solution.seconds,
                text=s.describe().replace("\n", "; ")))

    job.finished.connect(finished)
    if on_failed is not None:
        job.failed.connect(on_failed)
    return job.start()
