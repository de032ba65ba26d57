"""`nebulayer render` and `nebulayer apply`: tiled, streamed, on threads, worker processes or
a dask cluster, for one project or many.

    nebulayer render P.nebula -o OUT.tif [--tile 1024] [--threads N] [--compression zstd]
    nebulayer render P.nebula -o OUT.tif --workers 4          # local worker processes (dask)
    nebulayer render P.nebula -o OUT.tif --scheduler tcp://host:8786
    nebulayer render P1.nebula P2.nebula ... -o DIR/ [--format tif]  # a batch, one file each
    nebulayer apply RECIPE.nebula IMG1.fits IMG2.fits ... -o DIR/    # a layer stack on images
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from editor.errors import DocumentError, NebulayerError
from editor.locale import _, localise

COMPRESSIONS = ("none", "lzw", "deflate", "zstd")


def add_render_arguments(p: argparse.ArgumentParser, bits_help: str) -> None:
    p.add_argument("project", nargs="+", help=_("the .nebula project(s) to render"))
    p.add_argument("-o", "--output", required=True,
                   help=_("image file to write (the format follows the extension); with several "
                          "projects a folder (ending in /) that receives one file per project"))
    p.add_argument("--bits", type=int, choices=(8, 16, 32), default=None, help=bits_help)
    p.add_argument("--scale", type=float, default=1.0,
                   help=_("render at this scale (default 1); the WCS follows"))
    p.add_argument("--allow-outside-refs", action="store_true",
                   help=_("let the project read the image files it names outside its own folder"))
    _add_engine_arguments(p)


def _add_engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tile", type=int, default=1024,
                   help=_("tile side in pixels (default 1024; TIFF rounds it to a multiple of 16)"))
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help=_("tiles rendered at once in this process (default: the cores)"))
    p.add_argument("--workers", type=int, default=0,
                   help=_("render on N local worker processes (dask); 0: in this process"))
    p.add_argument("--scheduler", default=None,
                   help=_("address of a running dask.distributed scheduler to render on"))
    p.add_argument("--compression", choices=COMPRESSIONS, default="none",
                   help=_("TIFF compression (default none: fastest, read everywhere; "
                          "lzw/deflate: every libtiff reader; zstd: tifffile, GDAL, recent "
                          "libtiff)"))
    p.add_argument("--format", default="tif",
                   help=_("extension of the files written into a folder (default tif)"))
    p.add_argument("--budget", default=None, metavar="SIZE",
                   help=_("memory budget of the render, e.g. 8G (default: "
                          "NEBULAYER_MEMORY_BUDGET, else 8G); tile size and threads are chosen "
                          "to stay under it, and worker processes get the same budget"))


def add_apply_arguments(p: argparse.ArgumentParser, bits_help: str) -> None:
    p.add_argument("recipe", help=_("a .nebula project whose layers above its image are the recipe"))
    p.add_argument("images", nargs="+", help=_("images to apply the recipe to"))
    p.add_argument("-o", "--output", required=True, help=_("folder receiving one file per image"))
    p.add_argument("--bits", type=int, choices=(8, 16, 32), default=None, help=bits_help)
    p.add_argument("--scale", type=float, default=1.0, help=_("render at this scale (default 1)"))
    p.add_argument("--allow-outside-refs", action="store_true", help=argparse.SUPPRESS)
    _add_engine_arguments(p)


def _check(args: argparse.Namespace) -> None:
    if args.tile < 16:
        raise DocumentError(_("--tile must be at least 16 px, got {tile}").format(tile=args.tile))
    if args.threads < 1 or args.workers < 0:
        raise DocumentError(_("--threads must be >= 1 and --workers >= 0"))
    if not args.scale > 0:
        raise DocumentError(_("--scale must be > 0, got {scale}").format(scale=args.scale))
    if getattr(args, "budget", None):
        from editor.io.budget import ENV_VAR, parse_size

        try:
            parse_size(args.budget)
        except ValueError:
            raise DocumentError(_("--budget {size}: not a size (e.g. 8G, 500M)").format(
                size=args.budget)) from None
        os.environ[ENV_VAR] = args.budget  # read by the loader, planner and worker processes


def _targets(projects: list[str], output: str, fmt: str) -> list[tuple[str, str]]:
    """(input, output file) pairs: one file, or one per input inside the ``output`` folder."""
    folder = output.endswith(("/", os.sep)) or Path(output).is_dir() or len(projects) > 1
    if not folder:
        return [(projects[0], output)]
    out = Path(output)
    if not out.is_dir():
        raise DocumentError(_("output folder {output} does not exist").format(output=output))
    ext = "." + fmt.lstrip(".")
    seen: dict[str, str] = {}
    pairs = []
    for p in projects:
        name = Path(p).stem + ext
        if name in seen:
            raise DocumentError(_("{p} and {seen} would both be written to {out}").format(p=p, seen=seen[name], out=out / name))
        seen[name] = p
        pairs.append((p, str(out / name)))
    return pairs


def run_render(args: argparse.Namespace) -> int:
    _check(args)
    pairs = _targets(args.project, args.output, args.format)
    return _run(pairs, args, None)


def run_apply(args: argparse.Namespace) -> int:
    _check(args)
    from editor.render.recipe_apply import recipe_layers

    notes: list[str] = []
    recipe = recipe_layers(args.recipe, notes)
    for note in notes:
        print("nebulayer: " + _("note: {note}").format(note=localise(note)), file=sys.stderr)
    pairs = _targets(args.images, args.output.rstrip("/") + "/", args.format)
    return _run(pairs, args, recipe)


def _run(pairs: list[tuple[str, str]], args: argparse.Namespace, recipe: Any) -> int:
    from editor.cli_progress import TerminalProgress

    remote = args.workers > 0 or args.scheduler
    if remote and (len(pairs) > 1 or recipe is not None):
        if args.scheduler:
            return _run_batch_on_dask(pairs, args, recipe)
        return _run_batch_on_pool(pairs, args, recipe)
    failed: list[str] = []
    for src, out in pairs:
        try:
            doc = _open(src, args, recipe)
            with TerminalProgress(_("render {name}").format(name=Path(src).name)) as progress:
                if remote:
                    from editor.render.tiles_distributed import DistributedBands, dask_client

                    with dask_client(args.workers, args.scheduler) as client:
                        tr = DistributedBands(client, src, doc, args.scale, _tile(args, out),
                                              args.allow_outside_refs, 2 * max(1, args.workers),
                                              progress)
                        notes = _export(tr, out, args)
                else:
                    tr = _tiled(doc, args, out, progress)
                    notes = _export(tr, out, args)
        except NebulayerError as exc:
            if len(pairs) == 1:
                raise
            # A batch goes on past a bad file (one line each), as Photoshop's Batch does.
            from editor.errors import OutsideReferencesError

            hint = _("; pass --allow-outside-refs to read them") if isinstance(exc, OutsideReferencesError) else ""
            print(f"nebulayer: {' '.join(str(exc).split())}{hint}", file=sys.stderr)
            failed.append(Path(src).name)
            continue
        _say(notes)
        print(_("wrote {path} ({width}x{height})").format(path=out, width=tr.full.x1, height=tr.full.y1),
              file=sys.stderr)
    if failed:
        print("nebulayer: " + _("{written} of {count} written; failed: {failed}").format(
            written=len(pairs) - len(failed), count=len(pairs), failed=", ".join(failed)), file=sys.stderr)
        return 2
    return 0


def _run_batch_on_dask(pairs: list[tuple[str, str]], args: argparse.Namespace,
                       recipe: Any) -> int:
    """Whole projects (or recipe applications) as tasks, as many at once as workers."""
    from distributed import as_completed

    from editor.render.tiles_distributed import apply_recipe_task, dask_client, render_project_task

    with dask_client(args.workers, args.scheduler) as client:
        if recipe is None:
            futures = [client.submit(render_project_task, str(Path(src).resolve()),
                                     str(Path(out).resolve()), args.scale, args.bits, args.tile,
                                     args.compression, args.allow_outside_refs, pure=False)
                       for src, out in pairs]
        else:
            futures = [client.submit(apply_recipe_task, recipe, str(Path(src).resolve()),
                                     str(Path(out).resolve()), args.scale, args.bits, args.tile,
                                     args.compression, pure=False) for src, out in pairs]
        for fut in as_completed(futures):
            out, shape, notes = fut.result()
            _say(notes)
            print(_("wrote {path} ({width}x{height})").format(path=out, width=shape[1],
                                                               height=shape[0]), file=sys.stderr)
    return 0


def _run_batch_on_pool(pairs: list[tuple[str, str]], args: argparse.Namespace,
                       recipe: Any) -> int:
    """``--workers N`` on many projects (or images): whole jobs on N local processes started
    once, the biggest inputs first (the last job to start is then a short one); the same
    task functions as on a dask cluster, so the same bytes. A bad input is one line, the
    others are still written."""
    from concurrent.futures import as_completed

    from editor.render.tiles_distributed import (apply_recipe_task, job_env, local_pool,
                                                 render_project_task, run_job)

    order = sorted(pairs, key=lambda p: _size(p[0]), reverse=True)
    failed: list[str] = []
    env = job_env()
    with local_pool(args.workers) as pool:
        if recipe is None:
            futures = {pool.submit(run_job, render_project_task, env, str(Path(src).resolve()),
                                   str(Path(out).resolve()), args.scale, args.bits, args.tile,
                                   args.compression, args.allow_outside_refs): src
                       for src, out in order}
        else:
            futures = {pool.submit(run_job, apply_recipe_task, env, recipe, str(Path(src).resolve()),
                                   str(Path(out).resolve()), args.scale, args.bits, args.tile,
                                   args.compression): src for src, out in order}
        for fut in as_completed(futures):
            status, result = fut.result()
            if status == "error":
                print(f"nebulayer: {result}", file=sys.stderr)
                failed.append(Path(futures[fut]).name)
                continue
            out, shape, notes = result
            _say(notes)
            print(_("wrote {path} ({width}x{height})").format(path=out, width=shape[1],
                                                               height=shape[0]), file=sys.stderr)
    if failed:
        print("nebulayer: " + _("{written} of {count} written; failed: {failed}").format(
            written=len(pairs) - len(failed), count=len(pairs), failed=", ".join(sorted(failed))), file=sys.stderr)
        return 2
    return 0


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _open(src: str, args: argparse.Namespace, recipe: Any) -> Any:
    from editor.core.document import Document
    from editor.render.cache import RenderCache

    if recipe is not None:
        from editor.render.recipe_apply import apply_recipe

        return apply_recipe(recipe, src)
    # tiled: a canvas bigger than the budget opens (it is rendered by tiles; the planner
    # refuses what cannot fit), big sources stay mapped from disk.
    return Document.load(src, cache=RenderCache(0), allow_outside=args.allow_outside_refs,
                         tiled=True)


def _tile(args: argparse.Namespace, out: str) -> int:
    from editor.render.tiles_export import stream_tile

    return stream_tile(args.tile, Path(out))


def _tiled(doc: Any, args: argparse.Namespace, out: str, progress: Any) -> Any:
    from editor.render.budget_plan import planned_render

    return planned_render(doc, args.scale, Path(out), tile=args.tile, threads=args.threads,
                          progress=progress)


def _export(tr: Any, out: str, args: argparse.Namespace) -> list[str]:
    from editor.render.tiles_export import export_tiled

    return export_tiled(tr, out, bits=args.bits, compression=args.compression)


def _say(notes: list[str] | None) -> None:
    for note in notes or ():
        print(f"nebulayer: {localise(note)}", file=sys.stderr)
