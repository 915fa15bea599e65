"""Money arithmetic for opportunities: Decimal only, rounded to the currency's minor unit.

Estimated revenue is system-calculated from product lines (Σ quantity × unit price − discount) or
user-provided; the calculated current value is estimated revenue × probability % / 100 (seed 003).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.domain.parsing import ParseError

# ISO 4217 minor units that differ from 2; everything else has cents.
_MINOR_UNITS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
_QUANTITY = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,3})?$")
MAX_QUANTITY = Decimal("99999999999.999")


def minor_unit(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (EUR cents, JPY yen, KWD fils)."""
    if not isinstance(value, Decimal):
        raise TypeError("money is Decimal, never float")
    quantum = _QUANTA.get(currency)
    if quantum is None:
        quantum = Decimal(1).scaleb(-minor_unit(currency))
        if len(_QUANTA) < QUANTA_KEPT:
            _QUANTA[currency] = quantum
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


# currency -> its minor unit as a Decimal (0.01, 1, 0.001), worked out once: App Home rounds ~40 amounts
QUANTA_KEPT = 256
_QUANTA: dict[str, Decimal] = {}


def format_money(value: Decimal | None, currency: str) -> str:
    """`1,299.00 EUR`; `–` when unknown."""
    if value is None:
        return "–"
    places = minor_unit(currency)
    return f"{round_money(value, currency):,.{places}f} {currency}".strip()


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)


def line_amount(line: Line, currency: str) -> Decimal:
    """quantity × unit price − discount, never below zero, rounded to the minor unit."""
    gross = line.quantity * line.unit_price - line.discount
    return round_money(max(gross, Decimal(0)), currency)


def lines_total(lines: Iterable[Line], currency: str) -> Decimal:
    return round_money(sum((line_amount(line, currency) for line in lines), Decimal(0)), currency)


def current_value(revenue: Decimal | None, probability: Decimal, currency: str) -> Decimal | None:
    """Calculated current value = estimated revenue × probability % / 100."""
    if revenue is None:
        return None
    return round_money(revenue * probability / 100, currency)


def parse_quantity(text: str) -> Decimal:
    """A quantity greater than 0, e.g. `2`, `1.5` or `1,000`; up to three decimals."""
    cleaned = text.strip()
    if not cleaned:
        raise ParseError("Enter a quantity such as 2.")
    if not _QUANTITY.match(cleaned):
        raise ParseError("Enter a quantity such as 2, 1.5 or 1,000.")
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern guarantees a number
        raise ParseError("Enter a quantity such as 2.") from None
    if value <= 0:
        raise ParseError("The quantity must be more than 0.")
    if value > MAX_QUANTITY:
        raise ParseError("That quantity is too large.")
    return value


def format_quantity(value: Decimal) -> str:
    """`2` for 2.000, `1.5` for 1.500."""
    text = f"{value.normalize():f}"
    return text
