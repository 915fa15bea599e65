"""`/salesbot catalog`: the price lists with their first products, and the sales literature library
(admins and managers add to it).

The caller owns the transaction; nothing here talks to Slack or builds Block Kit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from store import catalog
from store.catalog import PricedProduct
from store.models import Literature, PriceList

LITERATURE_EDITORS_ONLY = "Only admins and managers can change the literature library."
LINK = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class PriceListShown:
    price_list: PriceList
    items: list[PricedProduct]  # the first ones, by name
    total: int  # how many products it prices


@dataclass(frozen=True)
class Catalog:
    price_lists: list[PriceListShown]
    literature: list[Literature]


def may_edit_literature(role: str) -> bool:
    return role in ("admin", "manager")


def catalog_of(session: Session, *, team_id: str, shown: int) -> Catalog:
    """Every price list with its first `shown` products and its product count, and the literature."""
    lists = [
        PriceListShown(
            price_list,
            catalog.priced_products(session, team_id=team_id, price_list_id=price_list.id or 0, limit=shown),
            catalog.count_priced_products(session, team_id=team_id, price_list_id=price_list.id or 0),
        )
        for price_list in catalog.price_lists(session, team_id=team_id)
    ]
    return Catalog(lists, catalog.literature(session, team_id=team_id))


def literature_products(session: Session, *, team_id: str) -> list[PricedProduct]:
    """The products literature can be about: the first 100 of the default (first) price list."""
    default = next(iter(catalog.price_lists(session, team_id=team_id)), None)
    if default is None:
        return []
    return catalog.priced_products(session, team_id=team_id, price_list_id=default.id or 0, limit=100)


def literature_errors(*, role: str, title: str, url: str, has_file: bool) -> dict[str, str]:
    """Field errors of the Add literature modal (none: it may be saved)."""
    errors = {}
    if not may_edit_literature(role):
        errors["title"] = LITERATURE_EDITORS_ONLY
    if not title:
        errors["title"] = "Enter a title."
    if not LINK.match(url) and not has_file:
        errors["url"] = "Give a link starting with https:// or upload a file."
    return errors


def add_literature(
    session: Session,
    *,
    team_id: str,
    title: str,
    description: str,
    url: str,
    slack_file_id: str | None,
    product_ids: list[int],
    created_by: str,
) -> Literature:
    return catalog.add_literature(
        session,
        team_id=team_id,
        title=title,
        description=description,
        url=url,
        slack_file_id=slack_file_id,
        product_ids=product_ids,
        created_by=created_by,
    )
