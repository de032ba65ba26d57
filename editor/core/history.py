"""Undo/redo: a linear stack of command objects.

A command knows how to apply and revert itself on a document. Consecutive commands with the
same non-None ``merge_key`` merge into one step (a slider drag) until :meth:`History.end_merge`
(slider released) or any other command. History is unlimited, but bounded by memory: when the
commands' estimated bytes exceed ``max_bytes`` the oldest steps are forgotten.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from editor.core.document import Document

_token = itertools.count(1)


class Command:
    """One undoable change. Subclasses implement ``apply`` / ``revert`` (idempotent pairs)."""

    text = "Edit"
    merge_key: Any = None

    def __init__(self) -> None:
        self.token = next(_token)  # changes on merge: tells "dirty" apart from "saved"

    def apply(self, doc: "Document") -> None:
        raise NotImplementedError

    def revert(self, doc: "Document") -> None:
        raise NotImplementedError

    def merge(self, newer: "Command") -> bool:
        """Absorb ``newer`` (already applied) into self; True if it did."""
        return False

    def nbytes(self) -> int:
        return 256

    refs: set[str] = set()

    def events(self) -> list[tuple[str, str | None]]:
        return [("layers", None)]


class CallbackCommand(Command):
    """A command made of two closures; ``merge`` keeps the first ``undo`` and the last ``do``."""

    def __init__(self, text: str, do: Callable[["Document"], None], undo: Callable[["Document"], None],
                 *, merge_key: Any = None, events: list[tuple[str, str | None]] | None = None,
                 nbytes: int = 256, refs: set[str] | None = None) -> None:
        super().__init__()
        self.text = text
        self._do = do
        self._undo = undo
        self.merge_key = merge_key
        self._events = events or [("layers", None)]
        self._nbytes = nbytes
        self.refs = set(refs or ())  # source ids this step may bring back

    def apply(self, doc: "Document") -> None:
        self._do(doc)

    def revert(self, doc: "Document") -> None:
        self._undo(doc)

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, CallbackCommand) or newer.merge_key != self.merge_key:
            return False
        self._do = newer._do
        self.refs |= newer.refs
        self._events = list(dict.fromkeys(self._events + newer._events))
        self.token = next(_token)
        return True

    def nbytes(self) -> int:
        return self._nbytes

    def events(self) -> list[tuple[str, str | None]]:
        return list(self._events)


class History:
    """The document's undo stack. Read ``can_undo``, ``undo_text``... from the UI."""

    def __init__(self, max_bytes: int = 4 * 1024**3) -> None:
        self.max_bytes = max_bytes
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._merge_open = False

    # -- queries -------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def next_undo(self) -> "Command | None":
        """The command an undo would revert (the UI runs pixel-heavy ones off its thread)."""
        return self._done[-1] if self._done else None

    @property
    def next_redo(self) -> "Command | None":
        return self._undone[-1] if self._undone else None

    @property
    def state_token(self) -> int:
        """Identifies the current state; equal tokens mean the same edits."""
        return self._done[-1].token if self._done else 0

    def __len__(self) -> int:
        return len(self._done)

    def referenced_sources(self) -> set[str]:
        """Source ids any undo or redo step may bring back."""
        out: set[str] = set()
        for cmd in (*self._done, *self._undone):
            out |= cmd.refs
        return out

    def texts(self) -> list[str]:
        """Undo step names, oldest first (a History panel)."""
        return [c.text for c in self._done]

    # -- changes -------------------------------------------------------------------------
    def push(self, cmd: Command) -> Command:
        """Record an already-applied command; returns the step that now holds it."""
        self._undone.clear()
        top = self._done[-1] if self._done else None
        if (self._merge_open and top is not None and cmd.merge_key is not None
                and top.merge_key == cmd.merge_key and top.merge(cmd)):
            return top
        self._done.append(cmd)
        self._merge_open = cmd.merge_key is not None
        self._trim()
        return cmd

    def join_last(self, text: str) -> None:
        """Make the last two steps one (a recipe built from two edits undoes at once)."""
        if len(self._done) < 2:
            return
        newer = self._done.pop()
        top = self._done[-1]
        if not (isinstance(top, CallbackCommand) and isinstance(newer, CallbackCommand)
                and top.merge(newer)):
            self._done.append(newer)
            return
        top.text = text
        self._merge_open = False

    def end_merge(self) -> None:
        """Close the current merge (the slider was released)."""
        self._merge_open = False

    def pop_undo(self) -> Command | None:
        self._merge_open = False
        if not self._done:
            return None
        cmd = self._done.pop()
        self._undone.append(cmd)
        return cmd

    def pop_redo(self) -> Command | None:
        self._merge_open = False
        if not self._undone:
            return None
        cmd = self._undone.pop()
        self._done.append(cmd)
        return cmd

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._merge_open = False

    def _trim(self) -> None:
        total = sum(c.nbytes() for c in self._done)
        while len(self._done) > 1 and total > self.max_bytes:
            total -= self._done.pop(0).nbytes()
