"""Price lists in `/salesbot admin`: view them, add one, change a price, import a products CSV.
Every change is in the admin audit log. The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from bot.domain import revenue
from bot.domain.parsing import ParseError, parse_amount
from bot.imports.products import ImportReport, import_products, read_product_rows
from bot.refusals import FieldRefused, Refused
from store import catalog
from store.audit import record_change
from store.catalog import PricedProduct
from store.models import PriceList, Product

MAX_CSV_BYTES = 5 * 1024 * 1024
GONE = "That price list is no longer there: open Price lists again."


@dataclass(frozen=True)
class PriceListSummary:
    id: int
    name: str
    currency: str
    is_default: bool
    products: int


@dataclass(frozen=True)
class PriceListDetail:
    price_list: PriceList
    prices: list[PricedProduct]
    count: int
    products: list[Product]  # the catalog a price can be set for (first 100)


def overview(session: Session, team_id: str) -> list[PriceListSummary]:
    counts = catalog.product_counts(session, team_id=team_id)
    return [
        PriceListSummary(p.id or 0, p.name, p.currency, p.is_default, counts.get(p.id or 0, 0))
        for p in catalog.price_lists(session, team_id=team_id)
    ]


def detail(session: Session, team_id: str, price_list_id: int) -> PriceListDetail:
    price_list = _price_list(session, team_id, price_list_id)
    return PriceListDetail(
        price_list,
        catalog.priced_products(session, team_id=team_id, price_list_id=price_list_id, limit=40),
        catalog.count_priced_products(session, team_id=team_id, price_list_id=price_list_id),
        catalog.products_of(session, team_id=team_id),
    )


def add_price_list(session: Session, *, team_id: str, name: str, currency: str, actor: str, now: datetime) -> None:
    name, currency = " ".join((name or "").split()), (currency or "").strip().upper()
    if not name or len(name) > 100:
        raise FieldRefused("name", "Name the price list (at most 100 characters).")
    if catalog.price_list_named(session, team_id=team_id, name=name) is not None:
        raise FieldRefused("name", f"There is already a price list called “{name}”.")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise FieldRefused("currency", "Enter a 3-letter currency code such as EUR or USD.")
    catalog.ensure_price_list(session, team_id=team_id, name=name, currency=currency)
    _audit(session, team_id, actor, "Price list added", f"{name} ({currency})", now)


def parse_price(text: str) -> Decimal:
    cleaned = (text or "").strip()
    if cleaned.startswith("-") or cleaned.startswith("−"):
        raise FieldRefused("price", "A price cannot be below zero.")
    try:
        price = parse_amount(cleaned)
    except ParseError as error:
        raise FieldRefused("price", error.message) from None
    if price is None:
        raise FieldRefused("price", "Enter the new price.")
    return price


def change_price(
    session: Session, *, team_id: str, price_list_id: int, product_id: int, price: Decimal, actor: str, now: datetime
) -> None:
    price_list = _price_list(session, team_id, price_list_id)
    product = catalog.get_product(session, team_id=team_id, product_id=product_id)
    if product is None:
        raise FieldRefused("product", "Choose a product of the catalog.")
    before = catalog.priced_product(session, team_id=team_id, price_list_id=price_list_id, product_id=product_id)
    catalog.set_price(session, team_id=team_id, price_list_id=price_list_id, product_id=product_id, price=price)
    was = revenue.format_money(before.price, price_list.currency) + " → " if before else ""
    detail = f"{product.name} in {price_list.name}: {was}{revenue.format_money(price, price_list.currency)}"
    _audit(session, team_id, actor, "Price changed", detail, now)


def import_products_csv(
    session: Session, *, team_id: str, content: bytes, file_name: str, actor: str, now: datetime
) -> ImportReport:
    """Create or update products and their prices from a CSV (`name,unit,description,price,currency,
    price_list`); bad rows are reported with their row number and skipped."""
    if len(content) > MAX_CSV_BYTES:
        raise Refused(f"{file_name}: a products file is at most {MAX_CSV_BYTES // (1024 * 1024)} MB.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{file_name} is not UTF-8 text; save it as CSV UTF-8 and send it again.") from None
    rows, problem = read_product_rows(text)
    if problem:
        raise Refused(f"{file_name}: {problem}.")
    report = import_products(session, team_id=team_id, rows=rows)
    detail = f"{file_name}: {report.created} created, {report.updated} updated, {len(report.rejected)} rejected"
    _audit(session, team_id, actor, "Products imported", detail, now)
    return report


def _price_list(session: Session, team_id: str, price_list_id: int) -> PriceList:
    price_list = catalog.get_price_list(session, team_id=team_id, price_list_id=price_list_id)
    if price_list is None:
        raise Refused(GONE)
    return price_list


def _audit(session: Session, team_id: str, actor: str, action: str, detail: str, now: datetime) -> None:
    record_change(session, team_id=team_id, actor_id=actor, action=action, detail=detail, people=[], at=now)
