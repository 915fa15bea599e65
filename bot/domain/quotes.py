"""Quotes and orders as pure rules: totals in Decimal, the status machine, approval rules.

Totals (PRODUCT.md section 9, decisions): each line is quantity × unit price − its discount (an
amount), rounded half-up to the currency's minor unit; the subtotal is their sum; the quote discount
is a percentage of the subtotal; tax applies to (discounted subtotal + freight); total = discounted
subtotal + freight + tax. The approval rule's `max_discount_percent` compares the effective discount
off the list-price subtotal (line discounts and the quote discount together).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from bot.domain.revenue import format_money, round_money
from bot.refusals import Refused

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACTIVE = "active"
    WON = "won"
    LOST = "lost"
    REVISED = "revised"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


EDITABLE = frozenset({QuoteStatus.DRAFT, QuoteStatus.IN_REVIEW, QuoteStatus.APPROVED, QuoteStatus.REJECTED})
OPEN = EDITABLE | {QuoteStatus.ACTIVE}
CLOSED = frozenset({QuoteStatus.WON, QuoteStatus.LOST, QuoteStatus.REVISED})


def quote_number(number: int) -> str:
    return f"Q-{number:05d}"


def order_number(number: int) -> str:
    return f"SO-{number:05d}"


# --- totals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal  # the price list's price when the line was added: the list price
    discount: Decimal = ZERO  # an amount off the line


@dataclass(frozen=True)
class Terms:
    discount_percent: Decimal = ZERO
    freight: Decimal = ZERO
    tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class Totals:
    list_subtotal: Decimal  # Σ quantity × unit price
    subtotal: Decimal  # Σ line amounts (after line discounts)
    quote_discount: Decimal
    freight: Decimal
    tax: Decimal
    total: Decimal

    @property
    def discounted(self) -> Decimal:
        return self.subtotal - self.quote_discount

    @property
    def discount_total(self) -> Decimal:
        """Everything off the list price: line discounts and the quote discount."""
        return self.list_subtotal - self.discounted

    @property
    def effective_discount_percent(self) -> Decimal:
        if self.list_subtotal <= 0:
            return ZERO
        return (self.discount_total * HUNDRED / self.list_subtotal).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def line_amount(line: Line, currency: str) -> Decimal:
    return round_money(line.quantity * line.unit_price - line.discount, currency)


def totals(lines: Iterable[Line], terms: Terms, currency: str) -> Totals:
    items = list(lines)
    # Each line's list amount is rounded as its amount is, so the discount (list minus amount) is never
    # negative: three lines of 0.005 are 0.03 listed, as they are 0.03 charged.
    list_subtotal = sum((round_money(line.quantity * line.unit_price, currency) for line in items), ZERO)
    subtotal = sum((line_amount(line, currency) for line in items), ZERO)
    subtotal = round_money(subtotal, currency)
    quote_discount = round_money(subtotal * terms.discount_percent / HUNDRED, currency)
    freight = round_money(terms.freight, currency)
    tax = round_money((subtotal - quote_discount + freight) * terms.tax_rate / HUNDRED, currency)
    return Totals(list_subtotal, subtotal, quote_discount, freight, tax, subtotal - quote_discount + freight + tax)


# --- validation ---------------------------------------------------------------------------------


def check_line(quantity: Decimal, unit_price: Decimal, discount: Decimal, currency: str) -> str:
    """The problem with a line's discount ("" when fine); quantities are parsed > 0 beforehand."""
    if discount < 0:
        return "The discount cannot be negative."
    if discount > quantity * unit_price:
        gross = format_money(round_money(quantity * unit_price, currency), currency)
        return f"The discount cannot be more than the line amount ({gross})."
    return ""


def check_percent(value: Decimal, what: str) -> str:
    if not ZERO <= value <= HUNDRED:
        return f"{what} must be between 0 and 100."
    return ""


def check_valid_until(value: date, today: date) -> str:
    return "" if value >= today else "Pick today or a later date."


# --- what each status allows ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteFacts:
    status: QuoteStatus
    has_lines: bool
    needs_approval: bool
    expired: bool = False


def buttons(facts: QuoteFacts) -> list[str]:
    """The labels of the actions the quote's status allows, in card order (nothing else)."""
    status = facts.status
    if status in EDITABLE:
        found = ["Add product", "Edit lines", "Edit quote"]
        if status == QuoteStatus.APPROVED or (status == QuoteStatus.DRAFT and not facts.needs_approval):
            found.append("Activate")
        elif status == QuoteStatus.DRAFT:
            found.append("Submit for approval")
        return found
    if status == QuoteStatus.ACTIVE:
        found = ["Mark as sent", "Revise"]
        if not facts.expired:
            found.append("Customer accepted")
        return [*found, "Customer declined", "Download PDF"]
    return ["Download PDF"]


