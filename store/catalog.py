"""Products, price lists and sales literature. Every function takes the workspace (`team_id`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

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


def product_by_key(session: Session, *, team_id: str, name_key: str) -> Product | None:
    """The product whose folded name (`bot.domain.text.fold`) is `name_key`."""
    query = select(Product).where(Product.team_id == team_id, Product.name_key == name_key[:200])
    return session.exec(query).first()


def upsert_product(
    session: Session, *, team_id: str, name: str, name_key: str, unit: str = "unit", description: str = ""
) -> Product:
    """The product whose folded name is `name_key` (the caller folds `name`), created or updated."""
    key = name_key[:200]
    product = product_by_key(session, team_id=team_id, name_key=key)
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


# --- admin: price lists -----------------------------------------------------------------------------


def get_price_list(session: Session, *, team_id: str, price_list_id: int) -> PriceList | None:
    return session.exec(select(PriceList).where(PriceList.team_id == team_id, PriceList.id == price_list_id)).first()


def price_list_named(session: Session, *, team_id: str, name: str) -> PriceList | None:
    query = select(PriceList).where(PriceList.team_id == team_id, sa.func.lower(PriceList.name) == name.lower())
    return session.exec(query).first()


def products_of(session: Session, *, team_id: str, limit: int = 100) -> list[Product]:
    query = select(Product).where(Product.team_id == team_id).order_by(col(Product.name_key)).limit(limit)
    return list(session.exec(query))


def product_counts(session: Session, *, team_id: str) -> dict[int, int]:
    """Priced products per price list id."""
    query = (
        sa.select(col(PriceListItem.price_list_id), sa.func.count())
        .where(col(PriceListItem.team_id) == team_id)
        .group_by(col(PriceListItem.price_list_id))
    )
    return {int(list_id): int(count) for list_id, count in session.execute(query).all()}
