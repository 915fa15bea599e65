"""Erasing a record's personal data: the rows that hold it, scoped by workspace. The caller owns the
transaction; bot/services/erasure.py decides what is erased."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store.appointments import cancel_appointment
from store.kinds import AppointmentStatus, TaskStatus
from store.models import Activity, Appointment, Competitor, Outbox, Stakeholder, Task
from store.sequences import cancel_task_deliveries, end_enrollments


def erase_timeline(session: Session, *, team_id: str, record_type: str, record_id: int) -> int:
    """Blank every entry's text and data (its kind, author and time stay, marked deleted)."""
    rows = session.exec(
        select(Activity).where(
            Activity.team_id == team_id, Activity.record_type == record_type, Activity.record_id == record_id
        )
    ).all()
    for row in rows:
        row.subject, row.body, row.data, row.deleted = "", "", {}, True
        session.add(row)
    return len(rows)


def remove_people(session: Session, *, team_id: str, record_type: str, record_id: int) -> None:
    for model in (Stakeholder, Competitor):
        rows = session.exec(
            select(model).where(
                model.team_id == team_id,  # type: ignore[attr-defined]
                model.record_type == record_type,  # type: ignore[attr-defined]
                model.record_id == record_id,  # type: ignore[attr-defined]
            )
        )
        for row in rows:
            session.delete(row)


def stop_work(session: Session, *, team_id: str, record_type: str, record_id: int, now: datetime) -> None:
    """Cancel open tasks, appointments, sequences and pending deliveries of the record; blank task text."""
    end_enrollments(session, team_id=team_id, record_type=record_type, record_id=record_id, now=now)
    tasks = session.exec(
        select(Task).where(Task.team_id == team_id, Task.record_type == record_type, Task.record_id == record_id)
    ).all()
    for task in tasks:
        if task.status == TaskStatus.OPEN:
            task.status, task.completed_at = TaskStatus.CANCELLED, now
        task.title, task.description = "(erased)", ""
        session.add(task)
    cancel_task_deliveries(session, team_id=team_id, task_ids=[t.id for t in tasks if t.id is not None])
    appointments = session.exec(
        select(Appointment).where(
            Appointment.team_id == team_id, Appointment.record_type == record_type, Appointment.record_id == record_id
        )
    ).all()
    for appointment in appointments:
        if appointment.status == AppointmentStatus.SCHEDULED:
            cancel_appointment(session, appointment)
        appointment.subject, appointment.location, appointment.outcome = "(erased)", "", ""
        session.add(appointment)
    pending = session.exec(
        select(Outbox).where(
            Outbox.team_id == team_id,
            Outbox.record_type == record_type,
            Outbox.record_id == record_id,
            Outbox.status == "pending",
        )
    )
    for row in pending:
        row.status, row.payload = "cancelled", {}
        session.add(row)
    session.flush()
