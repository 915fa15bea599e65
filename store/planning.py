"""What the scheduler's planner reads: workspaces with work, existing outbox keys, overdue tasks,
open and stale deals, users and their zones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.kinds import OpportunityStatus, RecordType, TaskStatus
from store.models import Activity, Opportunity, Outbox, SlackUser, Task


def teams_with_work(session: Session) -> set[str]:
    """Every workspace with a known user, an open task or an open deal."""
    teams = set(session.exec(select(SlackUser.team_id).distinct()))
    teams |= set(session.exec(select(Task.team_id).where(Task.status == TaskStatus.OPEN).distinct()))
    teams |= set(
        session.exec(select(Opportunity.team_id).where(Opportunity.status == OpportunityStatus.OPEN).distinct())
    )
    return teams


def existing_keys(session: Session, *, team_id: str, keys: Iterable[str]) -> set[str]:
    """Which of these outbox dedupe keys the workspace already has (any status)."""
    wanted, found = list(keys), set[str]()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(Outbox.dedupe_key).where(Outbox.team_id == team_id, col(Outbox.dedupe_key).in_(chunk))
        found |= set(session.exec(query))
    return found


def zones(session: Session, *, team_id: str) -> dict[str, str]:
    """Each known user's time zone."""
    return dict(session.exec(select(SlackUser.user_id, SlackUser.tz).where(SlackUser.team_id == team_id)).all())


def users_of(session: Session, *, team_id: str) -> list[SlackUser]:
    return list(session.exec(select(SlackUser).where(SlackUser.team_id == team_id)))


def open_tasks_due_before(session: Session, *, team_id: str, now: datetime) -> list[Task]:
    query = select(Task).where(Task.team_id == team_id, Task.status == TaskStatus.OPEN, Task.due_at < now)
    return list(session.exec(query.order_by(col(Task.due_at))))


def open_opportunities(session: Session, *, team_id: str) -> list[Opportunity]:
    return list(
        session.exec(
            select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.status == OpportunityStatus.OPEN)
        )
    )


def last_activity_at(session: Session, *, team: str, opportunity_ids: list[int]) -> dict[int, datetime]:
    if not opportunity_ids:
        return {}
    query = (
        select(Activity.record_id, sa.func.max(Activity.occurred_at))
        .where(
            Activity.team_id == team,
            Activity.record_type == RecordType.OPPORTUNITY,
            col(Activity.record_id).in_(opportunity_ids),
            col(Activity.deleted).is_(False),
        )
        .group_by(col(Activity.record_id))
    )
    result: dict[int, datetime] = {}
    for record_id, at in session.exec(query).all():
        if isinstance(at, str):  # SQLite may hand back the aggregate untyped
            at = datetime.fromisoformat(at)
        if isinstance(at, datetime):
            result[int(record_id)] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return result


def stale_opportunities(
    session: Session, *, team: str, owner_ids: list[str] | None, before: datetime
) -> list[Opportunity]:
    """Open opportunities with no activity since `before` (created before it too)."""
    query = select(Opportunity).where(
        Opportunity.team_id == team, Opportunity.status == OpportunityStatus.OPEN, Opportunity.created_at < before
    )
    if owner_ids is not None:
        query = query.where(col(Opportunity.owner_id).in_(owner_ids))
    candidates = list(session.exec(query))
    latest = last_activity_at(session, team=team, opportunity_ids=[o.id or 0 for o in candidates])
    return [o for o in candidates if latest.get(o.id or 0, o.created_at) < before]
