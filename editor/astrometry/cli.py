"""``nebulayer solve FILE [--json] [-o OUT.fits] [--timeout S] [--solver ...] [--blind]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from editor.errors import NebulayerError
from editor.locale import _, format_number


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help=_("image to plate-solve"))
    p.add_argument("--json", action="store_true", help=_("print the solution as JSON"))
    p.add_argument("-o", "--output", help=_("write a FITS copy of the image with the solved WCS"))
    p.add_argument("--timeout", type=float, default=180.0, metavar="S", help=_("give up after S seconds (180)"))
    p.add_argument("--solver", choices=("auto", "astrometry", "astap"), default="auto",
                   help=_("plate solver: astrometry.net, ASTAP, or auto (astrometry.net, else "
                          "ASTAP)"))
    p.add_argument("--blind", action="store_true",
                   help=_("ignore RA/Dec, scale and WCS hints in the header"))


def run(args: argparse.Namespace) -> int:
    from editor.astrometry.solve import solve_image
    from editor.cli_progress import TerminalProgress
    from editor.io import open_image

    path = Path(args.file)
    if args.timeout <= 0:
        raise NebulayerError(_("--timeout must be positive, got {timeout:g}").format(timeout=args.timeout))
    if args.output and Path(args.output).resolve() == path.resolve():
        raise NebulayerError(_("{output}: refusing to overwrite the original; write the "
                             "solved copy to another file").format(output=args.output))
    image = open_image(path)
    with TerminalProgress(_("plate solving")) as progress:
        try:
            sol = solve_image(image.data, image.meta.header, backend=args.solver,
                              timeout=args.timeout, use_hints=not args.blind, progress=progress)
        except NebulayerError as exc:
            raise NebulayerError(_("{path}: {exc}").format(path=path, exc=exc)) from None
    if args.output:
        from editor.io.fits_write import write_fits
        from editor.io.wcs import with_array_wcs

        header = with_array_wcs(image.meta.header, sol.wcs, image.height)
        header.setdefault("ROWORDER", "BOTTOM-UP")
        write_fits(args.output, image.data, header,
                   # untranslated: HISTORY lines are English (a FITS convention)
                   history=[f"Nebulayer: WCS from plate solving with {sol.backend}"])
    if args.json:
        out = dict(sol.summary.as_dict(), solver=sol.backend, seconds=round(sol.seconds, 2),
                   file=str(path), output=args.output)
        print(json.dumps(out, indent=2))
    else:
        print(_("{path}: solved by {solver} in {seconds} s").format(
            path=path, solver=sol.backend, seconds=format_number(sol.seconds, 1)))
        print(sol.summary.describe())
        if args.output:
            print(_("wrote {path} (the original is unchanged)").format(path=args.output))
    return 0
