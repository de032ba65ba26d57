"""The ``nebulayer`` command: the GUI, plus headless info/render/convert/capture/plugins.

User errors (bad files, bad arguments, devices) print one line to stderr and exit 2; a
traceback means a bug.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from editor.errors import NebulayerError
from editor.locale import N_, _, localise
from editor.locale.argparse_i18n import ARGPARSE_TEXTS  # noqa: F401 - argparse's texts, for tests/i18n

BITS_HELP = N_("8 or 16: integers (values within 0..1 as they are, other ranges rescaled and "
                "said, see README 'Pixel values'); 32: float (default for FITS/TIFF)")
SUBCOMMANDS = ("info", "render", "apply", "convert", "capture", "stack", "review", "solve", "mosaic", "plugins",
               "gui")


def _build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Sub-commands whose options live in heavy packages (acquisition,
    stacking, review) get their options only when ``command`` is theirs, so ``--help`` and
    the other sub-commands never import those packages."""
    from editor import __version__

    _argparse_speaks_our_language()
    from editor.locale.argparse_i18n import ArgumentParser

    parser = ArgumentParser(
        prog="nebulayer",
        description=_("Layered, non-destructive image editor for astrophotographers. Without a "
                      "sub-command, opens the editor (on the sample project, or on FILE...)."),
    )
    parser.add_argument("--version", action="version", version=f"nebulayer {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=_("print library messages and, for internal errors, the traceback "
                               "(otherwise they go to the log file)"))
    sub = parser.add_subparsers(dest="command")

    from editor.io.cli_options import add_file_choice_arguments

    p = sub.add_parser("gui", help=_("open the editor window (the default)"))
    p.add_argument("files", nargs="*", help=_("images or .nebula projects to open"))
    add_file_choice_arguments(p)

    p = sub.add_parser("info", help=_("describe an image file: format, size, dtype, key header "
                                      "fields"))
    p.add_argument("file", help=_("the image file (FITS, TIFF, XISF, RAW, PNG, JPEG...)"))
    add_file_choice_arguments(p)

    p = sub.add_parser("render", help=_("render projects to image files, headless (tiled, "
                                        "streamed; --workers/--scheduler for dask)"))
    from editor.render.tiles_cli import add_apply_arguments, add_render_arguments

    add_render_arguments(p, _(BITS_HELP))
    p = sub.add_parser("apply", help=_("apply a project's layers as a recipe to many images"))
    add_apply_arguments(p, _(BITS_HELP))

    p = sub.add_parser("convert", help=_("convert an image file to another format"))
    p.add_argument("input", help=_("the image file to read"))
    p.add_argument("output", help=_("image file to write; the format follows the extension"))
    p.add_argument("--bits", type=int, choices=(8, 16, 32), default=None, help=_(BITS_HELP))
    p.add_argument("--stretch", choices=("none", "auto"), default="none",
                   help=_("'auto': screen-transfer stretch of linear data before writing"))
    p.add_argument("--compression", choices=("none", "lzw", "deflate", "zstd"), default="none",
                   help=_("TIFF compression (default none: fastest, read everywhere; "
                          "lzw/deflate: every libtiff reader; zstd: tifffile, GDAL, recent "
                          "libtiff, not Photoshop)"))
    add_file_choice_arguments(p)

    p = sub.add_parser("capture", help=_("run a capture sequence on an INDI camera"))
    if command == "capture":
        from editor.acquisition.cli import add_arguments

        add_arguments(p)

    p = sub.add_parser("stack", help=_("calibrate, register and integrate frames into a master"))
    if command == "stack":
        from editor.stacking.cli import add_arguments as add_stack_arguments

        add_stack_arguments(p)

    p = sub.add_parser("review", help=_("write a review page (before/after, 100%% crops, notes) "
                                        "of projects"))
    if command == "review":
        from editor.review.cli import add_arguments as add_review_arguments

        add_review_arguments(p)

    p = sub.add_parser("solve", help=_("plate-solve an image: centre, scale, rotation, field"))
    if command == "solve":
        from editor.astrometry.cli import add_arguments as add_solve_arguments

        add_solve_arguments(p)

    p = sub.add_parser("mosaic", help=_("build a project with a mosaic layer from panels"))
    if command == "mosaic":
        from editor.mosaic.cli import add_arguments as add_mosaic_arguments

        add_mosaic_arguments(p)

    sub.add_parser("plugins", help=_("list installed plugins and where they come from"))
    return parser


def _argparse_speaks_our_language() -> None:
    """argparse's usage line, errors and plurals in the user's language (see argparse_i18n)."""
    from editor.locale.argparse_i18n import install

    install()


def _plugin_formats_for(*paths: str) -> None:
    """Discover plugins (which may add file formats) when a file's extension is not one of
    Nebulayer's own: discovery imports every filter, too slow to pay on each call."""
    from editor.io import formats

    own = set(formats.readable_extensions()) | set(formats.writable_extensions())
    if any(formats.extension_of(p) not in own for p in paths):
        from editor.plugins.registry import get_registry

        get_registry()


def _cmd_info(args: argparse.Namespace) -> int:
    from editor.io.describe import describe_file

    from editor.io.cli_options import choice_kwargs

    _plugin_formats_for(args.file)
    choice = choice_kwargs(args)
    choice.pop("debayer_method", None)
    print(describe_file(args.file, **choice))
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from editor.render.tiles_cli import run_render

    return run_render(args)


