"""Text keys for accent- and case-insensitive search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The combining-mark blocks NFKD splits accents into (diacritics, extended, supplement, symbols, half marks).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """`Café  Müller` -> `cafe muller`: strip accents, casefold, collapse whitespace."""
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


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
