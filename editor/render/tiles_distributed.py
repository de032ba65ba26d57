"""Dask task functions: the same tiled render on local worker processes or on a cluster.

A task names a project file (workers read it themselves: nothing big crosses the network
but the result), so ``--workers N`` (a local dask ``LocalCluster`` of processes) and
``--scheduler ADDRESS`` (an existing ``dask.distributed`` cluster, workers sharing the files'
folder) run the very same functions. Workers import no Qt: these functions need only the
model, the engine and the writers.

(They live in editor/render, not editor/jobs: jobs sits below the model and the engine in the
import layers, and these tasks load projects and render them.)

Results are byte-identical to a serial render: a band is a row of the same tiles the serial
render cuts, rendered by the same code; each worker measures statistics on the same reduced
copy of the whole canvas the serial render measures.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

_DOCS: dict[tuple, Any] = {}
_DOCS_LOCK = threading.Lock()


def _load(project: str, allow_outside: bool) -> Any:
    """The project, loaded once per worker process (keyed by path, size and mtime)."""
    from editor.core.document import Document
    from editor.render.cache import RenderCache

    st = os.stat(project)
    key = (os.path.abspath(project), st.st_size, st.st_mtime_ns, bool(allow_outside))
    with _DOCS_LOCK:
        doc = _DOCS.get(key)
        if doc is None:
            _DOCS.clear()  # one project at a time per worker: bounded memory
            doc = Document.load(project, cache=RenderCache(0), allow_outside=allow_outside,
                                tiled=True)
            _DOCS[key] = doc
        return doc


def render_band_task(project: str, scale: float, y0: int, y1: int, tile: int,
                     allow_outside: bool = False) -> np.ndarray:
    """Rows ``y0..y1`` (a row of tiles) of ``project`` rendered at ``scale``."""
    from editor.render.resample import Window
    from editor.render.tiles import TiledRender

    doc = _load(project, allow_outside)
    tr = TiledRender(doc, scale, tile=tile, workers=1, cache=doc.cache)
    return tr.render(Window(y0, y1, 0, tr.full.x1))


def render_project_task(project: str, output: str, scale: float = 1.0, bits: int | None = None,
                        tile: int = 1024, compression: str | None = None,
                        allow_outside: bool = False, threads: int = 1) -> tuple[str, tuple, list[str]]:
    """Render ``project`` into ``output`` (a whole job of a batch): (output, shape, notes)."""
    from editor.core.document import Document
    from editor.render.cache import RenderCache
    from editor.render.tiles import TiledRender
    from editor.render.tiles_export import export_tiled, stream_tile

    doc = Document.load(project, cache=RenderCache(0), allow_outside=allow_outside, tiled=True)
    tr = TiledRender(doc, scale, tile=stream_tile(tile, Path(output)), workers=threads,
                     cache=doc.cache)
    notes = export_tiled(tr, output, bits=bits, compression=compression)
    return output, tuple(tr.full.shape), notes


def qt_modules() -> list[str]:
    """Qt modules imported in this process (a worker must have none)."""
    import sys

    return sorted(m for m in sys.modules if m.split(".")[0] in ("PyQt6", "PyQt5", "pyqtgraph"))


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler`` if given, else on a local cluster of
    ``workers`` single-threaded processes (BLAS threads limited to one in each)."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with _one_blas_thread_env(), \
            LocalCluster(n_workers=max(1, int(workers or 1)), threads_per_worker=1,
                         processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


@contextmanager
def _one_blas_thread_env() -> Iterator[None]:
    """BLAS/OpenMP limited to one thread in the environment that worker processes started
    meanwhile inherit (the workers share the cores); the parent's settings come back after."""
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def job_env() -> dict[str, str]:
    """The parent's settings a worker job runs with (memory budget, map folder, a fixed
    file date): the fork server keeps the environment it started with."""
    return {k: v for k, v in os.environ.items()
            if k.startswith("NEBULAYER_") or k == "SOURCE_DATE_EPOCH"}


