"""Review notes: pins and rectangles on the canvas with a short text, undoable, saved in projects.

A note is placed in full-resolution canvas pixels (x right, y down, row 0 = top, like the
canvas) and may carry the sky position of its centre (RA/Dec in degrees, ICRS) when the picture
has a WCS: the caller computes that (:mod:`editor.review.locate`), since the model knows no WCS
library. ``crop`` is an optional (x, y, w, h) region shown at 100 % in review pages; a
rectangle without one is cropped to itself.

Notes are plain data (``to_dict``/``note_from_dict``); every change goes through the document's
history as one command, so Ctrl+Z takes back an added, edited or deleted note like any edit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from editor.core.history import CallbackCommand
from editor.core.layers import new_id
from editor.errors import DocumentError
from editor.locale import _

if TYPE_CHECKING:
    from editor.core.document import Document

KINDS = ("pin", "rect")
MAX_TEXT = 2000  # characters: "a short text", with room for a paragraph
MAX_NOTES = 1000
MAX_COORD = float(1 << 21)  # beyond any canvas (2^20 px a side), kept finite for JSON


@dataclass(frozen=True)
class Note:
    """One review note. ``w``/``h`` are 0 for a pin; ``sky`` is (ra_deg, dec_deg) or None."""

    id: str
    kind: str
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    text: str = ""
    crop: tuple[int, int, int, int] | None = None
    sky: tuple[float, float] | None = None

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["crop"] = None if self.crop is None else list(self.crop)
        d["sky"] = None if self.sky is None else {"ra": self.sky[0], "dec": self.sky[1]}
        return d


def _number(value: Any, what: str, lo: float = -MAX_COORD, hi: float = MAX_COORD) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DocumentError(f"note {what} must be a number, not {value!r}"[:200])
    v = float(value)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise DocumentError(_("note {what} {v!r} is out of range").format(what=what, v=v))
    return v


def _crop(value: Any) -> tuple[int, int, int, int] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise DocumentError(_("a note's crop must be [x, y, width, height]"))
    x, y, w, h = (int(round(_number(v, "crop"))) for v in value)
    if w < 1 or h < 1:
        raise DocumentError(_("a note's crop must have a positive size, not {w}x{h}").format(w=w, h=h))
    return (x, y, w, h)


def _sky(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = (value.get("ra"), value.get("dec"))
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise DocumentError(_("a note's sky position must be {'ra': deg, 'dec': deg}"))
    return (_number(value[0], "RA", 0.0, 360.0), _number(value[1], "Dec", -90.0, 90.0))


def make_note(kind: str, x: Any, y: Any, w: Any = 0.0, h: Any = 0.0, text: Any = "",
              crop: Any = None, sky: Any = None, note_id: str | None = None) -> Note:
    """A validated note (DocumentError saying what is wrong otherwise)."""
    if kind not in KINDS:
        raise DocumentError(f"note kind must be one of {', '.join(KINDS)}, not {kind!r}"[:200])
    if not isinstance(text, str):
        raise DocumentError(_("a note's text must be a string"))
    if len(text) > MAX_TEXT:
        raise DocumentError(_("a note's text is limited to {MAX_TEXT} characters ({n} given)").format(MAX_TEXT=MAX_TEXT, n=len(text)))
    w_, h_ = _number(w, "width", 0.0), _number(h, "height", 0.0)
    if kind == "pin":
        w_ = h_ = 0.0
    elif w_ <= 0 or h_ <= 0:
        raise DocumentError(_("a rectangle note needs a positive size, not {w:g}x{h:g}").format(w=w_, h=h_))
    nid = note_id if note_id is not None else new_id("N")
    if not isinstance(nid, str) or not 0 < len(nid) <= 64:
        raise DocumentError(_("a note's id must be a short string"))
    return Note(nid, kind, _number(x, "x"), _number(y, "y"), w_, h_, text, _crop(crop), _sky(sky))


def note_from_dict(d: Any) -> Note:
    """A note from its saved record; DocumentError on a bad record."""
    if not isinstance(d, dict):
        raise DocumentError(_("a note record must be an object"))
    return make_note(d.get("kind"), d.get("x"), d.get("y"), d.get("w", 0.0), d.get("h", 0.0),
                     d.get("text", ""), d.get("crop"), d.get("sky"), d.get("id"))


def notes_from_list(records: Any) -> list[Note]:
    """Notes from document.json's ``"notes"`` list (absent in older files: no notes)."""
    if records is None:
        return []
    if not isinstance(records, list):
        raise DocumentError(_("notes must be a list"))
    if len(records) > MAX_NOTES:
        raise DocumentError(_("{n} notes (at most {MAX_NOTES} allowed)").format(n=len(records), MAX_NOTES=MAX_NOTES))
    notes = [note_from_dict(r) for r in records]
    if len({n.id for n in notes}) != len(notes):
        raise DocumentError(_("two notes share one id"))
    return notes


class NotesMixin:
    """The notes half of :class:`editor.core.document.Document` (events: kind ``"notes"``)."""

    @property
    def notes(self: "Document") -> list[Note]:
        return list(getattr(self, "_notes", []))

    def note(self: "Document", note_id: str) -> Note:
        for n in self.notes:
            if n.id == note_id:
                return n
        raise DocumentError(_("no note with id {note_id!r}").format(note_id=note_id))

    def set_notes_loaded(self: "Document", notes: list[Note]) -> None:
        """Notes read from a project (not an undo step)."""
        self._notes = list(notes)

    def _set_notes(self: "Document", text: str, before: list[Note], after: list[Note]) -> None:
        def assign(value: list[Note]) -> Any:
            return lambda d: setattr(d, "_notes", list(value))

        self._push(CallbackCommand(text, assign(after), assign(before), events=[("notes", None)]))

    def add_note(self: "Document", kind: str, x: float, y: float, w: float = 0.0, h: float = 0.0,
                 text: str = "", crop: Any = None, sky: Any = None) -> str:
        """Add a pin (``kind="pin"``) or rectangle (``"rect"``); returns its id (undoable)."""
        before = self.notes
        if len(before) >= MAX_NOTES:
            raise DocumentError(_("a document holds at most {MAX_NOTES} notes").format(MAX_NOTES=MAX_NOTES))
        note = make_note(kind, x, y, w, h, text, crop, sky)
        self._set_notes(_("Add note"), before, before + [note])
        return note.id

    def edit_note(self: "Document", note_id: str, **changes: Any) -> None:
        """Change a note's text, position, size, crop or sky position (undoable)."""
        old = self.note(note_id)
        allowed = {"kind", "x", "y", "w", "h", "text", "crop", "sky"}
        unknown = set(changes) - allowed
        if unknown:
            raise DocumentError(_("a note has no {text}").format(text=', '.join(sorted(unknown))))
        merged = {**old.to_dict(), **changes}
        new = make_note(merged["kind"], merged["x"], merged["y"], merged["w"], merged["h"],
                        merged["text"], merged["crop"], merged["sky"], note_id=old.id)
        if new == old:
            return
        before = self.notes
        self._set_notes(_("Edit note"), before, [new if n.id == note_id else n for n in before])

    def delete_note(self: "Document", note_id: str) -> None:
        self.note(note_id)
        before = self.notes
        self._set_notes(_("Delete note"), before, [n for n in before if n.id != note_id])

