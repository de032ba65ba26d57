"""Cache keys come from one strict encoder: exact, content-based, and loud on unknown types."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from editor.render.keys import make_key


def test_floats_are_keyed_by_their_exact_bits():
    assert make_key(0.1) != make_key(math.nextafter(0.1, 1.0))  # the next float up
    assert make_key(0.1) == make_key(float("0.1"))
    assert make_key(math.nan) == make_key(float("nan"))
    assert make_key(math.inf) != make_key(-math.inf)


def test_ints_floats_bools_and_strings_never_collide():
    keys = {make_key(v) for v in (1, 1.0, True, "1", None, "None", [1])}
    assert len(keys) == 7


def test_lists_and_tuples_key_alike_and_dicts_ignore_insertion_order():
    assert make_key([1, (2, 3)]) == make_key((1, [2, 3]))
    assert make_key({"a": 1, "b": 2}) == make_key({"b": 2, "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})


def test_numpy_scalars_key_as_their_python_value():
    assert make_key(np.float32(0.5)) == make_key(0.5)
    assert make_key(np.int64(3)) == make_key(3)


def test_numpy_arrays_are_keyed_by_content_not_by_a_truncated_repr():
    a = np.zeros(10_000, np.float32)
    b = a.copy()
    b[5_000] = 1.0  # repr of both is "array([0., 0., 0., ..., 0., 0., 0.]...)"
    assert repr(a) == repr(b)
    assert make_key(a) != make_key(b)
    assert make_key(a) == make_key(a.copy())
    assert make_key(a.reshape(100, 100)) != make_key(a)  # shape counts
    assert make_key(a) != make_key(a.astype(np.float64))  # dtype counts
    assert make_key(np.asfortranarray(np.eye(3))) == make_key(np.eye(3))


@pytest.mark.parametrize("thing", [object(), Path("x"), {1: "int key"}, {1.5, 2.5},
                                   np.array([object()])])
def test_unknown_types_raise_instead_of_hashing_their_repr(thing):
    with pytest.raises(TypeError):
        make_key("step", thing)


def test_the_render_cache_uses_the_same_encoder():
    from editor.render import cache

    assert cache.make_key is make_key
