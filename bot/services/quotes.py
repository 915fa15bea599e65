"""Quote and order use cases: the rules of bot.domain.quotes applied to what store.quotes holds.

Callers pass an open session and plain values; every refusal raises `Refused(message)` before
anything is written (or the caller's transaction is rolled back), and every change is on the
opportunity's timeline. Nothing here talks to Slack or builds Block Kit.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.config import Settings
from bot.domain import quotes as rules
from bot.domain import revenue
from bot.domain.kinds import OpportunityStatus, RecordType
from bot.domain.parsing import ParseError, parse_amount
from bot.domain.quotes import ApprovalRule, QuoteStatus, Totals
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services.processes import library_in
from store import catalog
from store import opportunities as opp_store
from store import quotes as quote_store
from store.activities import add_activity
from store.catalog import PricedProduct
from store.models import Opportunity, PriceList, Quote, QuoteLine, SalesOrder

VALID_DAYS = 30
TEXT_LIMITS = {"name": 200, "payment_terms": 500, "delivery_terms": 500, "description": 3000}


@dataclass(frozen=True)
class QuoteConfig:
    """Workspace-wide quote settings: approval rules (PROCESS_FILE) and the env defaults."""

    rules: tuple[ApprovalRule, ...] = ()
    default_tax_rate: Decimal = Decimal(0)
    company_name: str = ""
    company_address: str = ""
    nudge_hours: int = 24
    admin_ids: frozenset[str] = frozenset()


def config_from(settings: Settings) -> QuoteConfig:
    """Read `[[approval]]` from PROCESS_FILE (the process parser checks the rest of it)."""
    found: tuple[ApprovalRule, ...] = ()
    path: Path | None = settings.process_file
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}  # the process parser reports these with the line
        found = rules.parse_approval_rules(data, source=str(path))
    return QuoteConfig(
        rules=found,
        default_tax_rate=settings.default_tax_rate,
        company_name=settings.company_name,
        company_address=settings.company_address,
        nudge_hours=settings.approval_nudge_hours,
        admin_ids=frozenset(settings.admin_user_ids),
    )


@dataclass
class QuoteData:
    """Everything a quote card, approval request or PDF shows, read in one transaction."""

    quote: Quote
    lines: list[QuoteLine]
    totals: Totals
    rule: ApprovalRule | None
    expired: bool
    opportunity: Opportunity
    order: SalesOrder | None = None

    @property
    def status(self) -> QuoteStatus:
        return QuoteStatus(self.quote.status)

    @property
    def facts(self) -> rules.QuoteFacts:
        return rules.QuoteFacts(self.status, bool(self.lines), self.rule is not None, self.expired)


def price_lines(lines: list[QuoteLine]) -> list[rules.Line]:
    return [rules.Line(line.quantity, line.unit_price, line.discount) for line in lines]


def terms_of(quote: Quote) -> rules.Terms:
    return rules.Terms(quote.discount_percent, quote.freight, quote.tax_rate)


def approval_rules(session: Session, team: str, cfg: QuoteConfig) -> tuple[ApprovalRule, ...]:
    """The workspace's `[[approval]]` rules when its uploaded process file has them (`/salesbot admin` →
    `Upload process file`), else PROCESS_FILE's."""
    uploaded = library_in(session, team).approval
    return cfg.rules if uploaded is None else uploaded


def load(session: Session, *, team: str, quote_id: int, cfg: QuoteConfig, today: date) -> QuoteData | None:
    quote = quote_store.get_quote(session, team_id=team, quote_id=quote_id)
    if quote is None:
        return None
    opp = opp_store.get_opportunity(session, team_id=team, opportunity_id=quote.opportunity_id)
    if opp is None:
        return None
    lines = quote_store.lines_of(session, team_id=team, quote_id=quote_id)
    summary = rules.totals(price_lines(lines), terms_of(quote), quote.currency)
    status = QuoteStatus(quote.status)
    order = quote_store.order_of_quote(session, team_id=team, quote_id=quote_id) if status == QuoteStatus.WON else None
    return QuoteData(
        quote=quote,
        lines=lines,
        totals=summary,
        rule=rules.matching_rule(approval_rules(session, team, cfg), summary),
        expired=rules.is_expired(status, quote.valid_until, today),
        opportunity=opp,
        order=order,
    )


def require(session: Session, *, team: str, quote_id: int, cfg: QuoteConfig, today: date) -> QuoteData:
    data = load(session, team=team, quote_id=quote_id, cfg=cfg, today=today)
    if data is None:
        raise Refused("That quote no longer exists or you cannot see it.")
    return data


