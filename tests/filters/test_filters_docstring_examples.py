"""The runnable examples in the filters' docstrings give what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import filters

MODULES = sorted(m.name for m in pkgutil.iter_modules(filters.__path__, "filters."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_every_public_function_is_documented_and_exported():
    for name in filters.__all__:
        obj = getattr(filters, name)
        assert obj.__doc__, name
