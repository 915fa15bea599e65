"""Products, price lists and sales literature. Every function takes the workspace (`team_id`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.domain.parsing import ParseError, parse_amount
from bot.domain.text import fold, like_pattern
from store.models import Literature, PriceList, PriceListItem, Product

DEFAULT_PRICE_LIST = "Standard"


@dataclass(frozen=True)
class PricedProduct:
    product: Product
    price: Decimal
    currency: str
    price_list_id: int


def get_product(session: Session, *, team_id: str, product_id: int) -> Product | None:
    return session.exec(select(Product).where(Product.team_id == team_id, Product.id == product_id)).first()


def upsert_product(session: Session, *, team_id: str, name: str, unit: str = "unit", description: str = "") -> Product:
    """The product named `name` (case- and accent-insensitive), created or updated."""
    key = fold(name)[:200]
    product = session.exec(select(Product).where(Product.team_id == team_id, Product.name_key == key)).first()
    if product is None:
        product = Product(team_id=team_id, name=name.strip()[:200], name_key=key)
    product.unit = (unit or "unit").strip()[:32]
    if description:
        product.description = description.strip()[:2000]
    session.add(product)
    session.flush()
    return product


def ensure_price_list(
    session: Session, *, team_id: str, name: str = DEFAULT_PRICE_LIST, currency: str = "EUR"
) -> PriceList:
    """The price list `name`; the first price list of a workspace becomes its default."""
    price_list = session.exec(select(PriceList).where(PriceList.team_id == team_id, PriceList.name == name)).first()
    if price_list is None:
        has_default = session.exec(
            select(PriceList.id).where(PriceList.team_id == team_id, col(PriceList.is_default).is_(True))
        ).first()
        price_list = PriceList(
            team_id=team_id, name=name[:100], currency=currency.upper()[:3], is_default=has_default is None
        )
        session.add(price_list)
        session.flush()
    return price_list


def set_price(session: Session, *, team_id: str, price_list_id: int, product_id: int, price: Decimal) -> PriceListItem:
    item = session.exec(
        select(PriceListItem).where(
            PriceListItem.team_id == team_id,
            PriceListItem.price_list_id == price_list_id,
            PriceListItem.product_id == product_id,
        )
    ).first()
    if item is None:
        item = PriceListItem(team_id=team_id, price_list_id=price_list_id, product_id=product_id, price=price)
    item.price = price
    session.add(item)
    session.flush()
    return item


def price_lists(session: Session, *, team_id: str) -> list[PriceList]:
    query = (
        select(PriceList)
        .where(PriceList.team_id == team_id)
        .order_by(col(PriceList.is_default).desc(), col(PriceList.id))
    )
    return list(session.exec(query))


def price_list_for(session: Session, *, team_id: str, currency: str) -> PriceList | None:
    """The price list an opportunity in `currency` sells from: the default one if it is in that
    currency, else the first in that currency, else none."""
    lists = price_lists(session, team_id=team_id)
    return next((p for p in lists if p.currency == currency.upper()), None)


def _priced_query(team_id: str, price_list_id: int) -> Any:
    return (
        sa.select(Product, col(PriceListItem.price), col(PriceList.currency))
        .join(
            PriceListItem,
            sa.and_(col(PriceListItem.product_id) == col(Product.id), col(PriceListItem.team_id) == team_id),
        )
        .join(
            PriceList, sa.and_(col(PriceList.id) == col(PriceListItem.price_list_id), col(PriceList.team_id) == team_id)
        )
        .where(col(Product.team_id) == team_id, col(PriceListItem.price_list_id) == price_list_id)
    )


def priced_products(
    session: Session, *, team_id: str, price_list_id: int, pattern: str | None = None, limit: int = 100
) -> list[PricedProduct]:
    query = _priced_query(team_id, price_list_id)
    if pattern:
        query = query.where(col(Product.name_key).like(pattern, escape="\\"))
    query = query.order_by(col(Product.name_key)).limit(limit)
    rows = session.execute(query).all()
    return [PricedProduct(product, price, currency, price_list_id) for product, price, currency in rows]


def count_priced_products(session: Session, *, team_id: str, price_list_id: int) -> int:
    query = (
        select(sa.func.count())
        .select_from(PriceListItem)
        .where(PriceListItem.team_id == team_id, PriceListItem.price_list_id == price_list_id)
    )
    return int(session.exec(query).one())


def priced_product(session: Session, *, team_id: str, price_list_id: int, product_id: int) -> PricedProduct | None:
    query = _priced_query(team_id, price_list_id).where(col(Product.id) == product_id)
    row = session.execute(query).first()
    return PricedProduct(row[0], row[1], row[2], price_list_id) if row else None


def search_pattern(text: str) -> str:
    return like_pattern(text)


# --- CSV import ------------------------------------------------------------------------------------

PRODUCT_COLUMNS = ("name", "unit", "description", "price", "currency", "price_list")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    def summary(self) -> str:
        text = f"{self.created} products created, {self.updated} updated, {len(self.rejected)} rows rejected"
        details = "".join(f"\n  row {row}: {reason}" for row, reason in self.rejected[:50])
        return text + details


def read_product_rows(text: str) -> tuple[list[dict[str, str]], str | None]:
    """Rows of a product CSV (header `name,unit,description,price,currency,price_list`; only `name`
    and `price` are required), or an error about the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header or "price" not in header:
        return [], "the first line must name the columns, with at least name and price"
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)})
    return rows, None


