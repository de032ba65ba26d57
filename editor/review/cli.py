"""``nebulayer review``: a self-contained review page of one or several projects.

Example::

    nebulayer review mine.nebula alice.nebula -o m42-review --title "M42, club night"

Each project shows a before/after slider ("Original" vs. the current state unless told
otherwise), its notes' 100 % crops, capture details and processing steps; several projects add a
comparison of the same places across them. Open ``m42-review/index.html`` in any browser (no
network needed; zip the folder to mail it).
"""

from __future__ import annotations

import argparse
import sys

from editor.locale import LANGUAGES, _


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("projects", nargs="+", metavar="PROJECT", help=_(".nebula projects (members' versions)"))
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help=_("folder to write (new, empty, or an earlier review page, which is "
                          "replaced)"))
    p.add_argument("--before", default="Original", metavar="SNAPSHOT",
                   help=_("snapshot shown as 'before' (default: Original; 'Current' = current state)"))
    p.add_argument("--after", default="Current", metavar="SNAPSHOT",
                   help=_("snapshot shown as 'after' (default: the current state)"))
    p.add_argument("--title", help=_("page title (default: 'Review: OBJECT' from the headers)"))
    p.add_argument("--stretch", choices=("auto", "none", "shared"), default="auto",
                   help=_("auto: linear states get a screen stretch, stretched ones are shown as "
                          "they export (default); none: all as they export; shared: one stretch "
                          "measured on 'before' for both"))
    p.add_argument("--long-side", type=int, default=2048, metavar="PX",
                   help=_("long side of the whole pictures (default 2048; crops are always 100 %%)"))
    p.add_argument("--lang", choices=LANGUAGES, default=None,
                   help=_("language of the page (default: the locale's, as LANG or LC_ALL say; "
                          "NEBULAYER_LANG overrides it)"))
    p.add_argument("--allow-outside-refs", action="store_true",
                   help=_("let projects read the image files they name outside their own folder"))


def run(args: argparse.Namespace) -> int:
    from editor.cli_progress import TerminalProgress
    from editor.locale import use
    from editor.review.export import export_review

    if args.lang:  # the page, and what this command says, in that language
        use(args.lang)
    with TerminalProgress(_("review")) as progress:
        index = export_review(args.projects, args.output, before=args.before, after=args.after,
                              title=args.title, stretch=args.stretch, long_side=args.long_side,
                              progress=progress, allow_outside=args.allow_outside_refs)
    print(_("wrote {path}").format(path=index), file=sys.stderr)
    return 0
