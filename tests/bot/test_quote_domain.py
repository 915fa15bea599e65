"""bot.domain.quotes: totals (hypothesis on the arithmetic, Decimal only), the status machine, approval rules."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import process
from bot.domain.quotes import (
    ApprovalRule,
    ApprovalRuleError,
    Line,
    QuoteFacts,
    QuoteStatus,
    Terms,
    approver_for,
    buttons,
    check_line,
    is_expired,
    matching_rule,
    parse_approval_rules,
    refuse_edit,
    totals,
)
from bot.refusals import Refused

CENT = Decimal("0.01")
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("10000"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@st.composite
def lines(draw: st.DrawFn) -> Line:
    quantity, price = draw(quantities), draw(prices)
    gross = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    discount = draw(st.decimals(min_value=Decimal(0), max_value=gross, places=2))
    return Line(quantity, price, discount)


@settings(deadline=None)  # a shared 2-core machine: the arithmetic is checked, not its speed
@given(st.lists(lines(), max_size=8), percents, prices, percents)
def test_totals_add_up_in_cents(items: list[Line], discount: Decimal, freight: Decimal, tax: Decimal) -> None:
    result = totals(items, Terms(discount, freight, tax), "EUR")
    for value in (result.subtotal, result.quote_discount, result.freight, result.tax, result.total):
        assert isinstance(value, Decimal) and value == value.quantize(CENT)
    assert result.subtotal == sum(((i.quantity * i.unit_price - i.discount).quantize(CENT, ROUND_HALF_UP)
                                   for i in items), Decimal(0))  # fmt: skip
    assert result.quote_discount == (result.subtotal * discount / 100).quantize(CENT, ROUND_HALF_UP)
    assert result.tax == ((result.discounted + result.freight) * tax / 100).quantize(CENT, ROUND_HALF_UP)
    assert result.total == result.subtotal - result.quote_discount + result.freight + result.tax
    assert Decimal(0) <= result.quote_discount <= result.subtotal
    assert Decimal(0) <= result.effective_discount_percent <= 100 or result.list_subtotal == 0


@settings(deadline=None)
@given(st.lists(lines(), min_size=1, max_size=5), percents)
def test_yen_totals_have_no_minor_unit(items: list[Line], tax: Decimal) -> None:
    result = totals(items, Terms(tax_rate=tax), "JPY")
    assert result.total == result.total.quantize(Decimal(1))


def test_lines_rounded_up_to_a_cent_are_no_negative_discount() -> None:
    """Found by hypothesis: 0.001 × 5.00 is 0.005 per line, each line rounds to 0.01 charged; the list
    subtotal rounded once (0.015 → 0.02) made the three lines look like a discount of −50 %."""
    result = totals([Line(Decimal("0.001"), Decimal("5.00"), Decimal(0))] * 3, Terms(), "EUR")
    assert (result.list_subtotal, result.subtotal) == (Decimal("0.03"), Decimal("0.03"))
    assert result.effective_discount_percent == 0


def test_worked_example() -> None:
    result = totals([Line(Decimal(2), Decimal("1299.00"), Decimal("100"))], Terms(Decimal(5), Decimal(50), Decimal(22)),
                    "EUR")  # fmt: skip
    assert (result.subtotal, result.quote_discount, result.tax, result.total) == (
        Decimal("2498.00"), Decimal("124.90"), Decimal("533.08"), Decimal("2956.18"))  # fmt: skip
    assert result.effective_discount_percent == Decimal("8.66")  # (100 + 124.90) off 2,598.00


def test_line_checks() -> None:
    assert check_line(Decimal(2), Decimal(10), Decimal(20), "EUR") == ""
    assert "more than the line amount (20.00 EUR)" in check_line(Decimal(2), Decimal(10), Decimal("20.01"), "EUR")
    assert "negative" in check_line(Decimal(2), Decimal(10), Decimal(-1), "EUR")


@pytest.mark.parametrize(
    ("status", "needs", "expired", "expected"),
    [
        (QuoteStatus.DRAFT, False, False, ["Add product", "Edit lines", "Edit quote", "Activate"]),
        (QuoteStatus.DRAFT, True, False, ["Add product", "Edit lines", "Edit quote", "Submit for approval"]),
        (QuoteStatus.IN_REVIEW, True, False, ["Add product", "Edit lines", "Edit quote"]),
        (QuoteStatus.APPROVED, True, False, ["Add product", "Edit lines", "Edit quote", "Activate"]),
        (QuoteStatus.REJECTED, True, False, ["Add product", "Edit lines", "Edit quote"]),
        (QuoteStatus.ACTIVE, False, False,
         ["Mark as sent", "Revise", "Customer accepted", "Customer declined", "Download PDF"]),
        (QuoteStatus.ACTIVE, False, True, ["Mark as sent", "Revise", "Customer declined", "Download PDF"]),
        (QuoteStatus.WON, False, False, ["Download PDF"]),
        (QuoteStatus.LOST, False, False, ["Download PDF"]),
        (QuoteStatus.REVISED, False, False, ["Download PDF"]),
    ],
)  # fmt: skip
def test_buttons_follow_the_status(status: QuoteStatus, needs: bool, expired: bool, expected: list[str]) -> None:
    assert buttons(QuoteFacts(status, True, needs, expired)) == expected


def test_closed_quotes_refuse_edits_and_expiry_is_only_for_active_ones() -> None:
    for status in (QuoteStatus.ACTIVE, QuoteStatus.WON, QuoteStatus.LOST, QuoteStatus.REVISED):
        with pytest.raises(Refused):
            refuse_edit(status)
    refuse_edit(QuoteStatus.APPROVED)
    assert is_expired(QuoteStatus.ACTIVE, date(2026, 1, 1), date(2026, 1, 2))
    assert not is_expired(QuoteStatus.ACTIVE, date(2026, 1, 2), date(2026, 1, 2))
    assert not is_expired(QuoteStatus.DRAFT, date(2026, 1, 1), date(2026, 1, 2))


def test_approval_rules_first_match_applies() -> None:
    rules = parse_approval_rules(
        {"approval": [{"max_discount_percent": 10, "approver": "manager"}, {"min_total": 50000, "approver": "UBOSS"}]}
    )
    small = totals([Line(Decimal(1), Decimal(1000), Decimal(0))], Terms(Decimal(15)), "EUR")
    big = totals([Line(Decimal(1), Decimal(60000), Decimal(0))], Terms(), "EUR")
    fine = totals([Line(Decimal(1), Decimal(1000), Decimal(0))], Terms(Decimal(10)), "EUR")
    assert matching_rule(rules, small) == rules[0]
    assert matching_rule(rules, big) == rules[1]
    assert matching_rule(rules, fine) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"approval": {"min_total": 1}}, "use [[approval]] tables"),
        ({"approval": [{"approver": "manager"}]}, "approval[0]: set max_discount_percent or min_total"),
        ({"approval": [{"min_total": -1}]}, "approval[0].min_total: must be a number of 0 or more"),
        ({"approval": [{"min_total": 1, "approver": "the boss"}]}, "approval[0].approver"),
        ({"approval": [{"min_total": 1, "who": "x"}]}, "approval[0].who: unknown key"),
    ],
)
def test_bad_approval_rules_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ApprovalRuleError, match="PROCESS_FILE: .*") as error:
        parse_approval_rules(data)
    assert message in str(error.value)


def test_approver_fallbacks() -> None:
    manager = ApprovalRule(Decimal(10))
    assert approver_for(manager, owner="U1", manager="UM", admins=["UA"]) == ("UM", "")
    assert approver_for(manager, owner="U1", manager=None, admins=["UA"]) == ("UA", "")
    assert approver_for(ApprovalRule(Decimal(10), approver="U1"), owner="U1", manager=None, admins=["U1", "UB"]) == (
        "UB", "")  # fmt: skip
    assert approver_for(manager, owner="U1", manager=None, admins=["U1"])[0] is None


def test_process_file_takes_quote_required_and_approval_tables() -> None:
    text = """
[[approval]]
max_discount_percent = 10

[[process]]
name = "Quoted"
[[process.stage]]
name = "Propose"
completed = 50
chance = 50
quote_required = true
[[process.stage]]
name = "Close"
completed = 100
chance = 80
"""
    (flow,) = process.parse_processes(text)
    assert [stage.quote_required for stage in flow.stages] == [True, False]
    with pytest.raises(process.ProcessFileError, match=r"stage\[0\].quote_required: must be true or false"):
        process.parse_processes(text.replace("quote_required = true", 'quote_required = "yes"'))
    assert process.parse_processes("[[approval]]\nmin_total = 1\n") == []
