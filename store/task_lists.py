"""The hot read of `/task list`, outside the ORM (store/prepared.py): a user's first open tasks along
ix_task_owner_status_due (only the ties of one due time are sorted), a capped count (store/listing.py),
and the title of each record they are about, one read per kind."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from store.kinds import TaskStatus
from store.listing import capped_count_statement
from store.models import Lead, Opportunity, Task
from store.prepared import PreparedQuery, Reader, bound_list, in_bound_list, unindexed_team
from store.records import RecordTitle


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
_TEAM, _OWNER = sa.bindparam("team", type_=sa.String), sa.bindparam("owner", type_=sa.String)
_OPEN = (_TASK.c.team_id == _TEAM, _TASK.c.owner_id == _OWNER, _TASK.c.status == TaskStatus.OPEN)
_COLUMNS = ("id", "title", "kind", "due_at", "priority", "enrollment_id", "record_type", "record_id")


@functools.cache
def page_statement(limit: int) -> PreparedQuery:
    """The first `limit` open tasks. The limit is written into the SQL, not bound: PostgreSQL's generic plan
    (`reading(..., generic_plans=True)`) would not know it is small and would sort all the owner's tasks."""
    query = sa.select(*(_TASK.c[name] for name in _COLUMNS)).where(*_OPEN)
    order = (_TASK.c.due_at, _TASK.c.priority, _TASK.c.id)
    return PreparedQuery(query.order_by(*order).limit(sa.literal_column(str(int(limit)), sa.Integer)))


_COUNT = PreparedQuery(capped_count_statement(sa.select(sa.literal(1)).select_from(_TASK).where(*_OPEN)))


def open_task_page(reader: Reader, *, team_id: str, owner_id: str, limit: int) -> tuple[list[TaskSummary], int]:
    """The owner's first `limit` open tasks, soonest first, then by priority, and how many there are
    (counted only when the page is full; capped: COUNT_CAP + 1 means more)."""
    values = {"team": team_id, "owner": owner_id}
    tasks = [_summary(row) for row in reader.all(page_statement(limit), values)]
    total = len(tasks) if len(tasks) < limit else int(reader.scalar(_COUNT, values))
    return tasks, total


def _summary(row: tuple[Any, ...]) -> TaskSummary:
    due = row[3]  # SQLite: naive UTC as ISO text; PostgreSQL: an aware datetime
    due = datetime.fromisoformat(due).replace(tzinfo=UTC) if isinstance(due, str) else due.astimezone(UTC)
    return TaskSummary(row[0], row[1], row[2], due, *row[4:])


def _titles_statement(model: type[Lead] | type[Opportunity], extra: str) -> PreparedQuery:
    table = model.__table__  # type: ignore[attr-defined, union-attr]

    def statement(dialect: str) -> sa.Select[Any]:
        found = in_bound_list(dialect, table.c.id, "ids", sa.Integer)
        team = unindexed_team(dialect, table)
        return sa.select(table.c.id, table.c.topic, table.c[extra]).where(found, team == _TEAM)

    return PreparedQuery(statement)


_TITLES = {"lead": _titles_statement(Lead, "company"), "opportunity": _titles_statement(Opportunity, "account_name")}


def record_titles(reader: Reader, *, team_id: str, tasks: list[TaskSummary]) -> list[RecordTitle | None]:
    """The record each task is about (None for a lone task, or when the record is gone)."""
    wanted: dict[str, set[int]] = {}
    for task in tasks:
        if task.record_type in _TITLES and task.record_id:
            wanted.setdefault(task.record_type, set()).add(task.record_id)
    found: dict[tuple[str, int], RecordTitle] = {}
    for kind, ids in wanted.items():
        for row in reader.all(_TITLES[kind], {"team": team_id, "ids": bound_list(reader.dialect, sorted(ids))}):
            found[kind, row[0]] = RecordTitle(kind, row[0], row[1], row[2] or "")
    return [found.get((task.record_type or "", task.record_id or 0)) for task in tasks]


_DUE_WINDOW = (_TASK.c.due_at >= sa.bindparam("after"), _TASK.c.due_at < sa.bindparam("before"))
_DUE = sa.select(sa.literal(1)).select_from(_TASK).where(*_OPEN, *_DUE_WINDOW)
_DUE_COUNT = PreparedQuery(capped_count_statement(_DUE))
_DUE_COUNT_EXACT = PreparedQuery(sa.select(sa.func.count()).select_from(_DUE.subquery()))
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


@functools.cache
def due_page_statement(limit: int) -> PreparedQuery:
    """page_statement's read, of the tasks due in [after, before) (the literal limit: page_statement)."""
    query = sa.select(*(_TASK.c[name] for name in _COLUMNS)).where(*_OPEN, *_DUE_WINDOW)
    order = (_TASK.c.due_at, _TASK.c.priority, _TASK.c.id)
    return PreparedQuery(query.order_by(*order).limit(sa.literal_column(str(int(limit)), sa.Integer)))


def open_tasks_due_page(
    reader: Reader,
    *,
    team_id: str,
    owner_id: str,
    before: datetime,
    limit: int,
    after: datetime = LONG_AGO,
    capped: bool = True,
) -> tuple[list[TaskSummary], int]:
    """The owner's first `limit` open tasks due in [after, before) (App Home's work queue and the digests:
    overdue ones too), soonest first, then by priority, along ix_task_owner_status_due, and how many there
    are (counted only when the page is full; `capped`: COUNT_CAP + 1 means more; a digest counts them all)."""
    values = {"team": team_id, "owner": owner_id, "after": after, "before": before}
    tasks = [_summary(row) for row in reader.all(due_page_statement(limit), values)]
    if len(tasks) < limit:
        return tasks, len(tasks)
    return tasks, int(reader.scalar(_DUE_COUNT if capped else _DUE_COUNT_EXACT, values))
