"""``nebulayer mosaic PANEL... -o OUT.nebula [--align auto|wcs|stars] [--no-balance]
[--gradient] [--blend feather|multiband] [--reference N]``: a project with a mosaic layer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from editor.errors import NebulayerError
from editor.locale import _, format_number, pgettext


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("panels", nargs="+",
                   help=_("panel images (FITS with a WCS, or any image for --align stars)"))
    p.add_argument("-o", "--output", required=True, help=_("project to write (.nebula)"))
    p.add_argument("--align", choices=("auto", "wcs", "stars"), default="auto",
                   help=_("register by each panel's WCS, by matching stars, or WCS when all have "
                          "one (auto)"))
    p.add_argument("--no-balance", action="store_true", help=_("keep every panel's gain 1, offset 0"))
    p.add_argument("--gradient", action="store_true",
                   help=_("also fit a linear gradient per panel (light pollution that differs)"))
    p.add_argument("--blend", choices=("feather", "multiband"), default="feather",
                   help=_("how overlapping panels join: feathered edges or multiband (feather)"))
    p.add_argument("--reference", type=int, default=1,
                   help=_("panel (1..N) whose brightness the others are matched to (1)"))


def describe_plan(plan: object) -> str:
    """A table of what was fitted, per panel."""
    def num(value: float, decimals: int) -> str:
        return format_number(value, decimals, grouping=False)

    # French writes 0,7 for 0.7: its numbers in a list are parted with "; "
    sep = pgettext("between numbers", ", ")
    align = {"wcs": "WCS", "stars": _("stars")}.get(plan.report.get("align"), str(plan.report.get("align")))
    blend = {"feather": _("feather"), "multiband": _("multiband")}.get(plan.blend, plan.blend)
    lines = [_("canvas {width}x{height}, aligned by {align}, {blend} blend, reference panel "
               "{reference}").format(width=plan.shape[1], height=plan.shape[0], align=align, blend=blend,
                                     reference=plan.reference + 1)]
    for k, p in enumerate(plan.panels):
        t = p.transform
        where = ("WCS" if t["kind"] == "wcs" else
                 _("shift ({dx}, {dy}) rot {angle} deg scale {scale}").format(
                     dx=num(t["dx"], 2), dy=num(t["dy"], 2), angle=num(t["rotation_deg"], 3),
                     scale=num(t["scale"], 4)))
        line = _("  {index}. {name}: {where}; gain {gains}; offset {offsets}").format(
            index=k + 1, name=p.name, where=where, gains=sep.join(num(g, 4) for g in p.gain),
            offsets=sep.join(_g4(o) for o in p.offset))
        if any(any(g) for g in p.gradient):
            line += _("; gradient {terms}").format(
                terms=sep.join(f"({_g3(a)}{sep}{_g3(b)})" for a, b in p.gradient))
        lines.append(line)
    for name in plan.report.get("balance", {}).get("unlinked", []):
        lines.append(_("  note: {name} overlaps no other panel; its brightness was not matched").format(name=name))
    return "\n".join(lines)


def _g4(value: float) -> str:
    """``{:.4g}`` with the language's decimal mark (offsets may be tiny: exponents kept)."""
    return _localised_g(f"{value:.4g}")


def _g3(value: float) -> str:
    return _localised_g(f"{value:.3g}")


def _localised_g(text: str) -> str:
    from babel.numbers import get_decimal_symbol

    from editor.locale import language

    return text.replace(".", get_decimal_symbol(language()))


def run(args: argparse.Namespace) -> int:
    from editor.cli_progress import TerminalProgress
    from editor.core.document import Document
    from editor.mosaic.layer import add_mosaic_layer
    from editor.io import open_image
    from editor.mosaic.build import plan_mosaic

    out = Path(args.output)
    if out.suffix.lower() != ".nebula":
        raise NebulayerError(_("{out}: the mosaic is written as a project; use a .nebula name").format(out=out))
    if not 1 <= args.reference <= len(args.panels):
        raise NebulayerError(_("--reference {reference}: there are {n} panels").format(reference=args.reference, n=len(args.panels)))
    images = [open_image(p) for p in args.panels]
    names = [Path(p).name for p in args.panels]
    with TerminalProgress(_("mosaic")) as progress:
        try:
            plan = plan_mosaic([(im.data, im.meta.header or None) for im in images], names=names,
                               align=args.align, balance=not args.no_balance,
                               gradient=args.gradient, blend=args.blend,
                               reference=args.reference - 1, progress=progress)
        except ValueError as exc:
            raise NebulayerError(_("mosaic: {exc}").format(exc=exc)) from None
    doc = Document.new(plan.shape[1], plan.shape[0])
    add_mosaic_layer(doc, images, plan.to_dict(), names=names)
    doc.save(out)
    print(describe_plan(plan))
    print(_("wrote {path}").format(path=out), file=sys.stderr)
    return 0
