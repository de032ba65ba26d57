"""argparse in the user's language: its own texts (usage, section titles, error lines, plurals)
from our catalog, and help wrapped by display width so Japanese lines break between characters.

Python ships argparse's texts in gettext's ``argparse`` domain without any catalog, and argparse
looks ``_`` and ``ngettext`` up as module globals at each use (3.11 to 3.14): :func:`install`
points them at :mod:`editor.locale`. The texts are listed here so the catalogs carry them (with
their ``%`` fields); ``tests/i18n`` checks that every user-facing text of the running Python's
argparse has a French and Japanese translation, so a new Python's new text fails there first.
"""

from __future__ import annotations

import argparse
import unicodedata

from editor.locale import N_, _, ngettext

#: argparse's user-facing texts (3.11 to 3.14; printf-style fields kept). Texts that only a
#: programmer sees (conflicting option strings, a missing dest=) stay English.
ARGPARSE_TEXTS = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("show program's version number and exit"), N_("%(heading)s:"),
    N_("argument %(argument_name)s: %(message)s"), N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"), N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"), N_("expected one argument"),
    N_("expected at most one argument"), N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"), N_("%(prog)s: warning: %(message)s\n"),
    N_("can't open '%(filename)s': %(error)s"), N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"), N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("argument \"-\" with mode %r"), N_("option '%(option)s' is deprecated"),
    N_("argument '%(argument_name)s' is deprecated"), N_("command '%(parser_name)s' is deprecated"),
)


def argparse_plurals(n: int) -> tuple[str, ...]:
    """argparse's texts with a plural (marked here for the catalogs, looked up by argparse)."""
    return (ngettext("expected %s argument", "expected %s arguments", n),)


def install() -> None:
    """Make argparse speak the current language (call before building parsers)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


#: Japanese line-breaking rules (kinsoku): never at the start of a line, never at the end.
_NO_START = set("、。，．・：；？！ー）」』】〕〉》”’ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々,.:;!?)]}%")
_NO_END = set("（「『【〔〈《“‘([{")


def _chunks(text: str) -> list[str]:
    """Unbreakable pieces: a run of narrow non-space characters (a word, a path, ``--flag``),
    one wide character, or a run of spaces; closing punctuation stays with what it follows and
    opening punctuation with what follows it."""
    pieces: list[str] = []
    for ch in text:
        kind = "space" if ch == " " else "wide" if _is_wide(ch) else "narrow"
        last = pieces[-1] if pieces else ""
        last_kind = "" if not last else "space" if last[-1] == " " else "wide" if _is_wide(last[-1]) else "narrow"
        if last and (kind == last_kind != "wide" or (kind != "space" and last_kind != "space"
                                                     and (ch in _NO_START or last[-1] in _NO_END))):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def wrap_by_width(text: str, width: int) -> list[str]:
    """``text`` (whitespace already folded) cut into lines of at most ``width`` columns, between
    words and between wide characters; a piece wider than a line is cut where it must."""
    width = max(width, 2)
    lines: list[str] = []
    line, used = "", 0
    for piece in _chunks(text):
        w = display_width(piece)
        if piece.startswith(" "):
            if line:
                line, used = line + piece, used + w
            continue
        if used + w > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        while w > width:  # a long path or a kinsoku run longer than a line
            cut, cut_w = "", 0
            for ch in piece:
                if cut_w + display_width(ch) > width - used:
                    break
                cut, cut_w = cut + ch, cut_w + display_width(ch)
            if not cut:
                lines.append(line.rstrip())
                line, used = "", 0
                continue
            lines.append((line + cut).rstrip())
            line, used = "", 0
            piece = piece[len(cut):]
            w = display_width(piece)
        line, used = line + piece, used + w
    if line.strip():
        lines.append(line.rstrip())
    return lines


#: Python 3.13+ translate the section title's colon themselves ("%(heading)s:").
_ARGPARSE_TRANSLATES_HEADINGS = "%(heading)s:" in argparse.HelpFormatter._Section.format_help.__code__.co_consts


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, wrapping by display width: text with wide (CJK) characters breaks
    between characters and no line passes the width; other text wraps as argparse does. The
    section titles take the language's colon ("options :" in French)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        if not any(_is_wide(ch) for ch in text):
            return super()._split_lines(text, width)
        return wrap_by_width(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = self._whitespace_matcher.sub(" ", text).strip()
        if not any(_is_wide(ch) for ch in text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap_by_width(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):  # type: ignore[no-untyped-def]
        # argparse measures the prefix with len(): "使い方: " is 3 columns wider than it counts
        prefix = _("usage: ") if prefix is None else prefix
        extra = display_width(prefix) - len(prefix)
        self._width -= extra
        try:
            return super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra

    def start_section(self, heading: str | None) -> None:
        if heading and not _ARGPARSE_TRANSLATES_HEADINGS:
            titled = _("%(heading)s:") % {"heading": heading}
            heading = titled[:-1] if titled.endswith(":") else heading
        super().start_section(heading)


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser with :class:`HelpFormatter` (its sub-command parsers too)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
