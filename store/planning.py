"""What the scheduler's planner reads: workspaces with work, existing outbox keys, overdue tasks,
open and stale deals, users and their zones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.kinds import OpportunityStatus, RecordType, TaskStatus
from store.listing import capped_count_statement
from store.models import Activity, Opportunity, Outbox, SlackUser, Task
from store.prepared import PreparedQuery, Reader, session_reader


def teams_with_work(session: Session) -> set[str]:
    """Every workspace with a known user, a task or a deal."""
    teams = set(session.exec(select(SlackUser.team_id).distinct()))
    reader = session_reader(session)
    for table in (_TASK, _OPP):  # closed work too: one index seek per workspace, not a read of every row
        teams |= set(_distinct(reader, _TEAM_AFTER[table.name], {}))
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


Source = Session | Reader  # the planner reads many owners on one Reader of its session (store.prepared)


def _reader(source: Source) -> Reader:
    return source if isinstance(source, Reader) else session_reader(source)


def owners_with_tasks(source: Source, *, team_id: str) -> list[str]:
    return _distinct(_reader(source), _OWNER_AFTER[_TASK.name], {"team": team_id})


def owners_with_deals(source: Source, *, team_id: str) -> list[str]:
    return _distinct(_reader(source), _OWNER_AFTER[_OPP.name], {"team": team_id})


def _distinct(reader: Reader, query: PreparedQuery, values: dict[str, str]) -> list[str]:
    """Each distinct value of an indexed column, one index seek per value (a loose index scan): the 50
    owners of a workspace's 1M opportunities cost 50 seeks, not a read of every row."""
    found: list[str] = []
    while (value := reader.scalar(query, {**values, "after": found[-1] if found else ""})) is not None:
        found.append(value)
    return found


# Built once (store/prepared.py): the planner runs these per owner every minute, and building and
# caching ORM statements cost 15-20x the SQL itself (bench/planner.py).
_TASK, _OPP, _ACT = Task.__table__, Opportunity.__table__, Activity.__table__  # type: ignore[attr-defined]
_TEAM, _OWNER = sa.bindparam("team", type_=sa.String), sa.bindparam("owner", type_=sa.String)
_LIMIT, _AFTER = sa.bindparam("limit", type_=sa.Integer), sa.bindparam("after", type_=sa.String)
_OWNER_AFTER = {
    table.name: PreparedQuery(
        sa.select(sa.func.min(table.c.owner_id)).where(
            table.c.team_id == _TEAM, table.c.owner_id > sa.bindparam("after")
        )
    )
    for table in (_TASK, _OPP)
}
_TEAM_AFTER = {
    table.name: PreparedQuery(sa.select(sa.func.min(table.c.team_id)).where(table.c.team_id > _AFTER))
    for table in (_TASK, _OPP)
}
_OVERDUE_TASKS = PreparedQuery(
    sa.select(_TASK.c.id, _TASK.c.owner_id, _TASK.c.record_type, _TASK.c.record_id)
    .where(_TASK.c.team_id == _TEAM, _TASK.c.owner_id == _OWNER, _TASK.c.status == TaskStatus.OPEN,
           _TASK.c.due_at < sa.bindparam("before", type_=_TASK.c.due_at.type))
    .order_by(_TASK.c.due_at, _TASK.c.id)
    .limit(_LIMIT)
)  # fmt: skip


class OverdueTask(NamedTuple):
    id: int
    owner_id: str
    record_type: str | None
    record_id: int | None


def overdue_tasks_of(source: Source, *, team_id: str, owner_id: str, before: datetime, limit: int) -> list[OverdueTask]:
    """An owner's open tasks due before `before`, the longest overdue first (ix_task_owner_status_due)."""
    values = {"team": team_id, "owner": owner_id, "before": before, "limit": limit}
    return [OverdueTask._make(row) for row in _reader(source).all(_OVERDUE_TASKS, values)]


class OpenDeal(NamedTuple):
    id: int
    owner_id: str
    topic: str
    estimated_close_date: date | None


_OWNERS_OPEN = sa.and_(_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _OWNER, _OPP.c.status == OpportunityStatus.OPEN)
_PAST_CLOSE = sa.and_(
    _OPP.c.estimated_close_date.is_not(None),
    _OPP.c.estimated_close_date < sa.bindparam("day", type_=_OPP.c.estimated_close_date.type),
)
_BEFORE = sa.bindparam("before", type_=_OPP.c.created_at.type)
# Created before `before` and no timeline entry since (each deal probes ix_activity_record).
_STALE = sa.and_(
    _OPP.c.created_at < _BEFORE,
    ~sa.exists().where(
        _ACT.c.team_id == _TEAM,
        _ACT.c.record_type == RecordType.OPPORTUNITY,
        _ACT.c.record_id == _OPP.c.id,
        _ACT.c.deleted.is_(False),
        _ACT.c.occurred_at >= _BEFORE,
    ),
)


