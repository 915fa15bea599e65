"""Lost and disqualify reasons a workspace keeps (bot/services/reasons.py decides what is offered)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.models import SalesReason


def reasons_of(session: Session, *, team_id: str, kind: str) -> list[SalesReason]:
    """Every reason of `kind`, retired ones included, in the order they are offered."""
    query = (
        select(SalesReason)
        .where(SalesReason.team_id == team_id, SalesReason.kind == kind)
        .order_by(col(SalesReason.position), col(SalesReason.id))
    )
    return list(session.exec(query))


def get_reason(session: Session, *, team_id: str, reason_id: int) -> SalesReason | None:
    query = select(SalesReason).where(SalesReason.team_id == team_id, SalesReason.id == reason_id)
    return session.exec(query).first()


def add_reason(
    session: Session, *, team_id: str, kind: str, name: str, name_key: str, position: int, code: str = ""
) -> SalesReason:
    row = SalesReason(
        team_id=team_id, kind=kind, name=name[:64], name_key=name_key[:64], code=code[:16], position=position
    )
    session.add(row)
    session.flush()
    return row
