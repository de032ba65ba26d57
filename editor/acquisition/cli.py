"""``nebulayer capture``: run a capture sequence on an INDI camera from the terminal.

Example::

    nebulayer capture --host astro-pi --camera "ZWO CCD ASI294MM Pro" --wheel "ZWO EFW" \\
        --filter L,R,G,B --count 10 --exposure 120 --gain 120 --object M42 --out ~/captures

Each saved frame's path is printed on stdout; a progress bar goes to stderr (when it is a
terminal); an error prints one line and exits with status 2, leaving the frames already saved.
"""

from __future__ import annotations

import argparse
import sys

from editor.acquisition.camera import FRAME_TYPES, Camera
from editor.acquisition.filter_wheel import FilterWheel
from editor.acquisition.indi_link import IndiLink
from editor.acquisition.sequence import SequenceRunner, SequenceStep, parse_plan, parse_roi
from editor.errors import DeviceError, ImageWriteError, NebulayerError
from editor.locale import _, ngettext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="localhost", help=_("INDI server host (default localhost)"))
    parser.add_argument("--port", type=int, default=7624, help=_("INDI server port (default 7624)"))
    parser.add_argument("--camera", help=_("camera device name (default: the only camera)"))
    parser.add_argument("--exposure", type=float, required=True, help=_("exposure time in seconds"))
    parser.add_argument("--count", type=int, default=1, help=_("frames per filter (default 1)"))
    parser.add_argument("--filter", help=_("filter name, or several separated by commas "
                                           "(L,R,G,B): --count frames through each"))
    parser.add_argument("--wheel", help=_("filter wheel device (default: the only one)"))
    parser.add_argument("--plan", help=_("sequence shorthand instead of --count/--filter, "
                                         "e.g. '10xL,5xR,5xG,5xB' or '10xHa:300'"))
    parser.add_argument("--gain", type=float, help=_("camera gain"))
    parser.add_argument("--offset", type=float, help=_("camera offset"))
    parser.add_argument("--bin", type=int, default=1, dest="binning", help=_("binning (default 1)"))
    parser.add_argument("--roi", help=_("region of interest x,y,width,height in sensor pixels "
                                        "(default: full frame)"))
    parser.add_argument("--type", choices=FRAME_TYPES, default="light", dest="frame_type",
                        help=_("frame type (default light)"))
    parser.add_argument("--object", dest="object_name", help=_("target name (OBJECT, folder name)"))
    parser.add_argument("--delay", type=float, default=0.0, help=_("seconds between frames"))
    parser.add_argument("--readout-timeout", type=float, default=30.0,
                        help=_("seconds allowed after each exposure for readout/download "
                               "(default 30)"))
    parser.add_argument("--out", required=True, help=_("folder for the session's frames"))


def _steps(args: argparse.Namespace) -> list[SequenceStep]:
    roi = parse_roi(args.roi)
    common = dict(exposure=args.exposure, frame_type=args.frame_type, gain=args.gain,
                  offset=args.offset, binning=args.binning, roi=roi)
    if args.plan:
        return parse_plan(args.plan, **common)
    filters = [f.strip() for f in (args.filter or "").split(",") if f.strip()] or [None]
    return [SequenceStep(args.count, args.exposure, f, args.frame_type, args.gain, args.offset,
                         args.binning, roi) for f in filters]


def _pick(link: IndiLink, wanted: str | None, kind: str, exclude: str = "") -> str:
    devices = link.devices()
    if wanted:
        if wanted not in {d.name for d in devices}:
            names = ", ".join(d.name for d in devices) or _("none")
            raise DeviceError(_("INDI {address}: no device {wanted!r} (devices: {names})").format(address=link.address, wanted=wanted, names=names))
        return wanted
    matches = [d.name for d in devices if kind in d.kinds and d.name != exclude]
    if len(matches) == 1:
        return matches[0]
    camera = kind == "camera"
    if not matches:
        raise DeviceError((_("INDI {address}: no camera found") if camera else
                           _("INDI {address}: no filter wheel found")).format(address=link.address))
    raise DeviceError((_("INDI {address}: several cameras ({names}): choose one with --camera") if camera else
                       _("INDI {address}: several filter wheels ({names}): choose one with --wheel")).format(
        address=link.address, names=", ".join(matches)))


def run(args: argparse.Namespace) -> int:
    from editor.cli_progress import TerminalProgress

    steps = _steps(args)
    link = IndiLink(args.host, args.port)
    runner: SequenceRunner | None = None
    try:
        link.connect()
        camera = Camera(link, _pick(link, args.camera, "camera"),
                        readout_margin=args.readout_timeout)
        camera.connect()
        wheel = None
        if any(s.filter for s in steps) or args.wheel:
            # untranslated: a device kind (editor.acquisition.devices), not a message
            wheel = FilterWheel(link, _pick(link, args.wheel, "filter wheel", camera.name))
            wheel.connect()
        total = sum(s.count for s in steps)
        with TerminalProgress(ngettext("capture {n} frame", "capture {n} frames", total).format(n=total)) as bar:
            runner = SequenceRunner(camera, wheel, out=args.out, object_name=args.object_name,
                                    delay=args.delay, on_progress=lambda p: bar(p.fraction),
                                    on_frame=lambda path, _f: print(path, flush=True))
            try:
                result = runner.run(steps)
            except KeyboardInterrupt:
                runner.abort()
                camera.abort()
                raise
        if result.aborted:
            n = len(result.saved)
            print("nebulayer: " + ngettext("sequence aborted; {n} frame saved in {folder}",
                                           "sequence aborted; {n} frames saved in {folder}", n).format(
                n=n, folder=result.folder), file=sys.stderr)
            return 1
        return 0
    except NebulayerError as exc:
        if runner is None or not runner.saved:
            raise
        n = len(runner.saved)
        kept = " " + ngettext("({n} frame saved in {folder})", "({n} frames saved in {folder})", n).format(
            n=n, folder=runner.folder)
        if isinstance(exc, ImageWriteError):
            raise ImageWriteError(exc.path, exc.problem + kept) from None
        if isinstance(exc, DeviceError):
            raise DeviceError(str(exc) + kept) from None
        raise
    finally:
        link.close()
