"""Text keys for accent- and case-insensitive search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The combining-mark blocks NFKD splits accents into (diacritics, extended, supplement, symbols, half marks).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """`Café  Müller` -> `cafe muller`: strip accents, casefold, collapse whitespace. A NUL becomes U+FFFD:
    FTS5 would end a phrase at it and PostgreSQL refuses it in a value, so a search for it finds nothing."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().split())


def fold_all(texts: Iterable[object]) -> list[str]:
    return list(map(fold, texts))  # type: ignore[arg-type]


def search_text(*parts: str) -> str:
    return fold(" ".join(part for part in parts if part))[:1200]


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the folded query anywhere, with LIKE's wildcards escaped."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_BLANK_FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")  # letters Slack renders as nothing


def _shows_nothing(char: str) -> bool:
    """Whitespace, format characters (zero-width space, joiners, word joiner, BOM, bidi marks), fillers."""
    return char.isspace() or char in _BLANK_FILLERS or unicodedata.category(char) == "Cf"


def visible(text: str) -> str:
    """`text` without the whitespace and invisible characters around it: a Topic of zero-width
    spaces is as empty as one of spaces (and refused the same way)."""
    start, end = 0, len(text)
    while start < end and _shows_nothing(text[start]):
        start += 1
    while end > start and _shows_nothing(text[end - 1]):
        end -= 1
    return text[start:end]


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
