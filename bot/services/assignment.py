"""Assigning a record to a new owner: its open tasks, future appointments and sequences that were the
previous owner's follow the new one, and the timeline records who assigned it to whom.

The previous owner keeps access only if the record is shared with them. The caller owns the
transaction and has checked that the person assigning may change the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.refusals import Refused
from store import adhoc_tasks as task_store
from store.activities import add_activity
from store.appointments import reminder_key, schedule_reminders
from store.outbox import cancel
from store.records import Record

SAME_OWNER = "<@{user}> already owns it: pick someone else."
NO_OWNER = "Pick the new owner."


@dataclass(frozen=True)
class Assignment:
    previous: str
    owner: str
    tasks: int  # how many open tasks moved with it
    appointments: int


def assign(
    session: Session,
    record: Record,
    *,
    record_type: str,
    new_owner: str,
    by: str,
    now: datetime,
    reminder_minutes: int,
) -> Assignment:
    if not new_owner:
        raise Refused(NO_OWNER)
    previous = record.owner_id
    if new_owner == previous:
        raise Refused(SAME_OWNER.format(user=new_owner))
    record.owner_id, record.updated_at = new_owner, now
    session.add(record)
    moved_tasks = _move_tasks(session, record, record_type, previous, new_owner)
    moved_appointments = _move_appointments(session, record, record_type, previous, new_owner, now, reminder_minutes)
    for enrollment in task_store.record_enrollments_of(
        session, team_id=record.team_id, record_type=record_type, record_id=record.id or 0, owner_id=previous
    ):
        enrollment.owner_id = new_owner
        session.add(enrollment)
    add_activity(
        session,
        team_id=record.team_id,
        record_type=record_type,
        record_id=record.id or 0,
        kind="assign",
        author_id=by,
        subject="Assigned",
        data={"people": [new_owner], "previous_owner": previous},
        occurred_at=now,
    )
    return Assignment(previous, new_owner, moved_tasks, moved_appointments)


def _move_tasks(session: Session, record: Record, record_type: str, previous: str, owner: str) -> int:
    tasks = task_store.record_tasks_of(
        session, team_id=record.team_id, record_type=record_type, record_id=record.id or 0, owner_id=previous
    )
    for task in tasks:  # the pending DM at the due time goes to the new owner instead
        task_store.update_task(
            session,
            task,
            title=task.title,
            due_at=task.due_at,
            priority=task.priority,
            description=task.description,
            owner_id=owner,
        )
    return len(tasks)


def _move_appointments(
    session: Session, record: Record, record_type: str, previous: str, owner: str, now: datetime, minutes: int
) -> int:
    appointments = task_store.record_appointments_of(
        session, team_id=record.team_id, record_type=record_type, record_id=record.id or 0, owner_id=previous, after=now
    )
    for appointment in appointments:
        appointment.owner_id = owner
        session.add(appointment)
        if previous not in (appointment.attendees or []):
            cancel(session, team_id=record.team_id, dedupe_key=reminder_key(appointment.id or 0, previous))
        schedule_reminders(session, appointment, default_minutes_before=minutes, now=now)
    return len(appointments)
