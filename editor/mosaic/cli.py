"""``nebulayer mosaic PANEL... -o OUT.nebula [--align auto|wcs|stars] [--no-balance]
[--gradient] [--blend feather|multiband] [--reference N]``: a project with a mosaic layer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from editor.errors import NebulayerError
from editor.locale import _


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("panels", nargs="+", help="panel images (FITS with a WCS, or any image for --align stars)")
    p.add_argument("-o", "--output", required=True, help="project to write (.nebula)")
    p.add_argument("--align", choices=("auto", "wcs", "stars"), default="auto",
                   help="register by each panel's WCS, by matching stars, or WCS when all have one (auto)")
    p.add_argument("--no-balance", action="store_true", help="keep every panel's gain 1, offset 0")
    p.add_argument("--gradient", action="store_true",
                   help="also fit a linear gradient per panel (light pollution that differs)")
    p.add_argument("--blend", choices=("feather", "multiband"), default="feather",
                   help="how overlapping panels join: feathered edges or multiband (feather)")
    p.add_argument("--reference", type=int, default=1,
                   help="panel (1..N) whose brightness the others are matched to (1)")


def describe_plan(plan: object) -> str:
    """A table of what was fitted, per panel."""
    lines = [f"canvas {plan.shape[1]}x{plan.shape[0]}, aligned by {plan.report.get('align')}, "
             f"{plan.blend} blend, reference panel {plan.reference + 1}"]
    for k, p in enumerate(plan.panels):
        t = p.transform
        where = ("WCS" if t["kind"] == "wcs" else
                 f"shift ({t['dx']:.2f}, {t['dy']:.2f}) rot {t['rotation_deg']:.3f} deg scale {t['scale']:.4f}")
        gains = ", ".join(f"{g:.4f}" for g in p.gain)
        offs = ", ".join(f"{o:.4g}" for o in p.offset)
        lines.append(f"  {k + 1}. {p.name}: {where}; gain {gains}; offset {offs}"
                     + ("" if not any(any(g) for g in p.gradient) else
                        "; gradient " + ", ".join(f"({a:.3g}, {b:.3g})" for a, b in p.gradient)))
    for name in plan.report.get("balance", {}).get("unlinked", []):
        lines.append(f"  note: {name} overlaps no other panel; its brightness was not matched")
    return "\n".join(lines)


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
    with TerminalProgress("mosaic") as progress:
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
    print(f"wrote {out}", file=sys.stderr)
    return 0