def _log(
    session: Session, quote: Quote, user: str, now: datetime, what: str, body: str = "", people: list[str] | None = None
) -> None:
    """A quote event on the opportunity's timeline; people it names are data, drawn as mentions on display."""
    add_activity(
        session,
        team_id=quote.team_id,
        record_type=RecordType.OPPORTUNITY,
        record_id=quote.opportunity_id,
        kind="quote",
        author_id=user,
        occurred_at=now,
        subject=f"Quote {rules.quote_number(quote.number)} rev {quote.revision}: {what}",
        body=body,
        data={"quote_id": quote.id, **({"people": people} if people else {})},
    )


# --- the quote form (Create quote / Edit quote) ---------------------------------------------


@dataclass(frozen=True)
class QuoteForm:
    name: str
    valid_until: date
    payment_terms: str = ""
    delivery_terms: str = ""
    discount_percent: Decimal = Decimal(0)
    freight: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    description: str = ""


def form_defaults(opp: Opportunity, cfg: QuoteConfig, today: date) -> QuoteForm:
    return QuoteForm(
        name=opp.topic[:200], valid_until=today + timedelta(days=VALID_DAYS), tax_rate=cfg.default_tax_rate
    )


def form_of(quote: Quote) -> QuoteForm:
    return QuoteForm(
        quote.name,
        quote.valid_until or date.today(),
        quote.payment_terms,
        quote.delivery_terms,
        quote.discount_percent,
        quote.freight,
        quote.tax_rate,
        quote.description,
    )


def parse_form(values: dict[str, Any], today: date) -> tuple[QuoteForm | None, dict[str, str]]:
    """The submitted Create/Edit quote modal ({block id: text}) as a QuoteForm, or field errors."""
    errors: dict[str, str] = {}
    text = {key: str(values.get(key) or "").strip() for key in TEXT_LIMITS}
    if not text["name"]:
        errors["name"] = "Enter a name for the quote."
    for key, limit in TEXT_LIMITS.items():
        if len(text[key]) > limit:
            errors[key] = f"Keep it under {limit} characters."
    valid_until = _date(str(values.get("valid_until") or ""), errors)
    if valid_until is not None and (problem := rules.check_valid_until(valid_until, today)):
        errors["valid_until"] = problem
    discount = _percent(values, "discount_percent", "The quote discount", errors)
    tax = _percent(values, "tax_rate", "The tax rate", errors)
    freight = _money(values, "freight", errors)
    if errors or valid_until is None:
        return None, errors
    return QuoteForm(
        text["name"],
        valid_until,
        text["payment_terms"],
        text["delivery_terms"],
        discount,
        freight,
        tax,
        text["description"],
    ), {}


