"""Lead queries. Every function takes the workspace (`team_id`) and filters on it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer, visible
from store.models import Lead, utcnow


def create_lead(session: Session, *, team_id: str, owner_id: str, values: Mapping[str, Any]) -> Lead:
    lead = Lead(team_id=team_id, owner_id=owner_id, **values)
    session.add(lead)
    session.flush()
    return lead


def get_lead(session: Session, *, team_id: str, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id)).first()


def get_visible_lead(session: Session, *, viewer: Viewer, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(visible(Lead, "lead", viewer), Lead.id == lead_id)).first()


class LeadSummary(NamedTuple):
    """What a lead list shows: read without building full ORM objects (the hot path of `/lead list`)."""

    id: int
    topic: str
    first_name: str
    last_name: str
    company: str
    status: str


def open_leads(session: Session, *, team_id: str, owner_id: str, limit: int = 20) -> tuple[list[LeadSummary], int]:
    """The owner's most recently updated open leads, and how many open leads they have in all
    (one query: the total comes from a window function over the same filter)."""
    query = (
        sa.select(
            col(Lead.id),
            col(Lead.topic),
            col(Lead.first_name),
            col(Lead.last_name),
            col(Lead.company),
            col(Lead.status),
            sa.func.count().over().label("total"),
        )
        .where(col(Lead.team_id) == team_id, col(Lead.owner_id) == owner_id, col(Lead.status) == "open")
        .order_by(col(Lead.updated_at).desc(), col(Lead.id).desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    return [LeadSummary(*row[:6]) for row in rows], (rows[0][6] if rows else 0)


def _search(viewer: Viewer, pattern: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        visible(Lead, "lead", viewer),
        col(Lead.search_text).like(pattern, escape="\\"),
        col(Lead.status) != "draft",
    )


def search_leads(session: Session, *, viewer: Viewer, pattern: str, limit: int = 10) -> list[Lead]:
    """Leads the viewer may see whose folded name, company, email or topic match `pattern` (LIKE)."""
    query = (
        select(Lead)
        .where(_search(viewer, pattern))
        .order_by(col(Lead.status) != "open", col(Lead.updated_at).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def count_search_leads(session: Session, *, viewer: Viewer, pattern: str) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Lead).where(_search(viewer, pattern))).one())


def touch(lead: Lead) -> None:
    lead.updated_at = utcnow()


def delete_drafts(session: Session, *, created_before: datetime) -> int:
    """Delete leads still in `draft` status (a duplicate warning nobody answered) created before the
    cut-off. A housekeeping query, so it spans every workspace; drafts have no timeline or other rows."""
    statement = sa.delete(Lead).where(col(Lead.status) == "draft", col(Lead.created_at) < created_before)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def possible_duplicates(
    session: Session, *, team_id: str, email_key: str, identity_key: str, exclude_id: int | None = None, limit: int = 5
) -> list[Lead]:
    """Leads (drafts aside) with the same email key or the same company + name key."""
    conditions = []
    if email_key:
        conditions.append(col(Lead.email_key) == email_key)
    if identity_key:
        conditions.append(col(Lead.identity_key) == identity_key)
    if not conditions:
        return []
    query = select(Lead).where(Lead.team_id == team_id, sa.or_(*conditions), Lead.status != "draft")
    if exclude_id is not None:
        query = query.where(Lead.id != exclude_id)
    return list(session.exec(query.order_by(col(Lead.id)).limit(limit)))