def run_job(task: Any, env: dict[str, str], *args: Any) -> tuple[str, Any]:
    """("ok", the task's result) or ("error", its one-line message) for a bad input: our
    errors carry a path and do not all survive pickling back to the parent. Runs with the
    parent's ``env`` settings and BLAS on one thread (the workers share the cores)."""
    from editor.errors import NebulayerError, OutsideReferencesError
    from editor.render.tiles import blas_limited

    for k in [k for k in os.environ if k.startswith("NEBULAYER_") or k == "SOURCE_DATE_EPOCH"]:
        del os.environ[k]
    os.environ.update(env)
    try:
        with blas_limited(2):
            return "ok", task(*args)
    except NebulayerError as exc:
        hint = "; pass --allow-outside-refs to read them" if isinstance(exc, OutsideReferencesError) else ""
        return "error", " ".join(str(exc).split()) + hint


#: Imported once by the fork server, so each worker process starts ready to render.
PRELOAD = ["editor.render.tiles_distributed", "editor.core.document", "editor.project.store",
           "editor.render.tiles", "editor.render.tiles_export", "editor.render.recipe_apply",
           "filters"]


@contextmanager
def local_pool(workers: int) -> Iterator[Any]:
    """``workers`` local processes for a batch of whole projects, started once for the whole
    batch: forked from a server process that imported the renderer once (PRELOAD), BLAS one
    thread each. A dask LocalCluster took ~5 s to start (scheduler, nannies, each worker
    importing everything), as long as rendering a 4 MP project: a batch on it ran slower
    than serially. Workers import no Qt either way."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    # The fork server starts on first use, inside this block: it inherits the settings.
    with _one_blas_thread_env(), ProcessPoolExecutor(max(1, int(workers)), mp_context=ctx) as pool:
        yield pool


class DistributedBands:
    """The bands of one project rendered by dask workers, in order, at most ``ahead`` in
    flight; quacks like :class:`editor.render.tiles.TiledRender` for the streamed export."""

    def __init__(self, client: Any, project: str, doc: Any, scale: float, tile: int,
                 allow_outside: bool = False, ahead: int = 4, progress: Any = None) -> None:
        from editor.render.tiles import TiledRender

        self.client, self.project, self.doc = client, str(Path(project).resolve()), doc
        self.scale, self.tile, self.allow_outside = float(scale), int(tile), allow_outside
        self.ahead, self.progress = max(1, ahead), progress
        self.full = TiledRender(doc, scale, tile=tile).full

    def bands(self, win: Any = None) -> Iterator[tuple[Any, np.ndarray]]:
        from collections import deque

        from editor.render.resample import Window

        rows = [(y, min(self.full.y1, y + self.tile)) for y in range(0, self.full.y1, self.tile)]
        queue: deque = deque()
        todo = iter(rows)
        done = 0

        def submit() -> None:
            for y0, y1 in todo:
                queue.append((y0, y1, self.client.submit(
                    render_band_task, self.project, self.scale, y0, y1, self.tile,
                    self.allow_outside, pure=False)))
                if len(queue) >= self.ahead:
                    return

        submit()
        while queue:
            y0, y1, fut = queue.popleft()
            px = fut.result()
            submit()
            done += 1
            if self.progress is not None:
                self.progress(done / len(rows))
            yield Window(y0, y1, 0, self.full.x1), px

    def render(self, win: Any = None) -> np.ndarray:
        parts = [px for _, px in self.bands()]
        return np.concatenate(parts, axis=0)


def apply_recipe_task(recipe: list[dict], image: str, output: str, scale: float = 1.0,
                      bits: int | None = None, tile: int = 1024,
                      compression: str | None = None) -> tuple[str, tuple, list[str]]:
    """``recipe`` (layer records) applied to ``image``, written to ``output``."""
    from editor.render.recipe_apply import apply_recipe
    from editor.render.tiles import TiledRender
    from editor.render.tiles_export import export_tiled, stream_tile

    doc = apply_recipe(recipe, image)
    tr = TiledRender(doc, scale, tile=stream_tile(tile, Path(output)), cache=doc.cache)
    notes = export_tiled(tr, output, bits=bits, compression=compression)
    return output, tuple(tr.full.shape), notes
