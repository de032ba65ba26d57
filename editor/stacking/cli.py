"""``nebulayer stack``: calibrate, register and integrate frames into a 32-bit master.

Example::

    nebulayer stack lights/*.fits --darks darks/*.fits --flats flats/*.fits \\
        --bias bias/*.fits -o M42_master.fits --reject winsorized --open

``--darks``/``--flats``/``--bias``/``--dark-flats`` take frames (combined into masters) or one
master file (IMAGETYP 'Master ...' or NCOMBINE > 1). A line per light goes to stderr (how it was
registered, or why it was skipped); errors print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys

from editor.locale import _, ngettext
from editor.stacking.normalisation import NORMALISATIONS
from editor.stacking.rejection import REJECTIONS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("lights", nargs="+", help=_("light frames (FITS, TIFF, camera RAW)"))
    p.add_argument("-o", "--output", required=True, help=_("master light to write (.fits)"))
    # one sentence per kind: the words differ by language (and by gender in French)
    for flag, what in (("--darks", _("dark frames, or one master dark")),
                       ("--flats", _("flat frames, or one master flat")),
                       ("--bias", _("bias frames, or one master bias")),
                       ("--dark-flats", _("dark-flat frames, or one master dark-flat"))):
        p.add_argument(flag, nargs="+", default=[], metavar="FILE", help=what)
    p.add_argument("--reject", choices=("auto",) + REJECTIONS, default="auto",
                   help=_("pixel rejection (default auto: sigma below 8 frames, winsorized "
                          "from 8; linear-fit measures in mean deviations: use sigmas ~5)"))
    p.add_argument("--sigma-low", type=float, default=3.0, help=_("low rejection sigma (3)"))
    p.add_argument("--sigma-high", type=float, default=3.0, help=_("high rejection sigma (3)"))
    p.add_argument("--norm", choices=NORMALISATIONS, default="additive-scale",
                   help=_("normalisation before rejection (default additive-scale)"))
    p.add_argument("--combine", choices=("mean", "median"), default="mean",
                   help=_("how the lights combine after rejection (default mean)"))
    p.add_argument("--weight", choices=("none", "noise", "fwhm"), default="none",
                   help=_("frame weights in the mean (default none)"))
    p.add_argument("--master-method", choices=("mean", "median"), default="mean",
                   help=_("how masters combine frames: clipped mean (default) or median"))
    p.add_argument("--no-dark-scaling", action="store_true",
                   help=_("subtract the master dark as it is (no exposure/temperature scaling)"))
    p.add_argument("--no-cosmetic", action="store_true", help=_("no hot/cold pixel correction"))
    p.add_argument("--no-register", action="store_true", help=_("stack without aligning"))
    p.add_argument("--interpolation", choices=("bspline", "lanczos3", "bicubic", "bilinear"),
                   default="bspline", help=_("registration resampling (bspline: sharpest stars; "
                                             "bilinear: Siril 1.0's, smoother pixels, ~2%% wider "
                                             "stars)"))
    p.add_argument("--reference", default="best", metavar="best|N",
                   help=_("reference light: best (lowest weighted FWHM, default) or its index "
                          "from 0"))
    p.add_argument("--save-masters", metavar="DIR", help=_("also write the masters built here"))
    p.add_argument("--rejection-maps", action="store_true",
                   help=_("also write <output>_rejmap_low/high.fits"))
    p.add_argument("--workdir", help=_("folder for temporary frames (default: the system's)"))
    p.add_argument("--open", action="store_true", help=_("open the master in the editor"))


def _index(text: str) -> int:
    from editor.stacking.frames import StackError

    try:
        return int(text)
    except ValueError:
        raise StackError(_("--reference must be 'best' or a light's index, not {text!r}").format(text=text)) from None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from editor.cli_progress import TerminalProgress
    from editor.stacking.frames import StackError
    from editor.stacking.pipeline import StackRequest, run_stack

    if Path(args.output).suffix.lower() not in (".fits", ".fit", ".fts"):
        raise StackError(_("{output}: the master is written as FITS (.fits, .fit, .fts)").format(output=args.output))
    if not Path(args.output).resolve().parent.is_dir():
        raise StackError(_("{output}: folder {parent} does not exist").format(output=args.output, parent=Path(args.output).parent))
    request = StackRequest(
        lights=args.lights, darks=args.darks, flats=args.flats, bias=args.bias,
        dark_flats=args.dark_flats, output=args.output, rejection=args.reject,
        sigma_low=args.sigma_low, sigma_high=args.sigma_high, normalisation=args.norm,
        combine=args.combine, weighting=args.weight, master_method=args.master_method,
        dark_scaling=not args.no_dark_scaling, cosmetic=not args.no_cosmetic,
        register=not args.no_register, interpolation=args.interpolation,
        reference=args.reference if args.reference == "best" else _index(args.reference),
        save_masters=args.save_masters,
        rejection_maps=args.rejection_maps, workdir=args.workdir)
    n = len(args.lights)
    with TerminalProgress(ngettext("stack {n} light", "stack {n} lights", n).format(n=n)) as bar:
        result = run_stack(request, progress=bar)
    print(result.summary(), file=sys.stderr)
    print(_("wrote {path}").format(path=args.output), file=sys.stderr)
    return 0  # ``--open`` is handled by editor.cli, which may start the GUI
