"""What a channel-merge layer's parameters may be: the keywords its filters function takes.

Kept in the model (not the renderer) because editing validates parameters before any render.
"""

from __future__ import annotations

import inspect

import filters


def combine_param_names(mode: str) -> set[str] | None:
    """Parameter names the merge of ``mode`` takes (None if it takes anything)."""
    func = filters.lrgb_combine if mode == "lrgb" else filters.rgb_combine
    sig = inspect.signature(func)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items()
            if p.kind is p.KEYWORD_ONLY and n not in ("align", "progress")}
