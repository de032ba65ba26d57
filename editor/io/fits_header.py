r"""FITS headers <-> plain dicts, and a standard header for images we write.

``ImageMeta.header`` holds a header as an ordered ``{keyword: value}`` dict with ``HISTORY``
and ``COMMENT`` as lists of strings; card comments are kept beside it in
``ImageMeta.extra["fits_comments"]``. Keywords that describe the data array itself (BITPIX,
NAXISn, BZERO, BSCALE, BLANK, DATAMIN/DATAMAX, checksums, compression keywords) are never
copied into a new file: the writer sets them for the array it writes.

FITS headers hold printable ASCII only, so every text we write (values, comments, HISTORY)
goes through :func:`ascii_card_value`: accented Latin letters lose their accents ("Nébuleuse
d'Orion" -> "Nebuleuse d'Orion", "Arrière-plan" -> "Arriere-plan", by Unicode NFKD
decomposition), ligatures and the like become their ASCII letters ("Œ" -> "OE"), and anything
still outside ASCII is written as a Python-style escape (``馬頭星雲`` -> ``\u99ac\u982d\u661f\u96f2``,
``\xNN``/``\uNNNN``/``\UNNNNNNNN``, Python's ``unicode_escape`` form, so a reader can turn
it back with ``text.encode().decode("unicode_escape")``). The exact
names stay in the project file (JSON, UTF-8); only the FITS/Astro-TIFF header is transliterated.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
import warnings
from typing import Any, Iterable, Mapping

from astropy.io import fits
from astropy.io.fits.verify import VerifyError, VerifyWarning
from editor.locale import D_

COMMENTARY = ("HISTORY", "COMMENT")

_STRUCTURAL_PREFIXES = ("NAXIS", "TFORM", "TTYPE", "TUNIT", "TBCOL", "ZNAXIS", "ZTILE", "ZNAME",
                        "ZVAL")
_STRUCTURAL = {
    "SIMPLE", "XTENSION", "BITPIX", "NAXIS", "EXTEND", "PCOUNT", "GCOUNT", "BZERO", "BSCALE",
    "BLANK", "DATAMIN", "DATAMAX", "CHECKSUM", "DATASUM", "END", "TFIELDS", "THEAP", "GROUPS",
    "ZIMAGE", "ZBITPIX", "ZCMPTYPE", "ZQUANTIZ", "ZDITHER0", "ZSIMPLE", "ZEXTEND", "ZTENSION",
    "ZPCOUNT", "ZGCOUNT", "ZHECKSUM", "ZDATASUM", "ZBLANK", "ZSCALE", "ZZERO", "EXTNAME",
    "EXTVER", "INHERIT",
}


def is_structural(key: str) -> bool:
    """True for keywords that describe the stored array rather than the picture."""
    key = key.upper()
    return key in _STRUCTURAL or (key.startswith(_STRUCTURAL_PREFIXES) and key[-1:].isdigit())


# The common card forms: KEY = 'string' / comment, KEY = T, KEY = 123, KEY = -1.5E3.
# astropy parses every card through slow configuration look-ups (about 10 us per card, so
# several ms for a 300-card header); cards that do not match this pattern (CONTINUE long
# strings, HIERARCH, complex values, odd spacing) still go through astropy.
_CARD = re.compile(
    r"(?P<key>[A-Z0-9_-]{1,8}) {0,7}= +"
    r"(?:(?P<str>'(?:[^']|'')*')|(?P<bool>[TF])|(?P<int>[+-]?\d+)(?![.\dEeDd])"
    r"|(?P<float>[+-]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?))?"
    r" *(?:/ ?(?P<comment>.*?))? *$")


def _fast_card(image: str) -> tuple[str, Any, str] | None:
    """(keyword, value, comment) of a plain 80-column card, or None to let astropy parse it."""
    if len(image) != 80 or image[8:10] != "= ":
        return None
    match = _CARD.fullmatch(image)
    if match is None:
        return None
    if match["str"] is not None:
        text = match["str"][1:-1].replace("''", "'").rstrip()
        if text.endswith("&"):
            return None  # long-string convention: astropy joins the CONTINUE cards
        value: Any = text
    elif match["bool"] is not None:
        value = match["bool"] == "T"
    elif match["int"] is not None:
        value = int(match["int"])
    elif match["float"] is not None:
        value = float(match["float"].replace("D", "E").replace("d", "e"))
    else:
        return None  # undefined value: rare, astropy knows the details
    return match["key"], value, (match["comment"] or "").strip()


def header_to_dict(header: fits.Header,
                   problems: list[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, comments) of a header, structural keywords included, in card order.

    Cards astropy cannot parse as they are (bad values, broken CONTINUE chains) are fixed with
    astropy's own ``verify("fix")`` when it can, else kept as their raw text; each such card
    adds a line to ``problems`` (when given) for the image's notes.
    """
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for card in header.cards:
        image = _raw_image(card)
        key = image[:8].rstrip()
        if key in COMMENTARY and len(image) == 80:
            values.setdefault(key, []).append(image[8:].rstrip())
            continue
        if not key.strip():  # blank cards carry no information
            continue
        parsed = _fast_card(image)
        if parsed is None:
            parsed = _slow_card(card, image, problems)
            if parsed is None:
                continue
            key, value, comment = parsed
            if key in COMMENTARY:
                values.setdefault(key, []).append(str(value))
                continue
        else:
            key, value, comment = parsed
        values[key] = value
        if comment:
            comments[key] = comment
    return values, comments