def _first_deals(condition: Any) -> PreparedQuery:
    """An owner's open deals matching `condition`, earliest close date first, in the order of
    ix_opportunity_owner_close (no sort of the owner's deals)."""
    columns = (_OPP.c.id, _OPP.c.owner_id, _OPP.c.topic, _OPP.c.estimated_close_date)
    query = sa.select(*columns).where(_OWNERS_OPEN, condition)
    return PreparedQuery(query.order_by(_OPP.c.estimated_close_date, _OPP.c.id).limit(_LIMIT))


def _count(condition: Any) -> PreparedQuery:
    return PreparedQuery(sa.select(sa.func.count()).select_from(_OPP).where(_OWNERS_OPEN, condition))


def _first_keys(condition: Any) -> PreparedQuery:
    """`_first_deals`' ids and close dates only: what a nudge row names (read for 50 owners a minute)."""
    query = sa.select(_OPP.c.id, _OPP.c.estimated_close_date).where(_OWNERS_OPEN, condition)
    return PreparedQuery(query.order_by(_OPP.c.estimated_close_date, _OPP.c.id).limit(_LIMIT))


_PAST_CLOSE_DEALS, _PAST_CLOSE_COUNT = _first_deals(_PAST_CLOSE), _count(_PAST_CLOSE)
# A digest says "…and 1,000+ more" stale deals past this: each deal counted probes the timeline index, and a
# rep owning 20,000 idle deals cost 45 of a manager's digest's 60 ms to count them all (bench/busy_rep.py).
STALE_COUNT_CAP = 1_000
_STALE_DEALS = _first_deals(_STALE)
_STALE_COUNT = PreparedQuery(capped_count_statement(sa.select(_OPP.c.id).where(_OWNERS_OPEN, _STALE), STALE_COUNT_CAP))
_PAST_CLOSE_KEYS, _STALE_KEYS = _first_keys(_PAST_CLOSE), _first_keys(_STALE)


def _deals(source: Source, query: PreparedQuery, values: dict[str, Any]) -> list[OpenDeal]:
    return [
        OpenDeal(row[0], row[1], row[2], date.fromisoformat(row[3]) if isinstance(row[3], str) else row[3])
        for row in _reader(source).all(query, values)
    ]


def past_close_of(source: Source, *, team_id: str, owner_id: str, day: date, limit: int) -> list[OpenDeal]:
    """An owner's open deals whose close date is before `day`, the longest overdue first."""
    return _deals(source, _PAST_CLOSE_DEALS, {"team": team_id, "owner": owner_id, "day": day, "limit": limit})


def past_close_dates(reader: Reader, *, team_id: str, owner_id: str, day: date, limit: int) -> list[tuple[int, str]]:
    """`past_close_of`'s ids and close dates as ISO text (SQLite stores them so; PostgreSQL returns dates)."""
    values = {"team": team_id, "owner": owner_id, "day": day, "limit": limit}
    return [
        (row[0], row[1] if isinstance(row[1], str) else row[1].isoformat())
        for row in reader.all(_PAST_CLOSE_KEYS, values)
    ]


def stale_ids(reader: Reader, *, team_id: str, owner_id: str, before: datetime, limit: int) -> list[int]:
    """`stale_of`'s ids."""
    values = {"team": team_id, "owner": owner_id, "before": before, "limit": limit}
    return [row[0] for row in reader.all(_STALE_KEYS, values)]


def count_past_close(session: Session, *, team_id: str, owner_id: str, day: date) -> int:
    return int(session_reader(session).scalar(_PAST_CLOSE_COUNT, {"team": team_id, "owner": owner_id, "day": day}))


def stale_of(source: Source, *, team_id: str, owner_id: str, before: datetime, limit: int) -> list[OpenDeal]:
    """An owner's open deals with no activity since `before` (created before it too), earliest close date first."""
    return _deals(source, _STALE_DEALS, {"team": team_id, "owner": owner_id, "before": before, "limit": limit})


def count_stale(session: Session, *, team_id: str, owner_id: str, before: datetime) -> int:
    """How many of `stale_of`'s deals the owner has, up to STALE_COUNT_CAP + 1 (more than the cap: at least that)."""
    values = {"team": team_id, "owner": owner_id, "before": before}
    return int(session_reader(session).scalar(_STALE_COUNT, values))


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
