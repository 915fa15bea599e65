"""Tasks and the work queue: what a user must do today or has let slip. Every function takes team_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.kinds import AppointmentStatus, TaskStatus
from store.listing import counted_page
from store.models import Appointment, Task
from store.prepared import Reader
from store.records import RecordTitle
from store.task_lists import TaskSummary, open_tasks_due_page

OVERDUE_LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class QueueItem:
    """One line of the work queue: a task or an appointment, sorted by due time then priority."""

    due_at: datetime
    priority: int
    task: TaskSummary | None = None
    appointment: Appointment | None = None
    about: RecordTitle | None = None  # a task's record (an appointment's is read apart, bot.services.work_queue)


def get_task(session: Session, *, team_id: str, task_id: int) -> Task | None:
    return session.exec(select(Task).where(Task.team_id == team_id, Task.id == task_id)).first()


def create_task(
    session: Session,
    *,
    team_id: str,
    owner_id: str,
    title: str,
    due_at: datetime,
    record_type: str | None = None,
    record_id: int | None = None,
    kind: str = "task",
    priority: int = 2,
    description: str = "",
) -> Task:
    """A stand-alone follow-up (not a sequence step)."""
    task = Task(
        team_id=team_id,
        owner_id=owner_id,
        title=title[:300],
        due_at=due_at,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        priority=priority,
        description=description[:2000],
    )
    session.add(task)
    session.flush()
    return task


def _theirs(team_id: str, wanted: set[str], start: datetime, end: datetime, status: str) -> Any:
    """Those the users own, or whose attendees' JSON text names one of them (`"U123"`: Slack ids need no
    escaping), so a busy workspace's colleagues' appointments are never built as objects; the exact test
    on the attendees list is Python's (`_is_theirs`)."""
    attendees = sa.cast(Appointment.attendees, sa.Text)
    theirs = sa.or_(col(Appointment.owner_id).in_(sorted(wanted)),
                    *(attendees.contains(f'"{user}"', autoescape=True) for user in sorted(wanted)))  # fmt: skip
    return select(Appointment).where(
        Appointment.team_id == team_id,
        Appointment.status == status,
        Appointment.start_at >= start,
        Appointment.start_at < end,
        theirs,
    )


def _is_theirs(appointment: Appointment, wanted: set[str]) -> bool:
    return appointment.owner_id in wanted or bool(wanted.intersection(appointment.attendees or []))


def queue_appointments(
    session: Session, *, team_id: str, user_id: str, start: datetime, end: datetime, now: datetime, limit: int
) -> tuple[list[Appointment], int]:
    """The user's first `limit` scheduled appointments in [start, end) not snoozed past `now`, by start, and
    how many there are (counted with a cap, store/listing.py): a rep who never marks hundreds of meetings
    done reads `limit` of them, not all."""
    waiting = sa.or_(col(Appointment.queue_after).is_(None), col(Appointment.queue_after) <= now)
    query = _theirs(team_id, {user_id}, start, end, AppointmentStatus.SCHEDULED).where(waiting)
    return _theirs_page(session, query, {user_id}, limit)


def appointments_page(
    session: Session, *, team_id: str, user_ids: list[str], start: datetime, end: datetime, limit: int
) -> tuple[list[Appointment], int]:
    """The first `limit` scheduled appointments in [start, end) that any of the users owns or attends, by start,
    and how many there are (capped): a team's day in the morning digest."""
    wanted = set(user_ids)
    return _theirs_page(session, _theirs(team_id, wanted, start, end, AppointmentStatus.SCHEDULED), wanted, limit)


def _theirs_page(session: Session, query: Any, wanted: set[str], limit: int) -> tuple[list[Appointment], int]:
    order = (col(Appointment.start_at), col(Appointment.id))
    return counted_page(session, query, *order, limit=limit, keep=lambda found: _is_theirs(found, wanted))


def queue_probe_columns(
    team: sa.BindParameter[str],
    user: sa.BindParameter[str],
    start: sa.BindParameter[datetime],
    end: sa.BindParameter[datetime],
) -> tuple[Any, Any]:
    """Is any open task of the user due before `end`, is any appointment of the workspace scheduled from
    `start` to `end` (the queue's window): two columns of App Home's probes (store/home_probes.py)."""
    task, appointment = Task.__table__, Appointment.__table__  # type: ignore[attr-defined]
    due = sa.select(task.c.id).where(
        task.c.team_id == team, task.c.owner_id == user, task.c.status == TaskStatus.OPEN, task.c.due_at < end
    )
    scheduled = sa.select(appointment.c.id).where(
        appointment.c.team_id == team, appointment.c.status == AppointmentStatus.SCHEDULED,
        appointment.c.start_at >= start, appointment.c.start_at < end,
    )  # fmt: skip
    return sa.exists(due.limit(1)), sa.exists(scheduled.limit(1))


@dataclass(frozen=True)
class QueueProbe:
    """What App Home's probes (store/home_probes.py) found in the work queue's window: an open task of the
    user due, an appointment of the workspace scheduled (attendees are only known in the rows, so any
    appointment there says maybe)."""

    tasks: bool
    appointments: bool

    def __bool__(self) -> bool:
        """False when `work_queue` is surely empty."""
        return self.tasks or self.appointments


def work_queue(
    session: Session,
    reader: Reader,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    day_end: datetime,
    limit: int,
    any_appointments: bool,
) -> tuple[list[QueueItem], int]:
    """The first `limit` lines of the user's queue and how many there are: open tasks due before the end of
    their today (so overdue ones too; read outside the ORM, at most `limit`, counted with a cap), and
    appointments from the last days not yet marked done up to the end of today, unless snoozed (through
    the ORM, only when the workspace has any in that window: `any_appointments`, as App Home's probes found): by
    due time, then priority."""
    tasks, total = open_tasks_due_page(reader, team_id=team_id, owner_id=user_id, before=day_end, limit=limit)
    items = [QueueItem(task.due_at, task.priority, task=task, about=about) for task, about in tasks]
    start = now - OVERDUE_LOOKBACK
    if any_appointments:
        waiting, count = queue_appointments(session, team_id=team_id, user_id=user_id, start=start, end=day_end,
                                            now=now, limit=limit)  # fmt: skip
        items += [QueueItem(a.start_at, 2, appointment=a) for a in waiting]
        total += count
    items.sort(key=lambda item: (item.due_at, item.priority, 0 if item.task else 1))
    return items[:limit], total


def get_appointment(session: Session, *, team_id: str, appointment_id: int) -> Appointment | None:
    query = select(Appointment).where(Appointment.team_id == team_id, Appointment.id == appointment_id)
    return session.exec(query).first()
