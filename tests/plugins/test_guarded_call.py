"""run_filter: a misbehaving plugin filter becomes a typed error, never a crash or bad pixels."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from editor.errors import NebulayerError
from editor.jobs import CancelToken, Cancelled
from editor.plugins.errors import PluginBadResult, PluginCrashed, PluginError, PluginTimeout
from editor.plugins.guarded_call import run_filter
from filters.registry import FilterSpec


def spec_of(func, category="adjustment", source="org.test"):
    return FilterSpec(id="test.f", name="F", func=func, category=category, source=source)


IMG = np.random.default_rng(0).random((6, 8), dtype=np.float32)
RGB = np.random.default_rng(1).random((6, 8, 3), dtype=np.float32)


def test_a_good_filter_result_is_returned_as_float32():
    out = run_filter(spec_of(lambda img, *, progress=None, k: img * k), IMG, {"k": 2.0})
    assert out.dtype == np.float32 and np.allclose(out, IMG * 2)


def test_an_exception_in_the_plugin_becomes_plugin_crashed_with_the_cause_kept():
    def boom(img, *, progress=None):
        raise ZeroDivisionError("division by zero in my code")

    with pytest.raises(PluginCrashed) as info:
        run_filter(spec_of(boom), IMG, {})
    err = info.value
    assert isinstance(err, PluginError) and isinstance(err, NebulayerError)
    assert isinstance(err.__cause__, ZeroDivisionError)
    assert err.plugin_id == "org.test" and err.filter_id == "test.f"
    assert "plugin 'org.test' filter 'test.f' failed: ZeroDivisionError: division by zero in my code" in str(err)


def test_sys_exit_in_a_plugin_does_not_close_the_editor():
    with pytest.raises(PluginCrashed, match="SystemExit"):
        run_filter(spec_of(lambda img, *, progress=None: sys.exit(1)), IMG, {})


def test_memory_error_in_a_plugin_is_reported():
    def greedy(img, *, progress=None):
        raise MemoryError()

    with pytest.raises(PluginCrashed, match="MemoryError"):
        run_filter(spec_of(greedy), IMG, {})


@pytest.mark.parametrize("result, problem", [
    (np.zeros((6, 7), np.float32), "shape (6, 7); expected (6, 8) or (6, 8, 3)"),
    (np.zeros((8, 6), np.float32), "shape (8, 6)"),
    (np.zeros((6, 8, 4), np.float32), "shape (6, 8, 4)"),
    (np.zeros(48, np.float32), "shape (48,)"),
    (np.zeros((6, 8), np.complex64), "type complex64"),
    (np.array([["a"] * 8] * 6), "type <U1"),
    (np.zeros((6, 8), object), "type object"),
    ([[0.0] * 8] * 6, "a list instead of an image array"),
    (None, "a NoneType instead of an image array"),
])
def test_a_wrong_result_is_refused_with_what_was_wrong(result, problem):
    with pytest.raises(PluginBadResult) as info:
        run_filter(spec_of(lambda img, *, progress=None: result), IMG, {})
    assert problem in str(info.value)


def test_a_mask_must_be_single_channel_of_the_image_size():
    with pytest.raises(PluginBadResult, match=r"expected \(6, 8\)$"):
        run_filter(spec_of(lambda img, *, progress=None: img, category="mask"), RGB, {})
    out = run_filter(spec_of(lambda img, *, progress=None: img[..., 0] > 0.5, category="mask"), RGB, {})
    assert out.dtype == np.float32 and set(np.unique(out)) <= {0.0, 1.0}


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.uint16, np.int32, np.bool_])
def test_numeric_results_are_converted_to_float32(dtype):
    out = run_filter(spec_of(lambda img, *, progress=None: (img * 3).astype(dtype)), IMG, {})
    assert out.dtype == np.float32
    assert np.allclose(out, (IMG * 3).astype(dtype).astype(np.float32))


def test_nan_and_values_outside_zero_one_are_kept():
    def wild(img, *, progress=None):
        out = img * 10 - 5
        out[0, 0] = np.nan
        return out

    out = run_filter(spec_of(wild), IMG, {})
    assert np.isnan(out[0, 0]) and out[1:].max() > 1 and out[1:].min() < 0


def test_mono_in_colour_out_and_a_trailing_single_channel_are_accepted():
    out = run_filter(spec_of(lambda img, *, progress=None: np.stack([img] * 3, -1)), IMG, {})
    assert out.shape == (6, 8, 3)
    out = run_filter(spec_of(lambda img, *, progress=None: img[..., None]), IMG, {})
    assert out.shape == (6, 8)


def test_a_plugin_cannot_modify_its_input_in_place():
    src = IMG.copy()

    def vandal(img, *, progress=None):
        img *= 0
        return img

    with pytest.raises(PluginCrashed, match="read-only"):
        run_filter(spec_of(vandal), src, {})
    assert np.array_equal(src, IMG) and src.flags.writeable


def test_returning_the_input_gives_the_caller_its_own_copy():
    src = IMG.copy()
    out = run_filter(spec_of(lambda img, *, progress=None: img), src, {})
    assert np.array_equal(out, src) and not np.shares_memory(out, src) and out.flags.writeable


def test_a_slow_plugin_that_reports_progress_is_stopped_at_the_deadline():
    calls = []

    def slow(img, *, progress=None):
        for i in range(200):
            time.sleep(0.01)
            calls.append(i)
            progress(i / 200)
        return img

    t0 = time.monotonic()
    with pytest.raises(PluginTimeout, match=r"more than the 0.1 s allowed") as info:
        run_filter(spec_of(slow), IMG, {}, timeout=0.1)
    assert time.monotonic() - t0 < 1.0  # stopped long before its 2 s natural end
    assert len(calls) < 50 and info.value.filter_id == "test.f"


def test_a_slow_plugin_that_never_reports_progress_is_refused_after_it_returns():
    def silent(img, *, progress=None):
        time.sleep(0.15)
        return img

    with pytest.raises(PluginTimeout):
        run_filter(spec_of(silent), IMG, {}, timeout=0.05)


def test_a_plugin_that_swallows_the_timeout_is_still_refused():
    def stubborn(img, *, progress=None):
        for i in range(20):
            time.sleep(0.01)
            try:
                progress(i / 20)
            except Exception:  # a careless plugin
                pass
        return img

    with pytest.raises(PluginTimeout):
        run_filter(spec_of(stubborn), IMG, {}, timeout=0.05)


def test_the_callers_cancel_passes_through_unchanged_even_if_the_plugin_swallows_it():
    token = CancelToken()
    token.cancel()

    def polite(img, *, progress=None):
        progress(0.5)
        return img

    def swallower(img, *, progress=None):
        try:
            progress(0.5)
        except Exception:
            pass
        return img

    for func in (polite, swallower):
        with pytest.raises(Cancelled):
            run_filter(spec_of(func), IMG, {}, progress=token.progress())


def test_progress_reaches_the_caller():
    seen = []

    def stepper(img, *, progress=None):
        for f in (0.0, 0.5, 1.0):
            progress(f)
        return img

    run_filter(spec_of(stepper), IMG, {}, progress=seen.append, timeout=10)
    assert seen == [0.0, 0.5, 1.0]


def test_builtin_filters_are_named_as_such_in_errors():
    with pytest.raises(PluginBadResult, match=r"^filter 'test.f' returned"):
        run_filter(spec_of(lambda img, *, progress=None: 3, source="builtin"), IMG, {})
