"""The reads of the morning digest (scheduler/digests.py builds it from these)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from store.kinds import OpportunityStatus
from store.models import Activity, Opportunity, StageChange
from store.unindexed import in_team_by_ids


def activity_kinds_by_author(
    session: Session, *, team_id: str, authors: Collection[str], start: datetime, end: datetime
) -> Sequence[tuple[str, str]]:
    """(author, kind) of every timeline entry the authors wrote in [start, end), deleted ones left out."""
    return session.exec(
        select(Activity.author_id, Activity.kind).where(
            Activity.team_id == team_id,
            col(Activity.author_id).in_(authors),
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
            col(Activity.deleted).is_(False),
        )
    ).all()


def open_past_close_date(
    session: Session, *, team_id: str, owners: Collection[str], day: date
) -> Sequence[Opportunity]:
    return session.exec(
        select(Opportunity).where(
            Opportunity.team_id == team_id,
            Opportunity.status == OpportunityStatus.OPEN,
            col(Opportunity.owner_id).in_(owners),
            col(Opportunity.estimated_close_date).is_not(None),
            col(Opportunity.estimated_close_date) < day,
        )
    ).all()


def stage_changes_between(
    session: Session, *, team_id: str, owners: Collection[str], start: datetime, end: datetime
) -> Sequence[StageChange]:
    return session.exec(
        select(StageChange)
        .where(
            StageChange.team_id == team_id,
            col(StageChange.owner_id).in_(owners),
            StageChange.at >= start,
            StageChange.at < end,
        )
        .order_by(col(StageChange.at))
    ).all()


def opportunities_by_id(session: Session, *, team_id: str, ids: Collection[int]) -> dict[int, Opportunity]:
    if not ids:
        return {}
    rows = session.exec(select(Opportunity).where(in_team_by_ids(Opportunity, team_id, ids)))
    return {o.id or 0: o for o in rows}
