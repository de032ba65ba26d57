"""The command-line options that say which picture of a file to open (``--hdu``, ``--plane``,
``--debayer``), shared by ``info``, ``convert`` and the editor's file arguments."""

from __future__ import annotations

import argparse
from typing import Any

from editor.locale import _


def add_file_choice_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hdu", default=None, metavar="N",
                        help=_("FITS: open HDU N (index, 0 = primary, or EXTNAME such as SCI) "
                               "instead of the first one holding an image"))
    parser.add_argument("--plane", type=int, default=None, metavar="N",
                        help=_("FITS data cube: open plane N (0-based) as a mono image; needed "
                               "for a cube that is not RGB"))
    parser.add_argument("--debayer", nargs="?", const="malvar", default=None,
                        choices=("malvar", "bilinear"),
                        help=_("demosaic a Bayer (one-shot colour) FITS to colour, by "
                               "Malvar-He-Cutler (default) or bilinear interpolation; files that are "
                               "not mosaics open as they are"))


def choice_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`editor.io.open_image` for the parsed options."""
    hdu = getattr(args, "hdu", None)
    if isinstance(hdu, str) and hdu.strip().lstrip("-").isdigit():
        hdu = int(hdu)
    method = getattr(args, "debayer", None)
    kwargs: dict[str, Any] = {"hdu": hdu, "plane": getattr(args, "plane", None)}
    if method:
        kwargs.update(debayer="auto", debayer_method=method)
    return kwargs
