"""Sequences and enrollments: a record following a manager's steps, one task at a time.

Every function takes the workspace (`team_id`) and filters on it. The caller owns the transaction.
Which step comes next and when is decided by bot/services/sequences.py (bot.domain.assistant's rules);
the functions here write the rows it decided on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from store.kinds import TaskStatus
from store.models import Enrollment, Outbox, Sequence, Task, utcnow
from store.outbox import enqueue

TASK_DUE = "task_due"


def task_dedupe_key(task_id: int, due_at: datetime | None = None) -> str:
    """The outbox key of a task's announcement; a snoozed task is announced again under a new key."""
    prefix = f"task:{task_id}:"
    return prefix if due_at is None else f"{prefix}{int(due_at.timestamp())}"


def announce_task(session: Session, task: Task) -> None:
    """Write (in the caller's transaction) the DM announcing the task to its owner when it is due."""
    assert task.id is not None
    enqueue(
        session,
        team_id=task.team_id,
        kind=TASK_DUE,
        recipient=task.owner_id,
        due_at=task.due_at,
        dedupe_key=task_dedupe_key(task.id, task.due_at),
        payload={"task_id": task.id},
        record_type=task.record_type,
        record_id=task.record_id,
    )


def cancel_task_deliveries(session: Session, *, team_id: str, task_ids: list[int]) -> int:
    """Cancel pending outbox rows announcing these tasks."""
    if not task_ids:
        return 0
    prefixes = [col(Outbox.dedupe_key).startswith(task_dedupe_key(task_id), autoescape=True) for task_id in task_ids]
    rows = session.exec(
        select(Outbox).where(Outbox.team_id == team_id, Outbox.status == "pending", sa.or_(*prefixes))
    ).all()
    for row in rows:
        row.status = "cancelled"
        session.add(row)
    return len(rows)


def end_enrollments(session: Session, *, team_id: str, record_type: str, record_id: int, now: datetime) -> int:
    """End the record's active enrollments (qualified, disqualified, closed): cancels their open tasks and
    pending deliveries. Returns how many enrollments were ended. Idempotent."""
    enrollments = session.exec(
        select(Enrollment).where(
            Enrollment.team_id == team_id,
            Enrollment.record_type == record_type,
            Enrollment.record_id == record_id,
            Enrollment.status == "active",
        )
    ).all()
    if not enrollments:
        return 0
    ids = [e.id for e in enrollments if e.id is not None]
    tasks = session.exec(
        select(Task).where(Task.team_id == team_id, col(Task.enrollment_id).in_(ids), Task.status == TaskStatus.OPEN)
    ).all()
    for task in tasks:
        task.status, task.completed_at = TaskStatus.CANCELLED, now
        session.add(task)
    cancel_task_deliveries(session, team_id=team_id, task_ids=[t.id for t in tasks if t.id is not None])
    for enrollment in enrollments:
        enrollment.status, enrollment.ended_at = "ended", now
        session.add(enrollment)
    session.flush()
    return len(enrollments)


# --- Sequences --------------------------------------------------------------------------------


def list_sequences(session: Session, *, team_id: str, include_inactive: bool = False) -> list[Sequence]:
    query = select(Sequence).where(Sequence.team_id == team_id)
    if not include_inactive:
        query = query.where(Sequence.active == True)  # noqa: E712
    return list(session.exec(query.order_by(sa.func.lower(Sequence.name))))


def get_sequence(session: Session, *, team_id: str, sequence_id: int) -> Sequence | None:
    return session.exec(select(Sequence).where(Sequence.team_id == team_id, Sequence.id == sequence_id)).first()


def sequence_named(session: Session, *, team_id: str, name: str) -> Sequence | None:
    query = select(Sequence).where(Sequence.team_id == team_id, sa.func.lower(Sequence.name) == name.strip().lower())
    return session.exec(query).first()


