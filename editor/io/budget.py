"""Refuse to decode images that would not fit in the memory budget, before allocating anything.

The budget is the number of bytes the decoded float32 pixels (plus the decoder's own buffer)
may take. Default 8 GiB; override with the ``NEBULAYER_MEMORY_BUDGET`` environment variable
(bytes, or with a K/M/G/T suffix, e.g. ``"2G"``) or per call with ``memory_budget=``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from editor.errors import ImageTooLargeError
from editor.locale import N_, _, format_number

DEFAULT_MEMORY_BUDGET = 8 * 1024**3
ENV_VAR = "NEBULAYER_MEMORY_BUDGET"
_SUFFIXES = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """``"8G"`` -> 8589934592; plain integers are bytes. Raises ValueError on nonsense."""
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    factor = 1
    if text and text[-1] in _SUFFIXES:
        factor = _SUFFIXES[text[-1]]
        text = text[:-1]
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(_("memory budget must be a positive size, got {text!r}").format(text=text))
    return int(value * factor)


def memory_budget(override: int | None = None) -> int:
    """The budget in bytes: the argument, else the environment variable, else 8 GiB."""
    if override is not None:
        return int(override)
    env = os.environ.get(ENV_VAR)
    if env:
        try:
            return parse_size(env)
        except ValueError:
            # A typo in the environment must not make every file unreadable.
            return DEFAULT_MEMORY_BUDGET
    return DEFAULT_MEMORY_BUDGET


#: Units of :func:`format_bytes`, translated where shown (French writes octets: "Gio").
BYTE_UNITS = (N_("B"), N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"), N_("PiB"))


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units, as the current language writes them: "21.8 GiB", "21,8 Gio"."""
    for unit in BYTE_UNITS:
        if abs(n) < 1024 or unit == "PiB":
            break
        n /= 1024
    return f"{format_number(n, 0 if unit == 'B' else 1, grouping=False)} {_(unit)}"


def check_budget(path: str | Path, shape: tuple[int, ...], bytes_per_value: float = 4.0,
                 budget: int | None = None) -> None:
    """Raise :class:`ImageTooLargeError` if ``shape`` at ``bytes_per_value`` exceeds the budget.

    Called with the shape declared by the file's header, so a file that lies about its size
    (or a legitimately huge one) is refused before any buffer is allocated.
    """
    limit = memory_budget(budget)
    values = 1
    for n in shape:
        values *= max(int(n), 0)
    needed = values * bytes_per_value
    if needed > limit:
        dims = "x".join(str(int(n)) for n in shape)
        raise ImageTooLargeError(
            path, _("decoding {dims} pixels needs {format_bytes}, more than the "
            "memory budget of {format_bytes2} (set {ENV_VAR} to raise it)").format(dims=dims, format_bytes=format_bytes(needed), format_bytes2=format_bytes(limit), ENV_VAR=ENV_VAR))


def require_in_memory(nbytes: int, what: str) -> None:
    """:class:`~editor.errors.DocumentError` in one line when ``what`` needs ``nbytes`` in
    memory at once, more than the memory budget: a whole-canvas raster (a mask to paint, a
    merged layer, a PNG export) of a document shown by tiles is refused, never a MemoryError
    or a swap storm."""
    from editor.errors import DocumentError

    limit = memory_budget()
    if nbytes > limit:
        raise DocumentError(_("{what} needs {need} in memory at once, more than the memory "
                              "budget of {budget}: the document is too big for it (set "
                              "{ENV_VAR} higher to allow it)").format(
            what=what, need=format_bytes(nbytes), budget=format_bytes(limit), ENV_VAR=ENV_VAR))

