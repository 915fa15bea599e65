"""Turn what a user typed into a value, or a message saying what is wrong with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")  # unambiguous: no backtracking over dots
_COUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
MAX_AMOUNT = Decimal("99999999999999.99")


@dataclass(frozen=True)
class ParseError(Exception):
    message: str


def parse_amount(text: str) -> Decimal | None:
    """`1299`, `1299.00` and `1,299.00` are 1299.00; empty is None; anything else is an error."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if not _AMOUNT.match(cleaned):
        raise ParseError("Enter an amount such as 1299, 1299.00 or 1,299.00.")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise ParseError("Enter an amount such as 1299, 1299.00 or 1,299.00.") from None
    if value > MAX_AMOUNT:
        raise ParseError("That amount is too large.")
    return value.quantize(Decimal("0.01"))


def parse_count(text: str) -> int | None:
    """A whole number of 0 or more (`1,200` allowed); empty is None."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if not _COUNT.match(cleaned):
        raise ParseError("Enter a whole number of 0 or more, such as 250.")
    value = int(cleaned.replace(",", ""))
    if value > 10_000_000:
        raise ParseError("That number is too large.")
    return value


def parse_email(text: str) -> str:
    cleaned = text.strip()
    if cleaned and not EMAIL_PATTERN.match(cleaned):
        raise ParseError("Enter an email address such as name@example.com.")
    return cleaned


_NON_DIGITS = re.compile(r"\D")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,30}$")


def parse_phone(text: str) -> str:
    """A phone number: digits with optional +, spaces, dots, dashes, slashes and brackets; 6-20 digits."""
    cleaned = text.strip()
    digits = len(_NON_DIGITS.sub("", cleaned))
    if cleaned and (not _PHONE.match(cleaned) or not 6 <= digits <= 20):
        raise ParseError("Enter a phone number such as +39 02 1234 5678.")
    return cleaned


def format_amount(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.2f}"
    return f"{text} {currency}".strip()
