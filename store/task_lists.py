"""The hot read of `/task list`, outside the ORM (store/prepared.py), in one statement: a user's first open
tasks along ix_task_owner_status_due (only the ties of one due time are sorted), the title of each record
they are about (by primary key), their exact count (store/owner_counts.py; a due window's: capped,
store/listing.py) and the owner's stored time zone."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from store.kinds import TaskStatus
from store.listing import COUNT_CAP, capped_count_statement
from store.models import Lead, Opportunity, Task
from store.owner_counts import open_count
from store.prepared import PreparedQuery, Reader, packed_rows, unindexed_team
from store.records import RecordTitle
from store.users import StoredZone, read_zone, zone_columns, zone_of


class TaskSummary(NamedTuple):
    """What a line of `/task list` shows of a task (bot.views.tasks.TaskLine)."""

    id: int
    title: str
    kind: str
    due_at: datetime
    priority: int
    enrollment_id: int | None
    record_type: str | None
    record_id: int | None


_TASK = Task.__table__  # type: ignore[attr-defined]
_LEAD, _OPPORTUNITY = Lead.__table__, Opportunity.__table__  # type: ignore[attr-defined]
_TEAM, _OWNER = sa.bindparam("team", type_=sa.String), sa.bindparam("owner", type_=sa.String)
_OPEN = (_TASK.c.team_id == _TEAM, _TASK.c.owner_id == _OWNER, _TASK.c.status == TaskStatus.OPEN)
_COLUMNS = ("id", "title", "kind", "due_at", "priority", "enrollment_id", "record_type", "record_id")
_DUE_BEFORE, _DUE_SINCE = _TASK.c.due_at < sa.bindparam("before"), _TASK.c.due_at >= sa.bindparam("after")


def _about(table: Any, record_type: str) -> sa.ColumnElement[bool]:
    """The task is about this row of `table` (a lead or an opportunity of the workspace), read by primary key
    (SQLite: `+table.team_id`, else it walked the workspace's index on team_id)."""
    kind = _TASK.c.record_type == sa.literal_column(f"'{record_type}'", sa.String)
    return sa.and_(kind, table.c.id == _TASK.c.record_id, unindexed_team(table) == _TEAM)


def _page(
    dialect: str, limit: int, conditions: tuple[Any, ...], exact: bool = False, zone: bool = False
) -> sa.Select[Any]:
    """The first `limit` tasks meeting `conditions`, each with the title of the record it is about (a left
    join by primary key per kind), and their count as an uncorrelated scalar subquery (evaluated once beside
    the page; `exact`: all the owner's open tasks, their group of owner_count, store/owner_counts.py; else capped,
    store/listing.py): one statement, where four reads (page, count, a title read per kind) were most of
    `/task list`'s own CPU. The limit is written into the SQL, not bound: PostgreSQL's generic plan
    (`reading(..., generic_plans=True)`) would not know it is small and would sort all the owner's tasks.
    SQLite: the page packed in one JSON array (store.prepared.packed_rows). `zone`: each row also carries the
    owner's stored time zone (store.users.zone_columns, evaluated once), which `/task list` read on its own."""
    capped = capped_count_statement(sa.select(sa.literal(1)).select_from(_TASK).where(*conditions))
    count = open_count("task", _TEAM, _OWNER) if exact else capped.scalar_subquery()
    titles = (_LEAD.c.topic, _LEAD.c.company, _OPPORTUNITY.c.topic, _OPPORTUNITY.c.account_name)
    joined = _TASK.outerjoin(_LEAD, _about(_LEAD, "lead"))
    joined = joined.outerjoin(_OPPORTUNITY, _about(_OPPORTUNITY, "opportunity"))
    columns = (*(_TASK.c[name] for name in _COLUMNS), *titles, count, *(zone_columns(_TEAM, _OWNER) if zone else ()))
    query = sa.select(*columns).select_from(joined).where(*conditions)
    order = (_TASK.c.due_at, _TASK.c.priority, _TASK.c.id)
    return packed_rows(dialect, query.order_by(*order).limit(sa.literal_column(str(int(limit)), sa.Integer)))


@functools.cache
def page_statement(limit: int) -> PreparedQuery:
    """`/task list`'s page: the owner's first `limit` open tasks."""
    return PreparedQuery(functools.partial(_page, limit=limit, conditions=_OPEN, exact=True, zone=True))


@functools.cache
def due_page_statement(limit: int, since: bool = False) -> PreparedQuery:
    """App Home's work queue and the digests: the first `limit` open tasks due before `before` (and `since`:
    from `after` on). Overdue tasks have no lower bound: PostgreSQL's generic plan guesses a two-sided range
    holds a few rows and would sort all of them, which for a rep's backlog of overdue tasks is all of it."""
    conditions = (*_OPEN, _DUE_BEFORE, _DUE_SINCE) if since else (*_OPEN, _DUE_BEFORE)
    return PreparedQuery(functools.partial(_page, limit=limit, conditions=conditions))


class OpenTaskPage(NamedTuple):
    tasks: list[tuple[TaskSummary, RecordTitle | None]]
    total: int  # the owner's open tasks (exact)
    zone: StoredZone | None  # the owner's stored time zone (None: no row)


def open_task_page(reader: Reader, *, team_id: str, owner_id: str, limit: int) -> OpenTaskPage:
    """The owner's first `limit` open tasks, soonest first, then by priority, each with the record it is
    about (None for a lone task, or when the record is gone), how many open tasks there are (exact) and the
    owner's stored time zone: one statement (the zone is read apart only when the owner has no open task)."""
    values = {"team": team_id, "owner": owner_id}
    rows = reader.packed(page_statement(limit), values)
    if not rows:
        return OpenTaskPage([], 0, read_zone(reader, team_id=team_id, user_id=owner_id))
    return OpenTaskPage([(_summary(row), _title(row)) for row in rows], int(rows[0][12]), zone_of(rows[0][13:15]))


def _summary(row: Sequence[Any]) -> TaskSummary:
    due = row[3]  # SQLite: naive UTC as ISO text; PostgreSQL: an aware datetime
    due = datetime.fromisoformat(due).replace(tzinfo=UTC) if isinstance(due, str) else due.astimezone(UTC)
    return TaskSummary(row[0], row[1], row[2], due, *row[4:8])


_DUE_COUNTS = {since: PreparedQuery(sa.select(sa.func.count()).select_from(_TASK).where(*_OPEN, _DUE_BEFORE, *extra))
               for since, extra in ((False, ()), (True, (_DUE_SINCE,)))}  # fmt: skip


def open_tasks_due_page(
    reader: Reader,
    *,
    team_id: str,
    owner_id: str,
    before: datetime,
    limit: int,
    after: datetime | None = None,
    capped: bool = True,
) -> tuple[list[tuple[TaskSummary, RecordTitle | None]], int]:
    """The owner's first `limit` open tasks due before `before` (from `after` on, if given), as
    `open_task_page` reads them, and how many there are (capped: COUNT_CAP + 1 means more; a digest
    asks for the exact count, read apart when the cap was reached)."""
    values = {"team": team_id, "owner": owner_id, "before": before, **({"after": after} if after else {})}
    rows = reader.packed(due_page_statement(limit, since=after is not None), values)
    total = int(rows[0][12]) if rows else 0
    if not capped and total > COUNT_CAP:
        total = int(reader.scalar(_DUE_COUNTS[after is not None], values))
    return [(_summary(row), _title(row)) for row in rows], total


def _title(row: Sequence[Any]) -> RecordTitle | None:
    """The joined record's title (columns 8-11: a lead's topic and company, an opportunity's topic and account)."""
    if row[8] is not None:
        return RecordTitle("lead", row[7], row[8], row[9] or "")
    if row[10] is not None:
        return RecordTitle("opportunity", row[7], row[10], row[11] or "")
    return None
