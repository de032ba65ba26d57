"""Cache keys: one strict encoder for everything a render result depends on.

A key is the BLAKE2b hash of a canonical, type-tagged encoding of its parts (darktable's
scheme: a step's key hashes every input and parameter of every step up to it). Strict: an
unknown type raises TypeError instead of being hashed by ``repr`` (a repr can hide an input,
e.g. numpy abbreviates big arrays with "...", or change between runs, e.g. an object's
address), so a forgotten input fails loudly instead of serving a stale result.

Encoded exactly:

- None, bool, int, str; float by its bits (``float.hex``: 0.1 and 0.1000000000000001 differ,
  NaN and +-inf are allowed); numpy scalars as their Python value;
- list and tuple alike (JSON-ish records use both), dict with str keys in sorted order;
- numpy arrays by content: dtype, shape and a hash of the bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

DIGEST_SIZE = 20


def make_key(*parts: Any) -> str:
    """The hex digest identifying ``parts``; TypeError for a part of an unsupported type."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    _encode(parts, h.update)
    return h.hexdigest()


def _encode(obj: Any, put: Any) -> None:
    # bool before int (bool is an int); each value is tagged so "1", 1 and 1.0 never collide.
    if obj is None:
        put(b"N")
    elif obj is True or obj is False:
        put(b"T" if obj else b"F")
    elif isinstance(obj, int):
        put(b"i%d;" % obj)
    elif isinstance(obj, float):
        put(b"f" + float(obj).hex().encode() + b";")
    elif isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        put(b"s%d:" % len(data))
        put(data)
    elif isinstance(obj, (list, tuple)):
        put(b"[")
        for item in obj:
            _encode(item, put)
        put(b"]")
    elif isinstance(obj, dict):
        put(b"{")
        for key in sorted(obj, key=_dict_key):
            _encode(key, put)
            _encode(obj[key], put)
        put(b"}")
    elif isinstance(obj, np.ndarray):
        _encode_array(obj, put)
    elif isinstance(obj, np.generic):
        _encode(obj.item(), put)
    else:
        raise TypeError(f"cannot make a cache key of a {type(obj).__module__}."
                        f"{type(obj).__qualname__}; convert it to plain data first")


def _dict_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"cache key records need str dict keys, got {type(key).__qualname__}")
    return key


def _encode_array(arr: np.ndarray, put: Any) -> None:
    if arr.dtype.hasobject:
        raise TypeError("cannot make a cache key of an object array")
    digest = hashlib.blake2b(np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data,
                             digest_size=DIGEST_SIZE).digest() if arr.size else b""
    put(b"a" + arr.dtype.str.encode() + repr(arr.shape).encode() + b":")
    put(digest)