def _cmd_apply(args: argparse.Namespace) -> int:
    from editor.render.tiles_cli import run_apply

    return run_apply(args)


def _cmd_convert(args: argparse.Namespace) -> int:
    from editor import export_image, open_image

    _plugin_formats_for(args.input, args.output)
    from editor.io.cli_options import choice_kwargs
    from editor.io.convert_stream import convert_streamed

    # Big FITS -> TIFF: one streamed pass over the mapped file (None: not a case it covers).
    done = convert_streamed(args.input, args.output, bits=args.bits, stretch=args.stretch,
                            compression=args.compression, choice=choice_kwargs(args))
    if done is not None:
        # untranslated: the notes are English data, matched by their first words
        _say([f"{args.input}: {localise(n)}" for n in done[0] if n.startswith(("warning", "file holds"))])
        _say(done[1])
        return 0
    image = open_image(args.input, **choice_kwargs(args))
    # What the user must hear: a doubtful raw, an image picked among several.
    # untranslated: the notes are English data, matched by their first words
    _say([f"{args.input}: {localise(n)}" for n in image.meta.notes if n.startswith(("warning", "file holds"))])
    data = image.data
    meta = image.meta
    if args.stretch == "auto":
        from dataclasses import replace

        from editor.io.stf import auto_stretch_array
        from editor.io.wcs import drop_bunit

        data = auto_stretch_array(data)  # filters.auto_stretch's bits, without its imports
        # untranslated: HISTORY lines are English (a FITS convention)
        history = [*meta.extra.get("history", []), "auto stretch (STF) by convert --stretch auto"]
        meta = replace(meta, header=drop_bunit(meta.header, "values stretched by --stretch auto"),
                       extra={**meta.extra, "history": history})
    _say(export_image(data, args.output, bits=args.bits, meta=meta, compression=args.compression))
    return 0


def _say(notes: Sequence[str] | None) -> None:
    """What an export did to the values (a rescale, clipped pixels): never silently."""
    for note in notes or ():
        print(f"nebulayer: {localise(note)}", file=sys.stderr)


def _cmd_capture(args: argparse.Namespace) -> int:
    from editor.acquisition.cli import run

    return run(args)


def _cmd_stack(args: argparse.Namespace) -> int:
    from editor.stacking.cli import run

    code = run(args)
    return _cmd_gui([args.output]) if code == 0 and args.open else code


def _cmd_review(args: argparse.Namespace) -> int:
    from editor.review.cli import run

    return run(args)


def _cmd_solve(args: argparse.Namespace) -> int:
    from editor.astrometry.cli import run

    return run(args)


def _cmd_mosaic(args: argparse.Namespace) -> int:
    from editor.mosaic.cli import run

    return run(args)


def _cmd_plugins(args: argparse.Namespace) -> int:
    from editor.plugins.registry import describe_installed

    print(describe_installed())
    return 0


def _cmd_gui(files: Sequence[str], open_options: dict | None = None) -> int:
    from editor.plugins.registry import get_registry
    from editor.ui.shell.app import run_app

    get_registry()  # plugin filters for the menus, plugin formats for File > Open

    return run_app([str(Path(f)) for f in files], open_options=open_options)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in argv[:1] or "--verbose" in argv[:1]
    if verbose:
        argv = argv[1:]
    # `nebulayer FILE...` opens the GUI on files: only a known word is a sub-command.
    if not argv or (argv[0] not in SUBCOMMANDS and not argv[0].startswith("-")):
        argv = ["gui", *argv]
    args = _build_parser(argv[0] if argv else None).parse_args(argv)
    args.verbose = verbose or args.verbose
    if args.command != "gui":
        from editor.cli_logging import route_library_output

        route_library_output(args.verbose)
    handlers = {
        "info": _cmd_info,
        "render": _cmd_render,
        "apply": _cmd_apply,
        "convert": _cmd_convert,
        "capture": _cmd_capture,
        "stack": _cmd_stack,
        "plugins": _cmd_plugins,
        "review": _cmd_review,
        "solve": _cmd_solve,
        "mosaic": _cmd_mosaic,
    }
    try:
        if args.command == "gui":
            from editor.io.cli_options import choice_kwargs

            return _cmd_gui(args.files, {k: v for k, v in choice_kwargs(args).items()
                                         if v is not None})
        status = handlers[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return status
    except BrokenPipeError:
        # The reader went away (`nebulayer info F | head -1`): stop quietly, as cat does.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except NebulayerError as exc:
        from editor.errors import OutsideReferencesError

        hint = _("; pass --allow-outside-refs to read them") if isinstance(exc, OutsideReferencesError) else ""
        print(f"nebulayer: {_one_line(str(exc))}{hint}", file=sys.stderr)
        return 2
    except MemoryError:
        print("nebulayer: " + _("not enough memory for this job (set NEBULAYER_MEMORY_BUDGET lower "
                                "to be refused up front)"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nebulayer: " + _("interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: a bug, reported in one line
        import logging

        logging.getLogger("nebulayer").exception("internal error")
        if getattr(args, "verbose", False):
            raise
        from editor.cli_logging import log_file

        print("nebulayer: " + _("internal error ({type}: {error}); details in {log_file}; please "
                                "report it").format(type=type(exc).__name__, error=_one_line(str(exc))[:200],
                                                    log_file=log_file()), file=sys.stderr)
        return 1


def _one_line(text: str) -> str:
    """Messages may quote file contents: never let them break the one-line promise."""
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
