"""Longest pause of the UI thread while a person opens and adjusts a 40 MP document.

A QTimer heartbeat (every 5 ms) runs on the UI thread of the real main window; every gap
between two beats longer than the interval is time the window could not repaint or answer
the mouse. Phases (each waits for the canvas to show the result, as a person would):
open (File > Open of a FITS through the real job), levels drag (a slider of the Adjustments
panel dragged in 25 steps, 30 ms apart), zoom (fit, 100 %, 200 %, fit), crop (Image > crop
to 16:9 and undo), merge down (Ctrl+E's job) and the mask panel's high-pass contrast mask.
Goal: no pause above 100 ms. Printed, never asserted (not collected by pytest).

Memory pass for context: one ``np.copy`` of the document's pixels (best of 3), measured in
the same run.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_ui_pauses.py [--mp 40] [--rgb]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from bench_ui_latency import make_image  # noqa: E402

BEAT_MS = 5


class StallSampler:
    """With --why: a thread that, while the heartbeat is late by > 60 ms, samples the UI
    thread's stack every 10 ms; the most frequent innermost project frames are printed."""

    def __init__(self, beat: "Heartbeat") -> None:
        import collections
        import threading

        self.beat, self.main = beat, threading.main_thread().ident
        self.counts: collections.Counter = collections.Counter()
        self.stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        import traceback

        while not self.stop:
            time.sleep(0.01)
            if (time.perf_counter() - self.beat.last) * 1000 < 60:
                continue
            frame = sys._current_frames().get(self.main)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            mine = [f for f in stack if "/editor/" in f.filename or "/filters/" in f.filename]
            where = mine[-1] if mine else stack[-1]
            self.counts[f"{Path(where.filename).name}:{where.lineno} {where.name} | "
                        f"{Path(stack[-1].filename).name}:{stack[-1].lineno} {stack[-1].name}"] += 1


class Heartbeat:
    def __init__(self) -> None:
        from PyQt6.QtCore import QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000.0)
        self.last = now

    def take(self) -> list[float]:
        gaps, self.gaps = self.gaps, []
        return gaps


def pump(app, until, timeout: float = 300.0) -> None:
    end = time.perf_counter() + timeout
    while not until():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.001)


def settle(app, win, ms: float = 150.0) -> None:
    r = win.editor.renderer
    t = time.perf_counter()
    pump(app, lambda: time.perf_counter() - t > ms / 1000)  # let queued events arrive
    pump(app, lambda: r.is_idle() and r.last_result is not None
         and r.last_result.generation == r._generation)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mp", type=float, default=40.0, help="document size in megapixels")
    ap.add_argument("--rgb", action="store_true", help="colour document (3x the memory)")
    ap.add_argument("--why", action="store_true", help="sample the UI thread during long pauses")
    args = ap.parse_args()

    from astropy.io import fits

    from editor.ui.shell.app import create_window, make_application

    app = make_application()
    tmp = Path(tempfile.mkdtemp(prefix="bench_ui_pauses_"))
    img = make_image(args.mp, colour=args.rgb)
    copies = []
    for _ in range(3):
        t = time.perf_counter()
        np.copy(img)
        copies.append(time.perf_counter() - t)
    mem_pass = min(copies) * 1000
    path = tmp / "big.fits"
    fits.writeto(path, np.moveaxis(img, 2, 0) if img.ndim == 3 else img)
    h, w = img.shape[:2]
    del img

    win = create_window([], offer_recovery=False, open_sample=False)
    win.resize(1500, 920)
    win.show()
    app.processEvents()
    beat = Heartbeat()
    sampler = StallSampler(beat) if args.why else None
    results: list[tuple[str, list[float], float]] = []

    def phase(name: str, action) -> None:
        beat.take()
        t = time.perf_counter()
        action()
        settle(app, win)
        results.append((name, beat.take(), time.perf_counter() - t))

    def do_open() -> None:
        job = win.files.open_paths([str(path)])
        pump(app, lambda: job.done)

    def do_drag() -> None:
        doc = win.model.doc
        win.model.select(doc.add_adjustment("levels"))
        pump(app, lambda: win.editor.adjust.editor is not None)
        w_ = win.editor.adjust.editor.control("midtone")
        w_.slider.setSliderDown(True)
        for i in range(25):
            w_.slider.setValue(500 + 8 * i)
            t = time.perf_counter()
            pump(app, lambda: time.perf_counter() - t > 0.03)
        w_.slider.setSliderDown(False)

    def do_zoom() -> None:
        c = win.editor.canvas
        for act in (c.zoom_fit, lambda: c.zoom_to(1.0), lambda: c.zoom_to(2.0), c.zoom_fit):
            act()
            settle(app, win)

    def do_crop() -> None:
        doc = win.model.doc
        doc.crop_to_ratio("16:9")
        settle(app, win)
        win.undo()

    def do_merge() -> None:
        job = win.keys.merge_down()
        pump(app, lambda: job.done)

    def do_contrast_mask() -> None:
        win.tools.add_contrast_mask_adjustment()
        pump(app, lambda: win.editor.masks.mask_jobs_done())

    try:
        phase("open", do_open)
        phase("levels drag", do_drag)
        phase("zoom", do_zoom)
        phase("crop + undo", do_crop)
        phase("merge down", do_merge)
        phase("contrast mask", do_contrast_mask)
    finally:
        win.editor.renderer.shutdown()

    print(f"document {w}x{h} ({w * h / 1e6:.1f} MP, {'RGB' if args.rgb else 'mono'}), "
          f"heartbeat {BEAT_MS} ms; memory pass (np.copy) {mem_pass:.0f} ms")
    print(f"{'phase':<16}{'wall s':>8}{'beats':>7}{'max gap ms':>12}{'p99 ms':>9}{'>100 ms':>9}")
    worst = 0.0
    for name, gaps, wall in results:
        g = np.asarray(gaps or [0.0])
        worst = max(worst, float(g.max()))
        print(f"{name:<16}{wall:>8.1f}{len(gaps):>7}{g.max():>12.0f}{np.percentile(g, 99):>9.0f}"
              f"{int((g > 100).sum()):>9}")
    if sampler is not None:
        sampler.stop = True
        print("UI thread during pauses (10 ms samples: innermost project frame | innermost frame):")
        for where, n in sampler.counts.most_common(12):
            print(f"  {n:4d}  {where}")
    print(f"longest UI-thread pause: {worst:.0f} ms ({worst / mem_pass:.1f} memory passes); "
          f"goal <= 100 ms: {'met' if worst <= 100 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # worker threads of the window must not keep the process alive
