"""An opportunity's products (lines) and the revenue they make: bot.domain.revenue applied to the
lines store.opportunities holds, each change written to the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from bot.domain import revenue
from bot.domain.text import like_pattern
from bot.refusals import Refused
from store import catalog
from store import opportunities as opp_store
from store.activities import add_activity
from store.catalog import PricedProduct
from store.models import Opportunity, OpportunityLine, PriceList, Product


@dataclass(frozen=True)
class ProductPicker:
    """The price list an opportunity sells from, its product count, and its products when they are
    few enough to list (`listed_max`); more are searched as the user types."""

    price_list: PriceList
    total: int
    items: list[PricedProduct]


def product_picker(session: Session, opportunity: Opportunity, *, listed_max: int) -> ProductPicker:
    """What Add products offers; `Refused` when the opportunity's currency has nothing to sell."""
    team, currency = opportunity.team_id, opportunity.currency
    price_list = catalog.price_list_for(session, team_id=team, currency=currency)
    if price_list is None:
        raise Refused(
            f"There is no price list in {currency} yet. An admin can load one with "
            "`salesbot import products FILE.csv` (or `salesbot demo` for the Contoso Coffee catalog)."
        )
    list_id = price_list.id or 0
    total = catalog.count_priced_products(session, team_id=team, price_list_id=list_id)
    if total == 0:
        raise Refused(f"The {price_list.name} price list has no products yet.")
    listed = total <= listed_max
    items = catalog.priced_products(session, team_id=team, price_list_id=list_id, limit=listed_max) if listed else []
    return ProductPicker(price_list, total, items)


def matching_products(
    session: Session, *, team_id: str, price_list_id: int, query: str, limit: int = 100
) -> list[PricedProduct]:
    """The price list's products whose name matches what the user typed."""
    pattern = like_pattern(query)
    return catalog.priced_products(session, team_id=team_id, price_list_id=price_list_id, pattern=pattern, limit=limit)


def add_line(
    session: Session,
    opportunity: Opportunity,
    *,
    product: Product,
    unit_price: Decimal,
    quantity: Decimal,
    discount: Decimal,
    currency: str,
    user_id: str,
    now: datetime,
) -> OpportunityLine:
    """Add a product; the first product makes the estimated revenue system-calculated."""
    team, opp_id = opportunity.team_id, opportunity.id or 0
    first = not opp_store.lines_of(session, team_id=team, opportunity_id=opp_id)
    line = opp_store.insert_line(
        session,
        opportunity,
        product=product,
        unit_price=unit_price,
        quantity=quantity,
        discount=discount,
        currency=currency,
    )
    if first:
        opportunity.revenue_mode = "system"
    amount = revenue.line_amount(revenue.Line(quantity, unit_price, discount), currency)
    add_activity(
        session,
        team_id=team,
        record_type="opportunity",
        record_id=opp_id,
        kind="product",
        author_id=user_id,
        occurred_at=now,
        subject=f"Added {revenue.format_quantity(quantity)} × {product.name}",
        body=f"{revenue.format_money(amount, currency)}",
    )
    recompute_revenue(session, opportunity, now=now)
    return line


def remove_lines(
    session: Session, opportunity: Opportunity, *, line_ids: list[int], user_id: str, now: datetime
) -> int:
    rows = [
        line
        for line in opp_store.lines_of(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
        if line.id in set(line_ids)
    ]
    for line in rows:
        opp_store.delete_line(session, line)
        add_activity(
            session,
            team_id=opportunity.team_id,
            record_type="opportunity",
            record_id=opportunity.id or 0,
            kind="product",
            author_id=user_id,
            occurred_at=now,
            subject=f"Removed {revenue.format_quantity(line.quantity)} × {line.product_name}",
        )
    session.flush()
    if rows:
        recompute_revenue(session, opportunity, now=now)
    return len(rows)


def recompute_revenue(session: Session, opportunity: Opportunity, *, now: datetime) -> None:
    """System-calculated revenue = Σ(quantity × price − discount) of the lines; user-provided stays."""
    if opportunity.revenue_mode == "system":
        lines = opp_store.lines_of(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
        opportunity.estimated_revenue = revenue.lines_total(
            [revenue.Line(line.quantity, line.unit_price, line.discount) for line in lines], opportunity.currency
        )
    opportunity.updated_at = now
    session.add(opportunity)
    session.flush()