def refuse_edit(status: QuoteStatus) -> None:
    if status not in EDITABLE:
        raise Refused(f"This quote is {status.label}: it can no longer be edited. Revise it to change it.")


def refuse_unless(status: QuoteStatus, allowed: Iterable[QuoteStatus], action: str) -> None:
    if status not in set(allowed):
        raise Refused(f"This quote is {status.label}: it cannot be {action}.")


def is_expired(status: QuoteStatus, valid_until: date | None, today: date) -> bool:
    return status == QuoteStatus.ACTIVE and valid_until is not None and valid_until < today


def status_label(status: QuoteStatus, expired: bool) -> str:
    return "Expired" if expired else status.label


# --- approval rules (PROCESS_FILE `[[approval]]`) ---------------------------------------------


@dataclass(frozen=True)
class ApprovalRule:
    max_discount_percent: Decimal | None = None
    min_total: Decimal | None = None
    approver: str = "manager"  # manager | admin | a Slack user id

    def matches(self, summary: Totals) -> bool:
        if self.max_discount_percent is not None and summary.effective_discount_percent > self.max_discount_percent:
            return True
        return self.min_total is not None and summary.total >= self.min_total

    def reason(self, summary: Totals, currency: str) -> str:
        if self.max_discount_percent is not None and summary.effective_discount_percent > self.max_discount_percent:
            return f"discount {summary.effective_discount_percent} % is above {self.max_discount_percent} %"
        return f"total {format_money(summary.total, currency)} is at least {self.min_total}"


def matching_rule(rules: Sequence[ApprovalRule], summary: Totals) -> ApprovalRule | None:
    """The first rule that applies, if any (PRODUCT.md: the first matching `[[approval]]` applies)."""
    return next((rule for rule in rules if rule.matches(summary)), None)


class ApprovalRuleError(Exception):
    """A malformed `[[approval]]` table; the message names the source and the key path."""


def parse_approval_rules(data: dict[str, Any], *, source: str = "PROCESS_FILE") -> tuple[ApprovalRule, ...]:
    raw = data.get("approval", [])
    if not isinstance(raw, list):
        raise ApprovalRuleError(f"{source}: approval: use [[approval]] tables")
    return tuple(_rule(item, f"approval[{index}]", source) for index, item in enumerate(raw))


def _rule(item: Any, path: str, source: str) -> ApprovalRule:
    if not isinstance(item, dict):
        raise ApprovalRuleError(f"{source}: {path}: must be a table")
    unknown = sorted(set(item) - {"max_discount_percent", "min_total", "approver"})
    if unknown:
        raise ApprovalRuleError(
            f"{source}: {path}.{unknown[0]}: unknown key (expected approver, max_discount_percent, min_total)"
        )
    limits: dict[str, Decimal | None] = {}
    for key in ("max_discount_percent", "min_total"):
        value = item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ApprovalRuleError(f"{source}: {path}.{key}: must be a number of 0 or more")
        limits[key] = None if value is None else Decimal(str(value))
    if limits["max_discount_percent"] is None and limits["min_total"] is None:
        raise ApprovalRuleError(f"{source}: {path}: set max_discount_percent or min_total")
    approver = item.get("approver", "manager")
    if not isinstance(approver, str) or not (approver in ("manager", "admin") or approver.isalnum()):
        raise ApprovalRuleError(f'{source}: {path}.approver: must be "manager", "admin" or a Slack user id')
    return ApprovalRule(limits["max_discount_percent"], limits["min_total"], approver)


def approver_for(
    rule: ApprovalRule, *, owner: str, manager: str | None, admins: Sequence[str]
) -> tuple[str | None, str]:
    """Who approves (None: nobody can) and, when nobody can, why. The owner's manager for "manager";
    if none, or the owner would approve their own quote, another admin (PRODUCT.md decisions)."""
    wanted = {"manager": manager, "admin": None}.get(rule.approver, rule.approver)
    if wanted and wanted != owner:
        return wanted, ""
    other_admin = next((admin for admin in admins if admin != owner), None)
    if other_admin:
        return other_admin, ""
    return None, "Nobody can approve it: the quote's owner has no manager and there is no other admin."
