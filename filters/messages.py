"""User-facing messages of the filters (a refused parameter value), in the user's language.

The filters may not import the editor, so they mark a message with :func:`M_` (a template and
its fields, extracted into the editor's catalogs like ``_()``) and the editor installs its
translation function with :func:`set_translator` when it loads the filters. Without one (a
script using the filters alone) messages are English. The text is made when the error is
raised, so it is in the language of that moment, as every other error message.
"""

from __future__ import annotations

from typing import Any, Callable

_translate: Callable[[str], str] | None = None


def set_translator(translate: Callable[[str], str] | None) -> None:
    """Make :func:`M_` translate its templates with ``translate`` (None: English)."""
    global _translate
    _translate = translate


class Message(str):
    """The text of a message, remembering its English template and fields (``msgid``,
    ``fields``): a layer above can translate it again, e.g. after it crossed a process."""

    msgid: str
    fields: dict[str, Any]


def M_(msgid: str, **fields: Any) -> Message:
    """``msgid.format(**fields)`` in the current language (a marked, translatable template)."""
    template = _translate(msgid) if _translate is not None else msgid
    try:
        text = template.format(**fields)
    except (KeyError, IndexError, ValueError):  # a broken translation: never lose the error
        text = msgid.format(**fields)
    message = Message(text)
    message.msgid, message.fields = msgid, fields
    return message
