"""Regenerate docs/sky_overlay.png (View > Sky Overlay on the 2MASS J frame) and, with
``--all``, look-at pictures of the Mosaic panel list and the New Mosaic dialog in /tmp.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_sky_pictures.py [--all]

Needs ../shared/data (the 2MASS J/Ks frames). The window is grabbed from inside the
application (QWidget.grab) once the render and the overlay have arrived.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("NEBULAYER_SHARED_DATA", REPO.parent / "shared" / "data"))


def settle(app, until=lambda: True, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.processEvents()
        time.sleep(0.02)
    for _ in range(30):
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    os.environ.setdefault("NEBULAYER_DATA_DIR", tempfile.mkdtemp())
    from editor.ui.shell.app import create_window, make_application

    app = make_application()
    win = create_window([], offer_recovery=False, open_sample=False)
    win.resize(1500, 920)
    win.show()
    r = win.editor.renderer
    job = win.files.open_paths([str(DATA / "fits" / "multiband_gc" / "gc_2mass_j.fits")])
    settle(app, lambda: job.done)
    shown = []
    win.sky.overlay.ready.connect(shown.append)
    win.sky.act_overlay.setChecked(True)
    settle(app, lambda: shown and r.is_idle() and r.last_result is not None)
    win.editor.canvas.hovered.emit(400.5, 300.5)
    out = REPO / "docs" / "sky_overlay.png"
    win.grab().save("/tmp/sky_overlay_window.png")
    # the README picture: the canvas and the readout line, as a palette PNG (small)
    canvas, readout = win.editor.canvas.grab(), win.editor.readout.grab()
    from PIL import Image

    tmp = Path(tempfile.mkdtemp())
    canvas.save(str(tmp / "c.png"))
    readout.save(str(tmp / "r.png"))
    c, rd = Image.open(tmp / "c.png").convert("RGB"), Image.open(tmp / "r.png").convert("RGB")
    pic = Image.new("RGB", (c.width, c.height + rd.height + 6), (30, 30, 32))
    pic.paste(c, (0, 0))
    pic.paste(rd.crop((0, 0, min(rd.width, c.width), rd.height)), (6, c.height + 3))
    pic.quantize(colors=192, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)
    print("wrote", out)
    if "--all" in sys.argv:
        job = win.files.open_paths([str(DATA / "fits" / "horsehead_dss_ukschmidt.fits")])
        settle(app, lambda: job.done)
        settle(app, lambda: r.is_idle() and win.sky.overlay.item.labels, 30)
        win.grab().save("/tmp/sky_horsehead.png")
        from tests.mosaic.cutting import header_of, load_plate
        from tests.mosaic.test_mosaic_real_panels import GRID4, PERTURB4, make_panels
        from editor.io.fits_write import write_fits

        plate = load_plate(DATA / "fits" / "multiband_gc" / "gc_2mass_k.fits")
        panels, _ = make_panels(plate, GRID4, PERTURB4)
        d = Path(tempfile.mkdtemp())
        paths = []
        for k, (px, wcs) in enumerate(panels):
            write_fits(d / f"k{k + 1}.fits", px, header_of(wcs))
            paths.append(str(d / f"k{k + 1}.fits"))
        from editor.ui.sky.mosaic_dialog import NewMosaicDialog

        dlg = NewMosaicDialog(win, paths)
        dlg.show()
        settle(app, seconds=0.5)
        dlg.grab().save("/tmp/sky_new_mosaic_dialog.png")
        dlg.close()
        win.sky.act_overlay.setChecked(False)
        job = win.sky.build_mosaic(paths, dlg.options())
        settle(app, lambda: job.done, 120)
        settle(app, lambda: r.is_idle() and r.last_result is not None, 60)
        win.grab().save("/tmp/sky_mosaic_window.png")
        win.sky.act_overlay.setChecked(True)
        settle(app, lambda: r.is_idle() and win.sky.overlay.item.labels, 30)
        win.grab().save("/tmp/sky_mosaic_overlay.png")
        print("wrote /tmp/sky_*.png")
    win.model.doc.mark_saved() if win.model.doc is not None else None
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
