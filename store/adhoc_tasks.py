"""Ad-hoc tasks (no enrollment) and the work of a record that follows its owner when it is reassigned.

Every function takes the workspace (`team_id`) and filters on it. The caller owns the transaction.
A task's due-time DM is an outbox row (store.sequences.announce_task), the same as a sequence step's.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.kinds import AppointmentStatus, TaskStatus
from store.models import Appointment, Enrollment, Task
from store.sequences import announce_task, cancel_task_deliveries


def create_adhoc_task(
    session: Session,
    *,
    team_id: str,
    owner_id: str,
    created_by: str,
    title: str,
    due_at: datetime,
    priority: int,
    description: str,
    record_type: str | None,
    record_id: int | None,
    now: datetime,
) -> Task:
    """The task, and its one DM to the owner at `due_at` through the outbox."""
    task = Task(
        team_id=team_id,
        owner_id=owner_id,
        created_by=created_by,
        record_type=record_type,
        record_id=record_id,
        kind="task",
        title=title[:300],
        description=description[:2000],
        due_at=due_at,
        priority=priority,
        created_at=now,
    )
    session.add(task)
    session.flush()
    announce_task(session, task)
    return task


def update_task(
    session: Session, task: Task, *, title: str, due_at: datetime, priority: int, description: str, owner_id: str
) -> None:
    """Change the task; a new due time or owner replaces its pending DM (a snoozed or reassigned task is
    announced to whoever owns it, when it is due)."""
    moved = task.due_at != due_at or task.owner_id != owner_id
    if moved:
        cancel_task_deliveries(session, team_id=task.team_id, task_ids=[task.id or 0])
    task.title, task.due_at, task.priority = title[:300], due_at, priority
    task.description, task.owner_id = description[:2000], owner_id
    session.add(task)
    session.flush()
    if moved:
        announce_task(session, task)


def record_tasks_of(session: Session, *, team_id: str, record_type: str, record_id: int, owner_id: str) -> list[Task]:
    query = select(Task).where(
        Task.team_id == team_id,
        Task.record_type == record_type,
        Task.record_id == record_id,
        Task.owner_id == owner_id,
        Task.status == TaskStatus.OPEN,
    )
    return list(session.exec(query.order_by(col(Task.id))))


def record_appointments_of(
    session: Session, *, team_id: str, record_type: str, record_id: int, owner_id: str, after: datetime
) -> list[Appointment]:
    """The owner's scheduled appointments of the record that have not started yet."""
    query = select(Appointment).where(
        Appointment.team_id == team_id,
        Appointment.record_type == record_type,
        Appointment.record_id == record_id,
        Appointment.owner_id == owner_id,
        Appointment.status == AppointmentStatus.SCHEDULED,
        Appointment.start_at > after,
    )
    return list(session.exec(query.order_by(col(Appointment.id))))


def record_enrollments_of(
    session: Session, *, team_id: str, record_type: str, record_id: int, owner_id: str
) -> list[Enrollment]:
    query = select(Enrollment).where(
        Enrollment.team_id == team_id,
        Enrollment.record_type == record_type,
        Enrollment.record_id == record_id,
        Enrollment.owner_id == owner_id,
        Enrollment.status == "active",
    )
    return list(session.exec(query))
