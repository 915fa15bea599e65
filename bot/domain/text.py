"""Text keys for accent- and case-insensitive search and duplicate detection."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`Café  Müller` -> `cafe muller`: strip accents, casefold, collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def search_text(*parts: str) -> str:
    return fold(" ".join(part for part in parts if part))[:1200]


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the folded query anywhere, with LIKE's wildcards escaped."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