def _date(raw: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors["valid_until"] = "Pick the date until which the quote is valid."
        return None


def _percent(values: dict[str, Any], key: str, what: str, errors: dict[str, str]) -> Decimal:
    raw = str(values.get(key) or "").strip().removesuffix("%").strip()
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        errors[key] = f"{what} is a percentage such as 10 or 7.5."
        return Decimal(0)
    if not value.is_finite() or (problem := rules.check_percent(value, what)):
        errors[key] = problem if value.is_finite() else f"{what} is a percentage such as 10 or 7.5."
        return Decimal(0)
    if value != value.quantize(Decimal("0.01")):
        errors[key] = f"{what} takes at most two decimals."
    return value


def _money(values: dict[str, Any], key: str, errors: dict[str, str]) -> Decimal:
    try:
        return parse_amount(str(values.get(key) or "")) or Decimal(0)
    except ParseError as error:
        errors[key] = error.message
        return Decimal(0)


def _apply_form(quote: Quote, form: QuoteForm) -> None:
    quote.name, quote.valid_until = form.name, form.valid_until
    quote.payment_terms, quote.delivery_terms, quote.description = (
        form.payment_terms,
        form.delivery_terms,
        form.description,
    )
    quote.discount_percent, quote.freight, quote.tax_rate = form.discount_percent, form.freight, form.tax_rate


# --- creating and editing a draft -----------------------------------------------------------


def opportunity_to_quote(session: Session, *, team_id: str, opportunity_id: int) -> Opportunity:
    """The opportunity a new quote is for (refused when it is gone)."""
    opp = opp_store.get_opportunity(session, team_id=team_id, opportunity_id=opportunity_id)
    if opp is None:
        raise Refused(RECORD_NOT_FOUND)
    return opp


def _refuse_closed(opp: Opportunity) -> None:
    if opp.status != OpportunityStatus.OPEN:
        raise Refused(f"This opportunity is closed as {opp.status}. Reopen it to quote it.")


def new_form(opp: Opportunity, cfg: QuoteConfig, today: date) -> QuoteForm:
    """The Create quote form, filled with the opportunity's defaults (refused when it is closed)."""
    _refuse_closed(opp)
    return form_defaults(opp, cfg, today)


def create_for(
    session: Session, *, team_id: str, opportunity_id: int, user: str, form: QuoteForm, now: datetime
) -> Quote:
    opp = opportunity_to_quote(session, team_id=team_id, opportunity_id=opportunity_id)
    return create(session, opp=opp, user=user, form=form, now=now)


def create(session: Session, *, opp: Opportunity, user: str, form: QuoteForm, now: datetime) -> Quote:
    """A Draft with the opportunity's lines at the price list's current prices, numbered Q-… rev 1."""
    _refuse_closed(opp)
    number = quote_store.claim_number(session, team_id=opp.team_id, kind="quote")
    quote = Quote(
        team_id=opp.team_id,
        opportunity_id=opp.id or 0,
        number=number,
        owner_id=opp.owner_id,
        account_name=opp.account_name,
        contact_name=opp.contact_name,
        currency=opp.currency,
        created_by=user,
        created_at=now,
        updated_at=now,
        name=form.name,
    )
    _apply_form(quote, form)
    session.add(quote)
    session.flush()
    quote_store.add_lines(session, _lines_from_opportunity(session, opp, quote.id or 0))
    _recompute(session, quote, now)
    _log(session, quote, user, now, "created (Draft)")
    return quote


def _lines_from_opportunity(session: Session, opp: Opportunity, quote_id: int) -> list[QuoteLine]:
    price_list = catalog.price_list_for(session, team_id=opp.team_id, currency=opp.currency)
    found = []
    for line in opp_store.lines_of(session, team_id=opp.team_id, opportunity_id=opp.id or 0):
        price = line.unit_price
        if price_list is not None:
            item = catalog.priced_product(
                session, team_id=opp.team_id, price_list_id=price_list.id or 0, product_id=line.product_id
            )
            price = item.price if item is not None else price
        found.append(
            QuoteLine(
                team_id=opp.team_id,
                quote_id=quote_id,
                product_id=line.product_id,
                product_name=line.product_name,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=price,
                discount=min(line.discount, line.quantity * price),
            )
        )
    return found


def _recompute(session: Session, quote: Quote, now: datetime) -> Totals:
    lines = quote_store.lines_of(session, team_id=quote.team_id, quote_id=quote.id or 0)
    summary = rules.totals(price_lines(lines), terms_of(quote), quote.currency)
    quote.subtotal, quote.total, quote.updated_at = summary.subtotal, summary.total, now
    session.add(quote)
    session.flush()
    return summary


def unchanged_quote(session: Session, *, team_id: str, quote_id: int, version: int) -> Quote:
    """The quote a form was opened on, refused when it changed (or went) since."""
    quote = quote_store.get_quote(session, team_id=team_id, quote_id=quote_id)
    if quote is None or quote.version != version:
        raise Refused("This quote changed since you opened this form. Close it and try again.")
    return quote


@dataclass(frozen=True)
class ProductChoices:
    """What Add product offers: the price list in the quote's currency and its first products."""

    price_list: PriceList
    items: list[PricedProduct]
    total: int  # how many products the price list prices


def product_choices(session: Session, quote: Quote, *, limit: int) -> ProductChoices:
    price_list = catalog.price_list_for(session, team_id=quote.team_id, currency=quote.currency)
    if price_list is None:
        raise Refused(f"There is no price list in {quote.currency} yet.")
    total = catalog.count_priced_products(session, team_id=quote.team_id, price_list_id=price_list.id or 0)
    items = catalog.priced_products(session, team_id=quote.team_id, price_list_id=price_list.id or 0, limit=limit)
    return ProductChoices(price_list, items, total)


def _edited(session: Session, quote: Quote, user: str, now: datetime, what: str) -> None:
    """Any edit: back to Draft (an approval, pending or given, no longer holds) and a new version."""
    rules.refuse_edit(QuoteStatus(quote.status))
    was = QuoteStatus(quote.status)
    quote.status, quote.version = QuoteStatus.DRAFT, quote.version + 1
    quote.submitted_version, quote.approver_id, quote.submitted_at = None, None, None
    _recompute(session, quote, now)
    back = f" — back to Draft from {was.label}" if was != QuoteStatus.DRAFT else ""
    _log(session, quote, user, now, what + back)


def edit(session: Session, *, quote: Quote, user: str, form: QuoteForm, now: datetime) -> None:
    rules.refuse_edit(QuoteStatus(quote.status))
    _apply_form(quote, form)
    _edited(session, quote, user, now, "edited")


def add_product(
    session: Session, *, quote: Quote, values: dict[str, Any], price_list_id: int, user: str, now: datetime
) -> dict[str, str]:
    """Add a line from the Add product modal; field errors (nothing changed) or {}."""
    rules.refuse_edit(QuoteStatus(quote.status))
    errors: dict[str, str] = {}
    raw = str(values.get("product") or "")
    item = None
    if raw.isdigit():
        item = catalog.priced_product(session, team_id=quote.team_id, price_list_id=price_list_id, product_id=int(raw))
    if item is None or item.currency != quote.currency:
        errors["product"] = (
            "Choose a product of the price list."
            if item is None
            else (f"That price list is in {item.currency}; this quote is in {quote.currency}.")
        )
    quantity, discount = _line_values(values, "quantity", "discount", errors)
    problem = rules.check_line(quantity, item.price, discount, quote.currency) if item and quantity else ""
    if problem and "discount" not in errors:
        errors["discount"] = problem
    if errors or item is None or quantity is None:
        return errors
    line = QuoteLine(
        team_id=quote.team_id,
        quote_id=quote.id or 0,
        product_id=item.product.id or 0,
        product_name=item.product.name,
        unit=item.product.unit,
        quantity=quantity,
        unit_price=item.price,
        discount=discount,
    )
    quote_store.add_lines(session, [line])
    _edited(session, quote, user, now, f"added {revenue.format_quantity(quantity)} × {item.product.name}")
    return {}


def _line_values(
    values: dict[str, Any], quantity_key: str, discount_key: str, errors: dict[str, str]
) -> tuple[Decimal | None, Decimal]:
    quantity = None
    try:
        quantity = revenue.parse_quantity(str(values.get(quantity_key) or ""))
    except ParseError as error:
        errors[quantity_key] = error.message
    try:
        discount = parse_amount(str(values.get(discount_key) or "")) or Decimal(0)
    except ParseError as error:
        errors[discount_key] = error.message
        discount = Decimal(0)
    return quantity, discount


def line_block(line_id: int, what: str) -> str:
    """The block id of one line's input in the Edit lines modal."""
    return f"line:{line_id}:{what}"


def edit_lines(session: Session, *, quote: Quote, values: dict[str, Any], user: str, now: datetime) -> dict[str, str]:
    """Apply the Edit lines modal (per line Quantity, Discount, Remove); field errors or {}."""
    rules.refuse_edit(QuoteStatus(quote.status))
    lines = quote_store.lines_of(session, team_id=quote.team_id, quote_id=quote.id or 0)
    errors: dict[str, str] = {}
    removed, changed = [], []
    for line in lines:
        if line_block(line.id or 0, "quantity") not in values:
            continue  # not in the modal (over its size); unchanged
        if values.get(line_block(line.id or 0, "remove")):
            removed.append(line)
            continue
        keys = (line_block(line.id or 0, "quantity"), line_block(line.id or 0, "discount"))
        quantity, discount = _line_values(values, *keys, errors)
        problem = rules.check_line(quantity, line.unit_price, discount, quote.currency) if quantity else ""
        if problem and keys[1] not in errors:
            errors[keys[1]] = problem
        if quantity is not None and (quantity, discount) != (line.quantity, line.discount):
            changed.append((line, quantity, discount))
    if lines and len(removed) == len(lines):
        errors[line_block(removed[0].id or 0, "remove")] = "A quote needs at least one line: keep one or add another."
    if errors:
        return errors
    for line, quantity, discount in changed:
        line.quantity, line.discount = quantity, discount
        session.add(line)
    quote_store.delete_lines(session, removed)
    if changed or removed:
        _edited(session, quote, user, now, f"lines edited ({len(changed)} changed, {len(removed)} removed)")
    return {}


def home_quotes(session: Session, *, team_id: str, user_id: str, today: date, limit: int) -> HomeQuotes:
    """App Home's quotes: the first `limit` waiting for the user's approval and of the user's expired ones,
    each with how many there are."""
    pending = quote_store.pending_for(session, team_id=team_id, approver_id=user_id, limit=limit)
    return HomeQuotes(*pending, *quote_store.expired_of(session, team_id=team_id, owner_id=user_id, today=today,
                                                        limit=limit))  # fmt: skip


@dataclass(frozen=True)
class HomeQuotes:
    pending: list[Quote]
    pending_total: int
    expired: list[Quote]
    expired_total: int


# --- processes: `quote_required = true` on a stage ------------------------------------------------


def quote_gate(session: Session, opp: Opportunity) -> str:
    """Why the opportunity may not leave its stage for want of a quote ("" when it may)."""
    stage = library_in(session, opp.team_id).get(opp.process_name).current(opp.stage)
    if not stage.quote_required:
        return ""
    found = quote_store.quotes_of(session, team_id=opp.team_id, opportunity_id=opp.id or 0)
    if any(q.status in (QuoteStatus.ACTIVE, QuoteStatus.WON) for q in found):
        return ""
    return (
        f":no_entry: *{stage.name}* requires a quote: the missing quote must be Active (or Won) before moving on. "
        "Use *Create quote* on the card, then *Activate* it."
    )
