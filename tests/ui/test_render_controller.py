"""The render controller: renders off the UI thread, debounces, cancels stale renders and
shows the newest state only."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from editor.jobs.progress import Cancelled

pytestmark = pytest.mark.timeout(60)


class SlowDoc:
    """A document whose render takes ~0.5 s in 50 steps and reports progress at each step
    (the render-engine side of the contract the controller relies on)."""

    width, height = 200, 100

    def __init__(self) -> None:
        self.value = 0.0
        self.started = 0
        self.finished = 0
        self.lock = threading.Lock()

    def render(self, scale=1.0, region=None, progress=None, errors=None):
        with self.lock:
            self.started += 1
        value = self.value
        for i in range(50):
            time.sleep(0.01)
            if progress is not None:
                progress(i / 50)
        with self.lock:
            self.finished += 1
        x, y, w, h = region
        return np.full((max(1, round(h * scale)), max(1, round(w * scale))), value, np.float32)

    def apply_render_errors(self, errors):
        return False  # no layers, nothing to report


def _controller(qtbot):
    from editor.ui.canvas.render_controller import RenderController

    rc = RenderController(debounce_ms=5)
    rc.set_display(stretch="none")
    rc.refine_enabled = False
    return rc


def test_a_change_cancels_the_running_full_resolution_refine(qtbot):
    rc = _controller(qtbot)
    rc.refine_enabled = True
    doc = SlowDoc()
    shown = []
    rc.rendered.connect(lambda r: shown.append((r.stage, float(r.linear.flat[0]))))
    rc.region, rc.zoom = (0, 0, 200, 100), 0.25
    rc.set_document(doc)
    qtbot.waitUntil(lambda: doc.started >= 2, timeout=5000)  # preview done, refine running
    assert shown == [("preview", 0.0)]
    doc.value = 0.5
    rc.request()
    qtbot.waitUntil(lambda: rc.is_idle() and shown[-1] == ("refine", 0.5), timeout=10000)
    assert rc.cancelled_count == 1
    assert ("refine", 0.0) not in shown  # the stale refine never reached the screen
    rc.shutdown()


def test_changes_during_a_render_are_folded_into_one_newest_render(qtbot):
    rc = _controller(qtbot)
    doc = SlowDoc()
    shown = []
    rc.rendered.connect(lambda r: shown.append(float(r.linear.flat[0])))
    rc.region, rc.zoom = (0, 0, 200, 100), 1.0
    rc.set_document(doc)
    qtbot.waitUntil(lambda: doc.started >= 1, timeout=5000)
    for v in (0.1, 0.2, 0.3, 0.4):  # a slider drag while the first preview renders
        doc.value = v
        rc.request()
        qtbot.wait(20)
    qtbot.waitUntil(rc.is_idle, timeout=10000)
    assert shown[-1] == pytest.approx(0.4)
    assert doc.started <= 3  # not one render per change
    assert 0.2 not in shown


def test_a_burst_of_changes_renders_at_most_first_and_last(qtbot):
    from editor.core.document import Document

    rc = _controller(qtbot)
    rc._timer.setInterval(50)
    doc = Document.from_image(np.full((60, 90), 0.5, np.float32))
    rc.region, rc.zoom = (0, 0, 90, 60), 1.0
    rc.set_document(doc)
    qtbot.waitUntil(lambda: rc.is_idle() and rc.last_result is not None, timeout=5000)
    doc.reset_render_stats()
    for _ in range(10):
        rc.request()
    qtbot.waitUntil(lambda: rc.is_idle(), timeout=5000)
    assert 1 <= doc.render_stats.get("renders", 0) <= 2
    rc.shutdown()


def test_preview_is_followed_by_a_full_resolution_refine_of_the_visible_region(qtbot):
    from editor.core.document import Document

    rc = _controller(qtbot)
    rc.refine_enabled = True
    doc = Document.from_image(np.linspace(0, 1, 400 * 300, dtype=np.float32).reshape(300, 400))
    stages = []
    rc.rendered.connect(lambda r: stages.append((r.stage, r.scale, r.picture.shape)))
    rc.region, rc.zoom = (100, 50, 200, 100), 0.25
    rc.set_document(doc)
    qtbot.waitUntil(lambda: rc.is_idle() and len(stages) >= 2, timeout=5000)
    (stage0, scale0, shape0), (stage1, scale1, shape1) = stages[:2]
    assert (stage0, scale0) == ("preview", 0.25)
    assert abs(shape0[0] - 25) <= 1 and abs(shape0[1] - 50) <= 1  # screen-sized
    assert (stage1, scale1, shape1) == ("refine", 1.0, (100, 200, 3))
    rc.shutdown()


def test_a_failing_render_reports_the_message_and_the_controller_keeps_working(qtbot):
    from editor.errors import DocumentError

    class Broken(SlowDoc):
        fail = True

        def render(self, scale=1.0, region=None, progress=None, errors=None):
            if self.fail:
                raise DocumentError("layer “Stars” cannot render: bad parameter")
            return super().render(scale, region, progress)

    rc = _controller(qtbot)
    doc = Broken()
    errors = []
    rc.failed.connect(errors.append)
    rc.region, rc.zoom = (0, 0, 200, 100), 1.0
    rc.set_document(doc)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "Stars" in errors[0]
    doc.fail = False
    rc.request(immediate=True)
    qtbot.waitUntil(lambda: rc.last_result is not None, timeout=5000)
    rc.shutdown()


def test_cancelled_is_raised_through_progress():
    from editor.jobs.progress import CancelToken

    t = CancelToken()
    cb = t.progress()
    cb(0.1)
    t.cancel()
    with pytest.raises(Cancelled):
        cb(0.2)