def import_products(
    session: Session,
    *,
    team_id: str,
    rows: Iterable[dict[str, str]],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update products and their prices; a bad row is reported with its row number (the
    header is row 1) and skipped."""
    report = ImportReport()
    for number, row in enumerate(rows, start=2):
        name = row.get("name", "")
        if not name:
            report.rejected.append((number, "name is empty"))
        else:
            try:
                price = parse_amount(row.get("price", ""))
            except ParseError as error:
                report.rejected.append((number, f"price: {error.message}"))
                price = None
            else:
                if price is None:
                    report.rejected.append((number, "price is empty"))
            currency = (row.get("currency") or "EUR").upper()
            if price is not None and not (len(currency) == 3 and currency.isalpha()):
                report.rejected.append((number, f"currency {currency!r} is not a 3-letter code such as EUR"))
                price = None
            if price is not None:
                key = fold(name)[:200]
                existed = session.exec(
                    select(Product.id).where(Product.team_id == team_id, Product.name_key == key)
                ).first()
                product = upsert_product(
                    session,
                    team_id=team_id,
                    name=name,
                    unit=row.get("unit") or "unit",
                    description=row.get("description", ""),
                )
                price_list = ensure_price_list(
                    session, team_id=team_id, name=row.get("price_list") or DEFAULT_PRICE_LIST, currency=currency
                )
                if price_list.currency != currency:
                    report.rejected.append((number, f"price list {price_list.name!r} is in {price_list.currency}"))
                else:
                    set_price(
                        session,
                        team_id=team_id,
                        price_list_id=price_list.id or 0,
                        product_id=product.id or 0,
                        price=price,
                    )
                    if existed:
                        report.updated += 1
                    else:
                        report.created += 1
        if progress is not None:
            progress(number - 1)
    return report


# --- sales literature ------------------------------------------------------------------------------


def add_literature(
    session: Session,
    *,
    team_id: str,
    title: str,
    url: str = "",
    description: str = "",
    product_ids: list[int] | None = None,
    slack_file_id: str | None = None,
    created_by: str = "",
) -> Literature:
    item = Literature(
        team_id=team_id,
        title=title[:200],
        url=url[:3000],
        description=description[:2000],
        product_ids=list(product_ids or []),
        slack_file_id=slack_file_id,
        created_by=created_by,
    )
    session.add(item)
    session.flush()
    return item


def literature(session: Session, *, team_id: str) -> list[Literature]:
    query = select(Literature).where(Literature.team_id == team_id).order_by(col(Literature.title))
    return list(session.exec(query))


def get_literature(session: Session, *, team_id: str, ids: Iterable[int]) -> list[Literature]:
    wanted = list(ids)
    if not wanted:
        return []
    query = select(Literature).where(Literature.team_id == team_id, col(Literature.id).in_(wanted))
    return list(session.exec(query))


def suggest_literature(session: Session, *, team_id: str, product_ids: Iterable[int]) -> list[Literature]:
    """The library with the items covering any of `product_ids` first (most covered first)."""
    wanted = set(product_ids)
    items = literature(session, team_id=team_id)
    return sorted(items, key=lambda item: (-len(wanted & set(item.product_ids or [])), item.title.casefold()))
