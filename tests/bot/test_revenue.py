"""Revenue arithmetic: Decimal only, rounded to the currency's minor unit (hypothesis-checked)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.parsing import ParseError
from bot.domain.revenue import (
    Line,
    current_value,
    format_money,
    line_amount,
    lines_total,
    minor_unit,
    parse_quantity,
    round_money,
)

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2, allow_nan=False,
                    allow_infinity=False)  # fmt: skip
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("10000"), places=3, allow_nan=False,
                         allow_infinity=False)  # fmt: skip
currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD"])


def test_two_cafe_s100() -> None:
    assert lines_total([Line(Decimal(2), Decimal("1299.00"))], "EUR") == Decimal("2598.00")
    assert format_money(Decimal("2598"), "EUR") == "2,598.00 EUR"


def test_minor_units() -> None:
    assert (minor_unit("EUR"), minor_unit("jpy"), minor_unit("KWD")) == (2, 0, 3)
    assert round_money(Decimal("10.005"), "EUR") == Decimal("10.01")
    assert round_money(Decimal("10.5"), "JPY") == Decimal("11")
    assert format_money(Decimal("1234.5"), "JPY") == "1,235 JPY"
    assert format_money(None, "EUR") == "–"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        round_money(1.5, "EUR")  # type: ignore[arg-type]


@given(quantity=quantities, price=money, discount=money, currency=currencies)
def test_line_amount_is_quantity_times_price_minus_discount(quantity: Decimal, price: Decimal, discount: Decimal,
                                                           currency: str) -> None:  # fmt: skip
    amount = line_amount(Line(quantity, price, discount), currency)
    assert isinstance(amount, Decimal)
    assert amount == round_money(max(quantity * price - discount, Decimal(0)), currency)
    assert amount >= 0 and -amount.as_tuple().exponent == minor_unit(currency)  # type: ignore[operator]


@given(lines=st.lists(st.tuples(quantities, money, money), max_size=8), currency=currencies)
def test_total_is_the_sum_of_rounded_lines(lines: list[tuple[Decimal, Decimal, Decimal]], currency: str) -> None:
    parsed = [Line(q, p, d) for q, p, d in lines]
    total = lines_total(parsed, currency)
    assert total == sum((line_amount(line, currency) for line in parsed), Decimal(0))
    assert -total.as_tuple().exponent == minor_unit(currency)  # type: ignore[operator]


@given(revenue=money, probability=st.decimals(min_value=0, max_value=100, places=2), currency=currencies)
def test_current_value_never_exceeds_revenue(revenue: Decimal, probability: Decimal, currency: str) -> None:
    value = current_value(revenue, probability, currency)
    assert value is not None and Decimal(0) <= value <= round_money(revenue, currency)
    assert current_value(None, probability, currency) is None


@pytest.mark.parametrize(("text", "expected"), [("2", "2"), ("1.5", "1.5"), ("1,000", "1000"), (" 3 ", "3")])
def test_quantities(text: str, expected: str) -> None:
    assert parse_quantity(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "0", "-1", "two", "1.2345", "1e3"])
def test_bad_quantities(text: str) -> None:
    with pytest.raises(ParseError):
        parse_quantity(text)