def save_sequence(
    session: Session,
    *,
    team_id: str,
    name: str,
    description: str,
    steps: list[dict[str, Any]],
    user_id: str,
    sequence_id: int | None = None,
) -> Sequence:
    """Create or edit a sequence. Enrollments keep their own copy of the steps, so an edit affects new ones only."""
    sequence = get_sequence(session, team_id=team_id, sequence_id=sequence_id) if sequence_id else None
    if sequence is None:
        sequence = Sequence(team_id=team_id, name=name, created_by=user_id)
    sequence.name, sequence.description, sequence.steps = name.strip(), description.strip(), steps
    sequence.updated_at = utcnow()
    session.add(sequence)
    session.flush()
    return sequence


# --- Enrollments and their tasks --------------------------------------------------------------


def active_enrollment_counts(session: Session, *, team_id: str) -> dict[int, int]:
    """Sequence id -> how many records follow it now."""
    rows = session.exec(
        select(Enrollment.sequence_id, func.count())
        .where(Enrollment.team_id == team_id, Enrollment.status == "active")
        .group_by(col(Enrollment.sequence_id))
    ).all()
    return {int(sequence_id): int(count) for sequence_id, count in rows}


def active_enrollment(session: Session, *, team_id: str, record_type: str, record_id: int) -> Enrollment | None:
    query = select(Enrollment).where(
        Enrollment.team_id == team_id,
        Enrollment.record_type == record_type,
        Enrollment.record_id == record_id,
        Enrollment.status == "active",
    )
    return session.exec(query).first()


def get_enrollment(session: Session, *, team_id: str, enrollment_id: int) -> Enrollment | None:
    query = select(Enrollment).where(Enrollment.team_id == team_id, Enrollment.id == enrollment_id)
    return session.exec(query).first()


def add_enrollment(
    session: Session,
    *,
    team_id: str,
    sequence: Sequence,
    record_type: str,
    record_id: int,
    owner_id: str,
    now: datetime,
) -> Enrollment:
    """An active enrollment carrying its own copy of the sequence's steps."""
    enrollment = Enrollment(
        team_id=team_id,
        sequence_id=sequence.id or 0,
        sequence_name=sequence.name,
        record_type=record_type,
        record_id=record_id,
        owner_id=owner_id,
        steps=[dict(step) for step in sequence.steps],
        started_at=now,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def complete_enrollment(session: Session, enrollment: Enrollment, *, now: datetime) -> None:
    """No step left: the enrollment is completed, its position past the last step."""
    enrollment.status, enrollment.ended_at, enrollment.position = "completed", now, len(enrollment.steps)
    session.add(enrollment)
    session.flush()


def add_step_task(
    session: Session,
    enrollment: Enrollment,
    *,
    position: int,
    kind: str,
    title: str,
    due_at: datetime,
    now: datetime,
) -> Task:
    """The task of the enrollment's step at `position` (which becomes its current step), announced when due."""
    enrollment.position = position
    task = Task(
        team_id=enrollment.team_id,
        owner_id=enrollment.owner_id,
        record_type=enrollment.record_type,
        record_id=enrollment.record_id,
        enrollment_id=enrollment.id,
        position=position,
        kind=kind,
        title=title[:300],
        description=enrollment.sequence_name[:2000],
        due_at=due_at,
        created_at=now,
    )
    session.add_all([enrollment, task])
    session.flush()
    announce_task(session, task)
    return task


def close_task(session: Session, task: Task, *, outcome: str, now: datetime) -> None:
    """Close the task as `outcome` (done, skipped…) and cancel its pending announcements."""
    task.status, task.completed_at = outcome, now
    session.add(task)
    cancel_task_deliveries(session, team_id=task.team_id, task_ids=[task.id or 0])
    session.flush()


def postpone_task(session: Session, task: Task, *, due_at: datetime) -> None:
    """Move the task to `due_at` and announce it again then."""
    cancel_task_deliveries(session, team_id=task.team_id, task_ids=[task.id or 0])
    task.due_at = due_at
    session.add(task)
    session.flush()
    announce_task(session, task)


def enrollment_tasks(session: Session, *, team_id: str, enrollment_id: int) -> list[Task]:
    query = select(Task).where(Task.team_id == team_id, Task.enrollment_id == enrollment_id).order_by(col(Task.id))
    return list(session.exec(query))
