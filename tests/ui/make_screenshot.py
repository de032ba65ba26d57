"""Regenerate docs/screenshot.png: the editor window on the sample project (or a given file).

Run under a real X server, e.g.::

    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/ui/make_screenshot.py
    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/ui/make_screenshot.py FILE --out x.png

The picture is taken from inside the application (QWidget.grab) once every render,
thumbnail and histogram has arrived, then saved as a palette PNG when that keeps it small.
``--panel NAME`` raises that dock first (Mask, Snapshots, Info...), for checking each panel.

The sample project is opened from a copy in a temporary home folder (HOME points there while
the script runs), so the Info panel shows ``~/Astro/...`` rather than a path of this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def _settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _sample_in_temporary_home(sample: Path, home: Path) -> Path:
    """Copy the sample project and the frames it refers to into ``home``/Astro/...; point
    HOME there (settings and recovery files of this run land there too)."""
    folder = home / "Astro" / "Nebulayer samples"
    folder.mkdir(parents=True)
    for f in sample.parent.iterdir():
        if f.suffix.lower() in (".nebula", ".fits"):
            shutil.copy2(f, folder / f.name)
    os.environ["HOME"] = str(home)
    os.environ.pop("NEBULAYER_DATA_DIR", None)
    return folder / sample.name


def main() -> int:
    ap = argparse.ArgumentParser(description="Screenshot of the Nebulayer editor window")
    ap.add_argument("files", nargs="*", help="files to open (default: the sample project)")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshot.png"))
    ap.add_argument("--size", default="1500x920", help="window size WxH")
    ap.add_argument("--panel", default=None, help="dock to raise before the grab")
    ap.add_argument("--tab", default="Editor", help="tab to show (Editor, Acquisition, Compare)")
    ap.add_argument("--select", type=int, default=-1,
                    help="index (top-level, bottom=0) of the layer to select; default the top one")
    args = ap.parse_args()

    from editor.ui.shell.app import SAMPLE_PROJECT

    with tempfile.TemporaryDirectory(prefix="nebulayer-shot-") as tmp:
        files = args.files
        if not files and SAMPLE_PROJECT.is_file():
            files = [str(_sample_in_temporary_home(SAMPLE_PROJECT, Path(tmp) / "home"))]
        return _shoot(args, files)


def _shoot(args: argparse.Namespace, files: list[str]) -> int:
    from PIL import Image

    from editor.ui.shell.app import create_window, make_application

    app = make_application()
    win = create_window(files, offer_recovery=False)
    w, h = (int(v) for v in args.size.split("x"))
    win.resize(w, h)
    win.show()
    job = win.files.last_job
    deadline = time.monotonic() + 120
    while job is not None and not job.done and time.monotonic() < deadline:
        _settle(app, 0.05)
    if job is not None and job.error:
        print(f"could not open {files}: {job.error}", file=sys.stderr)
        return 2
    doc = win.model.doc
    if doc is not None and doc.layers:
        win.model.select(doc.layers[args.select].id)
    for i in range(win.tabs.count()):
        if win.tabs.tabText(i) == args.tab:
            win.tabs.setCurrentIndex(i)
    if args.panel and args.panel in win.editor.docks:
        win.editor.docks[args.panel].raise_()
    renderer = win.editor.renderer
    while time.monotonic() < deadline and not renderer.is_idle():
        _settle(app, 0.05)
    _settle(app, 2.0)  # thumbnails and the histogram arrive from their own threads
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".raw.png")
    win.grab().save(str(tmp))
    img = Image.open(tmp).convert("RGB")
    img.save(out, optimize=True)
    if out.stat().st_size > 400_000:
        img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    tmp.unlink()
    print(f"wrote {out} ({out.stat().st_size // 1024} kB, {img.width}x{img.height})")
    if doc is not None:
        doc.mark_saved()  # leave without the unsaved-changes prompt
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
