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
    out: list[str] = []
    _encode(parts, out.append)
    return hashlib.blake2b("".join(out).encode("utf-8", "surrogatepass"),
                           digest_size=DIGEST_SIZE).hexdigest()


def _encode(obj: Any, put: Any) -> None:
    # Each value is tagged so "1", 1, 1.0 and True never collide; a str carries its length
    # so no content can fake a delimiter. Exact types first (the common case, fastest).
    t = type(obj)
    if t is str:
        put(f"s{len(obj)}:")
        put(obj)
    elif t is float:
        put(f"f{obj.hex()};")
    elif t is bool:
        put("T" if obj else "F")
    elif t is int:
        put(f"i{obj};")
    elif obj is None:
        put("N")
    elif t is dict:
        put("{")
        for key in sorted(obj, key=_dict_key):
            put(f"s{len(key)}:")
            put(key)
            _encode(obj[key], put)
        put("}")
    elif t is list or t is tuple:
        put("[")
        for item in obj:
            _encode(item, put)
        put("]")
    elif isinstance(obj, np.ndarray):
        _encode_array(obj, put)
    elif isinstance(obj, np.generic):
        _encode(obj.item(), put)
    elif isinstance(obj, (str, float, int, dict, list, tuple)):  # subclasses (IntEnum, ...)
        base = next(b for b in (bool, str, float, int, dict, list, tuple) if isinstance(obj, b))
        _encode(base(obj), put)
    else:
        raise TypeError(f"cannot make a cache key of a {type(obj).__module__}."
                        f"{type(obj).__qualname__}; convert it to plain data first")


def _dict_key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError(f"cache key records need str dict keys, got {type(key).__qualname__}")
    return key


def _encode_array(arr: np.ndarray, put: Any) -> None:
    if arr.dtype.hasobject:
        raise TypeError("cannot make a cache key of an object array")
    digest = hashlib.blake2b(np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data,
                             digest_size=DIGEST_SIZE).hexdigest() if arr.size else ""
    put(f"a{arr.dtype.str}{arr.shape}:{digest};")
