"""Quotes, their lines and sales orders: rows and queries, every one scoped by workspace.

State changes that two clicks could race on (approve, accept, …) are conditional UPDATEs: the
row changes only while it still has the status (and edit version) the click saw, and the caller
learns whether it won. Numbers come from `document_counter`, claimed with one UPDATE … RETURNING.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.listing import counted_page
from store.models import DocumentCounter, Quote, QuoteLine, SalesOrder


def claim_number(session: Session, *, team_id: str, kind: str) -> int:
    """The next number of `kind` in the workspace; concurrent callers never get the same one
    (the UPDATE holds the counter row until the transaction ends)."""
    table = sa.table("document_counter", sa.column("team_id"), sa.column("kind"), sa.column("last"))
    claim = (
        sa.update(table)
        .where(table.c.team_id == team_id, table.c.kind == kind)
        .values(last=table.c.last + 1)
        .returning(table.c.last)
    )
    for _ in range(3):
        number = session.execute(claim).scalar()
        if number is not None:
            return int(number)
        try:
            with session.begin_nested():
                session.add(DocumentCounter(team_id=team_id, kind=kind, last=1))
            return 1
        except IntegrityError:  # another transaction created the counter first: claim from it
            continue
    raise RuntimeError(f"could not claim a {kind} number")  # pragma: no cover


def get_quote(session: Session, *, team_id: str, quote_id: int) -> Quote | None:
    return session.exec(select(Quote).where(Quote.team_id == team_id, Quote.id == quote_id)).first()


def quotes_of(session: Session, *, team_id: str, opportunity_id: int) -> list[Quote]:
    query = (
        select(Quote)
        .where(Quote.team_id == team_id, Quote.opportunity_id == opportunity_id)
        .order_by(col(Quote.number), col(Quote.revision))
    )
    return list(session.exec(query))


def newest_quotes_of(
    session: Session, *, team_id: str, opportunity_id: int, leaving_out: Iterable[str], limit: int
) -> list[Quote]:
    """The opportunity's newest `limit` quotes (by number, then revision) not in a `leaving_out` status: its
    card shows a few, however many revisions the deal went through."""
    query = (
        select(Quote)
        .where(
            Quote.team_id == team_id,
            Quote.opportunity_id == opportunity_id,
            col(Quote.status).not_in(list(leaving_out)),
        )
        .order_by(col(Quote.number).desc(), col(Quote.revision).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def pending_for(session: Session, *, team_id: str, approver_id: str, limit: int) -> tuple[list[Quote], int]:
    """The first `limit` quotes waiting for the approver's decision, oldest submission first, and how many
    there are (capped, store/listing.py): an approver with hundreds waiting reads `limit` of them."""
    query = select(Quote).where(Quote.team_id == team_id, Quote.approver_id == approver_id, Quote.status == "in_review")
    return counted_page(session, query, col(Quote.submitted_at), col(Quote.id), limit=limit)


def waiting_for_home(team: sa.BindParameter[str], user: sa.BindParameter[str], today: sa.BindParameter[date]) -> Any:
    """Whether App Home has a quote to show (`pending_for` or `expired_of` would find one), as a column of
    App Home's probes (store/home_probes.py): two index probes outside the ORM, so the usual Home without
    quotes reads no Quote objects."""
    quote = Quote.__table__  # type: ignore[attr-defined]
    pending = sa.select(quote.c.id).where(
        quote.c.team_id == team, quote.c.approver_id == user, quote.c.status == "in_review"
    )
    expired = sa.select(quote.c.id).where(
        quote.c.team_id == team, quote.c.owner_id == user, quote.c.status == "active", quote.c.valid_until < today
    )
    return sa.exists(pending.limit(1)) | sa.exists(expired.limit(1))


def expired_of(session: Session, *, team_id: str, owner_id: str, today: date, limit: int) -> tuple[list[Quote], int]:
    """The owner's first `limit` Active quotes past their valid-until date (shown as expired; never changed
    silently), and how many there are (capped)."""
    query = (
        select(Quote)
        .where(Quote.team_id == team_id, Quote.owner_id == owner_id, Quote.status == "active")
        .where(col(Quote.valid_until) < today)
    )
    return counted_page(session, query, col(Quote.valid_until), col(Quote.id), limit=limit)


def lines_of(session: Session, *, team_id: str, quote_id: int) -> list[QuoteLine]:
    query = select(QuoteLine).where(QuoteLine.team_id == team_id, QuoteLine.quote_id == quote_id)
    return list(session.exec(query.order_by(col(QuoteLine.id))))


def add_lines(session: Session, lines: Iterable[QuoteLine]) -> None:
    for line in lines:
        session.add(line)
    session.flush()


def delete_lines(session: Session, lines: Iterable[QuoteLine]) -> None:
    for line in lines:
        session.delete(line)
    session.flush()


def transition(
    session: Session,
    *,
    team_id: str,
    quote_id: int,
    from_status: Iterable[str],
    values: dict[str, Any],
    version: int | None = None,
) -> bool:
    """Set `values` on the quote only if its status is one of `from_status` (and its edit version
    is `version`, when given). True when this call made the change: of two racing clicks one wins."""
    conditions = [
        col(Quote.team_id) == team_id,
        col(Quote.id) == quote_id,
        col(Quote.status).in_(list(from_status)),
    ]
    if version is not None:
        conditions.append(col(Quote.version) == version)
    result = session.execute(sa.update(Quote).where(*conditions).values(**values))
    session.expire_all()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def get_order(session: Session, *, team_id: str, order_id: int) -> SalesOrder | None:
    return session.exec(select(SalesOrder).where(SalesOrder.team_id == team_id, SalesOrder.id == order_id)).first()


def order_of_quote(session: Session, *, team_id: str, quote_id: int) -> SalesOrder | None:
    query = select(SalesOrder).where(SalesOrder.team_id == team_id, SalesOrder.quote_id == quote_id)
    return session.exec(query).first()


def orders_of(session: Session, *, team_id: str, opportunity_id: int) -> list[SalesOrder]:
    query = (
        select(SalesOrder)
        .where(SalesOrder.team_id == team_id, SalesOrder.opportunity_id == opportunity_id)
        .order_by(col(SalesOrder.number))
    )
    return list(session.exec(query))


def set_order_status(
    session: Session, *, team_id: str, order_id: int, from_status: str, to_status: str, now: datetime
) -> bool:
    result = session.execute(
        sa.update(SalesOrder)
        .where(
            col(SalesOrder.team_id) == team_id, col(SalesOrder.id) == order_id, col(SalesOrder.status) == from_status
        )
        .values(status=to_status, updated_at=now)
    )
    session.expire_all()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def orders_of_many(session: Session, *, team_id: str, opportunity_ids: list[int], limit: int = 50) -> list[SalesOrder]:
    """The orders of several opportunities (e.g. an account's), newest first."""
    if not opportunity_ids:
        return []
    query = (
        select(SalesOrder)
        .where(SalesOrder.team_id == team_id, col(SalesOrder.opportunity_id).in_(opportunity_ids))
        .order_by(col(SalesOrder.number).desc())
        .limit(limit)
    )
    return list(session.exec(query))
