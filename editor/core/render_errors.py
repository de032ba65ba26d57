"""What a render found wrong with layers, handed to the model in one step.

The render runs on a worker thread; it must not change layers behind the views' backs. It
records here instead, and the UI thread applies the record with
:meth:`editor.core.document.Document.apply_render_errors`, which emits one ``"errors"`` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RenderErrors:
    """``messages``: layer id -> the failure shown on the layer, or None where the layer
    rendered fine (clears an old failure). ``unavailable``: layers whose operation is not
    installed."""

    messages: dict[str, str | None] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)

    def merge(self, other: "RenderErrors") -> None:
        self.messages.update(other.messages)
        self.unavailable |= other.unavailable
