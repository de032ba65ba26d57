"""A panel's levels are made by one full-resolution pass when several threads ask different
levels of it at once (issue 13: the window's thumbnail thread asks level 6, the render and the
input histogram level 3 and others, and each made its own pass over every panel: 24 passes
over 12 panels, twice the time to the first picture). A request waits for the pass running on
the panel when that pass keeps the level asked for, then takes it from the cache."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from editor.mosaic import panels as P


def _panels(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        img = (rng.standard_normal((300 + i, 260, 3)) * 1e3 + 5e3).astype(np.float32)
        img[10:30, 40:44] = np.nan
        out.append(img)
    return out


def _slow_counting(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int | None]]:
    """make_levels counted ((target, finer level or None) per call) and slowed down, so the
    threads' requests overlap the first pass whatever the scheduler does."""
    real = P.make_levels
    calls: list[tuple[int, int | None]] = []
    lock = threading.Lock()

    def counting(img, target, finer=None):
        with lock:
            calls.append((target, None if finer is None else finer.level))
        threading.Event().wait(0.3)
        return real(img, target, finer)

    monkeypatch.setattr(P, "make_levels", counting)
    return calls


def test_three_threads_asking_levels_3_6_and_4_of_the_same_panels_make_one_pass_per_panel(
        monkeypatch):
    imgs = _panels(3)
    expected = {(i, lv): P.make_levels(img, lv)[lv] for i, img in enumerate(imgs) for lv in (3, 4, 6)}
    calls = _slow_counting(monkeypatch)
    cache = P.PanelCache()
    got: dict[tuple[int, int], P.Level] = {}
    start = threading.Barrier(3)

    def ask(level: int) -> None:
        start.wait()
        for i, img in enumerate(imgs):
            got[(i, level)] = P.panel_level(img, level, cache, ("panel", i))

    threads = [threading.Thread(target=ask, args=(lv,)) for lv in (3, 6, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    full = [c for c in calls if c[1] is None]
    assert len(full) == len(imgs), calls  # one full-resolution pass per panel
    assert len(calls) == len(imgs), calls  # and nothing derived: the pass kept 3, 4 and 6
    for k, lev in expected.items():  # the same bits as each level made alone
        assert got[k].means.tobytes() == lev.means.tobytes()
        assert (got[k].counts is None) == (lev.counts is None)
        if lev.counts is not None:
            assert np.array_equal(got[k].counts, lev.counts)


def test_a_level_the_running_pass_does_not_keep_gets_a_pass_of_its_own(monkeypatch):
    img = _panels(1)[0]
    calls = _slow_counting(monkeypatch)
    cache = P.PanelCache()
    got: dict[int, P.Level] = {}

    def ask(level: int) -> None:
        got[level] = P.panel_level(img, level, cache, "p")

    a = threading.Thread(target=ask, args=(6,))
    a.start()
    while not calls:  # the pass for level 6 is running (it keeps 3 and up, not 2)
        threading.Event().wait(0.005)
    b = threading.Thread(target=ask, args=(2,))
    b.start()
    a.join()
    b.join()
    assert calls == [(6, None), (2, None)], calls
    assert got[2].means.tobytes() == P.make_levels(img, 2)[2].means.tobytes()


def test_a_failed_pass_lets_the_waiting_request_make_the_level(monkeypatch):
    img = _panels(1)[0]
    real = P.make_levels
    first = threading.Event()

    def failing_once(img_, target, finer=None):
        if not first.is_set():
            first.set()
            threading.Event().wait(0.3)
            raise OSError("read failed")
        return real(img_, target, finer)

    monkeypatch.setattr(P, "make_levels", failing_once)
    cache = P.PanelCache()
    errors: list[BaseException] = []
    got: dict[int, P.Level] = {}

    def ask(level: int) -> None:
        try:
            got[level] = P.panel_level(img, level, cache, "p")
        except OSError as exc:
            errors.append(exc)

    a = threading.Thread(target=ask, args=(6,))
    a.start()
    first.wait()
    b = threading.Thread(target=ask, args=(3,))
    b.start()
    a.join()
    b.join()
    assert len(errors) == 1 and 6 not in got
    assert got[3].means.tobytes() == real(img, 3)[3].means.tobytes()
    assert cache._passes == {}