def _raw_image(card: fits.Card) -> str:
    # ``card.image`` re-verifies (and raises on) a bad card; the text as read is what we want.
    raw = getattr(card, "_image", None)
    if isinstance(raw, str) and raw:
        return raw
    try:
        return card.image
    except (VerifyError, ValueError):
        return str(getattr(card, "keyword", "") or "").ljust(80)


def _slow_card(card: fits.Card, image: str,
               problems: list[str] | None) -> tuple[str, Any, str] | None:
    """astropy's parse of one card, fixed if needed; the raw text when nothing parses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = card.value
            key, comment = card.keyword, card.comment
        except (VerifyError, ValueError, IndexError):
            key = image[:8].strip().upper() or "?"
            try:
                fixed = fits.Card.fromstring(image[:80])
                fixed.verify("fix")
                value, comment = fixed.value, fixed.comment
                if problems is not None:
                    problems.append(D_("header card {key} was not valid FITS; read as {value!r} after astropy's fix-up", key=key, value=value))
            except (VerifyError, ValueError, IndexError, KeyError):
                text = image[10:80] if image[8:10] == "= " else image[8:80]
                value, comment = text.split(" /")[0].strip().strip("'").strip(), ""
                if problems is not None:
                    problems.append(D_("header card {key} could not be parsed; kept as text {value!r}", key=key, value=value))
    if isinstance(value, fits.card.Undefined):
        value = None
    return key, value, comment


def _clean_value(value: Any) -> Any:
    # FITS cannot store NaN/Inf keyword values, and numpy scalars confuse nothing but are ugly.
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


_LIGATURES = {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o",
              "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Þ": "Th", "þ": "th", "ı": "i",
              "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
              "\u2014": "-", "\u00a0": " ", "\u2026": "..."}


def ascii_card_value(text: str) -> str:
    """``text`` as printable ASCII for a FITS card (see the module notes for the rule)."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    text = "".join(_LIGATURES.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Recompose what had no ASCII form (CJK, Cyrillic...), so it escapes as the user typed it.
    kept = unicodedata.normalize("NFC", kept)
    out = []
    for ch in kept:
        if " " <= ch <= "~":
            out.append(ch)
        elif ch in "\t\n\r":
            out.append(" ")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _ascii_value(value: Any) -> Any:
    return ascii_card_value(value) if isinstance(value, str) else value


def build_header(source: Mapping[str, Any] | fits.Header | None = None,
                 comments: Mapping[str, str] | None = None,
                 history: Iterable[str] = ()) -> fits.Header:
    """A header holding the picture's keywords from ``source`` plus ``history`` lines.

    Structural keywords are dropped (the writer adds the right ones). Keywords that are not
    valid FITS (too long, odd characters) are written as HIERARCH cards when astropy can, and
    skipped otherwise, so a stranger's metadata can never make a save fail.
    """
    header = fits.Header()
    if isinstance(source, fits.Header):
        source, comments = header_to_dict(source)
    source = source or {}
    comments = comments or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VerifyWarning)
        for key, value in source.items():
            key = ascii_card_value(str(key)).upper()
            if is_structural(key):
                continue
            if key in COMMENTARY:
                lines = value if isinstance(value, (list, tuple)) else [value]
                add = header.add_history if key == "HISTORY" else header.add_comment
                for line in lines:
                    add(ascii_card_value(str(line)))
                continue
            try:
                card = fits.Card(key, _ascii_value(_clean_value(value)),
                                 ascii_card_value(comments.get(key, "")))
                card.verify("silentfix")
                header.append(card, end=True)
            except (ValueError, TypeError, KeyError):
                continue
        for line in history:
            header.add_history(ascii_card_value(str(line)))
    return header


def utc_now_iso() -> str:
    # SOURCE_DATE_EPOCH (the reproducible-builds convention), when set, is the date written:
    # renders of the same project made apart (serial vs worker processes) compare byte for byte.
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
